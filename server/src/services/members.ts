import type { Core } from '@strapi/strapi';
import {
  DomainError,
  USER_SECRET_FIELDS,
  erasedEmail,
  erasedUsername,
  holdsSecret,
  payloadSecrets,
  scrubJson,
  scrubText,
  secretsOf,
  type HistoryCause,
} from '../domain';
import type { EraseResult, MemberExport } from '../contract';
import { getService } from '../utils/plugin';
import { memberRepository, type MemberRow } from '../repositories/members';
import { subscriptionRepository } from '../repositories/subscriptions';
import { historyRepository } from '../repositories/history';
import { messageRepository } from '../repositories/messages';
import { personalDataRepository } from '../repositories/personal-data';
import { UID } from '../content-types';
import { historyRecordOf } from './history';

/** Why a message still to be sent to an erased member was not. */
export const SKIPPED_MEMBER_ERASED = "the member's personal data was erased";

const withoutSecrets = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).filter(([key]) => !USER_SECRET_FIELDS.includes(key)));

export type { MemberRow };

/**
 * Members are users-permissions users, found by e-mail (trimmed, case-insensitive: e-mail is
 * not unique at database level in users-permissions, so the lookup takes the oldest match).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const repo = memberRepository(strapi);

  const findByEmail = (email: string): Promise<MemberRow | null> => repo.findByEmail(email);

  /**
   * Finds the member with this e-mail or creates one (username and e-mail = the lower-cased
   * e-mail, confirmed, no password: they set one through a one-time link). Call inside a
   * transaction; concurrent calls for one e-mail are serialised by a lock on it.
   */
  const findOrCreate = async (email: string, options: { username?: string | null } = {}): Promise<{ user: MemberRow; created: boolean }> => {
    const normalized = email.trim().toLowerCase();
    await repo.lockEmail(normalized);
    const existing = await repo.findByEmail(normalized);
    if (existing) return { user: existing, created: false };
    // The username asked for (a CSV import's), else the e-mail; `-2`, `-3`… when taken.
    const wanted = options.username?.trim() || normalized;
    let username = wanted;
    for (let n = 2; await repo.usernameTaken(username); n += 1) username = `${wanted}-${n}`;
    const user = await repo.create({ username, email: normalized, roleId: await getService(strapi, 'roles').fallbackRoleId() });
    return { user, created: true };
  };

  const personal = personalDataRepository(strapi);
  const subscriptions = subscriptionRepository(strapi);
  const history = historyRepository(strapi);
  const outbox = messageRepository(strapi);

  const userOrThrow = async (userId: number) => {
    const user = Number.isInteger(userId) && userId > 0 ? await personal.user(userId) : null;
    if (!user) throw new DomainError('member', `no member with id ${JSON.stringify(userId)}`, 'not_found');
    return user;
  };

  /** The member's addresses: their e-mail and every buyer e-mail of the payments linked to them. */
  const addressesOf = async (userId: number, email: unknown) => {
    const own = typeof email === 'string' && email ? [email] : [];
    const linked = (await personal.ledgerOf(userId, own)).map((row) => row.email).filter((e): e is string => !!e);
    return secretsOf([...own, ...linked]).filter((e) => e.includes('@'));
  };

  /**
   * Everything the plugin holds about a member, as one JSON document: the user (no password hash,
   * no one-time token), their subscriptions each with its history, their member-level history,
   * their payment-log rows (payloads as stored) and the messages sent or queued to them.
   */
  const exportData = async (userId: number, options: { now?: Date } = {}): Promise<MemberExport> => {
    const user = await userOrThrow(userId);
    const emails = await addressesOf(userId, user.email);
    const subs = await subscriptions.listForMember(userId);
    const entries = (await history.forMember(userId, 100_000)).map(historyRecordOf);
    return {
      format: 'subscriptions-member-export/1',
      exportedAt: (options.now ?? getService(strapi, 'clock').now()).toISOString(),
      user: withoutSecrets(user) as MemberExport['user'],
      subscriptions: subs.map(({ user: _user, offer, ...row }) => {
        const { anchorDay: _anchor, freeTakes: _free, ...kept } = row as typeof row & { freeTakes?: unknown };
        return {
          ...kept,
          offer: offer ? { id: offer.id, documentId: offer.documentId, title: offer.title } : null,
          history: entries.filter((e) => e.subscriptionId === row.id),
        };
      }),
      history: entries.filter((e) => e.subscriptionId === null),
      paymentEvents: (await personal.ledgerOf(userId, emails)).map((row) => ({ ...row })),
      messages: (await personal.messagesOf(userId, emails)).map((row) => ({ ...row })),
    };
  };

  /**
   * Erases a member's personal data (GDPR), in one transaction, under the member's lock:
   * - their subscriptions still running end now (`cancelled`, through the one write path; dates,
   *   offers and amounts stay) and their role goes back to the fallback role;
   * - every message still to be sent to them is skipped; the sent ones lose their address, and
   *   their subject, error and data lose the member's names and addresses;
   * - their payment-log rows keep amounts, dates, products and transaction ids, but the buyer
   *   e-mail column becomes the placeholder and the payload's buyer fields `[erased]`;
   * - the subscriptions' buyer names and the history's labels naming them are removed;
   * - the user keeps its row (ids stay valid for the accounts) with username `erased-<id>`, e-mail
   *   `erased-<id>@invalid`, no password, no token, blocked, other personal fields emptied;
   * - a member-level history entry `erased` records it, `by` as its cause.
   * `confirm`, when given, must be the member's current e-mail (the admin panel sends what was typed).
   */
  const erase = async (
    userId: number,
    options: { by?: HistoryCause; now?: Date; confirm?: string } = {}
  ): Promise<EraseResult> => {
    const cause: HistoryCause = options.by ?? { kind: 'api' };
    const result = await strapi.db.transaction(async () => {
      await repo.lock([userId]);
      const user = await userOrThrow(userId);
      const email = typeof user.email === 'string' ? user.email : '';
      if (options.confirm !== undefined && options.confirm.trim().toLowerCase() !== email.trim().toLowerCase()) {
        throw new DomainError('confirm', "confirm: must be the member's current e-mail address");
      }
      const now = options.now ?? getService(strapi, 'clock').now();
      const placeholder = { email: erasedEmail(userId), username: erasedUsername(userId) };
      const emails = await addressesOf(userId, email);
      const ledger = await personal.ledgerOf(userId, emails);
      const subs = await subscriptions.listForMember(userId);
      const buyerNames = (subs as { buyerName?: string | null }[]).map((s) => s.buyerName ?? null);
      const extra = personal.userPersonalAttributes().map((a) => user[a]).filter((v): v is string => typeof v === 'string');
      const secrets = secretsOf([
        ...emails,
        typeof user.username === 'string' && user.username !== placeholder.username ? user.username : null,
        ...buyerNames,
        ...extra,
        ...ledger.flatMap((row) => payloadSecrets(row.payload)),
      ]);

      // Subscriptions end now, the role follows (history: `cancelled`, `role-changed`).
      const [applied] = await getService(strapi, 'memberChanges').applyMany([{ userId, event: { type: 'member-deleted', mode: 'end' }, cause }], { now });
      const ended = applied?.result.events.filter((e) => e.name === 'cancelled').length ?? 0;
      const fallback = await getService(strapi, 'roles').fallbackRoleId();
      const roleNow = (await repo.rolesOf([userId])).get(userId) ?? null;
      if (roleNow !== fallback) {
        await repo.writeRoles([{ userId, roleId: fallback, linked: roleNow !== null }]);
      }

      const messagesSkipped = await outbox.skipUnsentTo([userId], SKIPPED_MEMBER_ERASED);
      const messages = await personal.messagesOf(userId, emails);
      await personal.updateEach(
        UID.message,
        messages.map((m) => ({
          id: m.id,
          set: {
            to: placeholder.email,
            subject: m.subject === null ? null : scrubText(m.subject, secrets),
            lastError: m.lastError === null ? null : scrubText(m.lastError, secrets),
            data: m.data === null ? null : scrubJson(m.data, secrets),
          },
        }))
      );
      await personal.updateEach(
        UID.paymentEvent,
        ledger.map((row) => ({
          id: row.id,
          set: {
            email: row.email === null ? null : placeholder.email,
            reason: row.reason === null ? null : scrubText(row.reason, secrets),
            payload: row.payload === null ? null : scrubJson(row.payload, secrets),
          },
        }))
      );
      await personal.clearBuyerNames(subs.map((s) => s.id));
      const labels = await personal.historyLabelsOf(userId);
      const relabelled = labels.filter((h) => (h.causeKind === 'member' && h.causeRef === String(userId)) || holdsSecret(h.causeLabel, secrets));
      await personal.updateEach(
        UID.historyEntry,
        relabelled.map((h) => ({ id: h.id, set: { causeLabel: h.causeKind === 'member' ? null : scrubText(h.causeLabel, secrets) } }))
      );
      const runs = (await personal.schedulerRuns()).filter((r) => holdsSecret(JSON.stringify([r.failure, r.steps, r.figures]), secrets));
      await personal.updateEach(
        UID.schedulerRun,
        runs.map((r) => ({
          id: r.id,
          set: {
            failure: r.failure === null ? null : scrubText(r.failure, secrets),
            steps: scrubJson(r.steps, secrets),
            figures: scrubJson(r.figures, secrets),
          },
        }))
      );
      await personal.anonymizeUser(userId, placeholder);
      const none = { status: null, startsAt: null, dueAt: null, endsAt: null };
      await history.append([
        {
          at: now,
          kind: 'erased',
          userId,
          subscriptionId: null,
          subscriptionDocumentId: null,
          before: none,
          after: none,
          roleBefore: roleNow,
          roleAfter: fallback,
          causeKind: cause.kind,
          causeRef: cause.ref === undefined || cause.ref === null ? null : String(cause.ref).slice(0, 255),
          causeLabel: cause.label ? cause.label.slice(0, 255) : null,
        },
      ]);
      return {
        userId,
        email: placeholder.email,
        subscriptionsEnded: ended,
        paymentEvents: ledger.length,
        messages: messages.length,
        messagesSkipped,
        historyEntries: relabelled.length,
      } satisfies EraseResult;
    });
    strapi.log.info(`subscriptions: member ${userId}'s personal data erased (${result.paymentEvents} payment event(s), ${result.messages} message(s))`);
    return result;
  };

  return { findByEmail, findOrCreate, exportData, erase };
};
