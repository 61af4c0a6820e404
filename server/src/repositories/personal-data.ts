import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { USER_KEPT_FIELDS, USER_SECRET_FIELDS } from '../domain';
import { chunks, run, scalarColumns, tableOf, toColumns } from './sql';

/** Text-like attribute types: where personal data can sit. */
const TEXT_TYPES = ['string', 'text', 'email', 'richtext', 'uid', 'blocks', 'json', 'password'];

export interface LedgerRowOfMember {
  id: number;
  email: string | null;
  reason: string | null;
  payload: unknown;
  [column: string]: unknown;
}

export interface MessageOfMember {
  id: number;
  to: string | null;
  subject: string | null;
  lastError: string | null;
  data: unknown;
  [column: string]: unknown;
}

/**
 * The queries of a member's data export and erasure (GDPR): their user row (every field), the
 * ledger rows and messages that name them (linked to them, or carrying one of their e-mail
 * addresses), and the writes that replace personal data in place. Inside `strapi.db.transaction`
 * each joins the caller's transaction.
 */
export const personalDataRepository = (strapi: Core.Strapi) => {
  /** The user row with every field users-permissions (or the project) gave it, and its role. */
  const user = async (userId: number): Promise<Record<string, unknown> | null> =>
    (await strapi.db.query(UID.user).findOne({
      where: { id: userId },
      populate: { role: { select: ['id', 'name', 'type'] } },
    })) as Record<string, unknown> | null;

  /** The user's text-like attributes besides username and e-mail (names, address, phone… a project added). */
  const userPersonalAttributes = (): string[] =>
    scalarColumns(strapi, UID.user)
      .filter((c) => TEXT_TYPES.includes(c.type))
      .map((c) => c.attribute)
      .filter((a) => !USER_KEPT_FIELDS.includes(a) && !USER_SECRET_FIELDS.includes(a) && a !== 'username' && a !== 'email');

  /**
   * Replaces the user's identity in place: username and e-mail by placeholders, every other
   * personal text field emptied, password and one-time tokens removed, the account blocked.
   */
  const anonymizeUser = async (userId: number, placeholder: { username: string; email: string }) => {
    const set: Record<string, unknown> = {
      username: placeholder.username,
      email: placeholder.email,
      password: null,
      resetPasswordToken: null,
      confirmationToken: null,
      blocked: true,
      updatedAt: new Date(),
    };
    for (const attribute of userPersonalAttributes()) set[attribute] = null;
    const known = new Set(scalarColumns(strapi, UID.user).map((c) => c.attribute));
    const columns = toColumns(strapi, UID.user, Object.fromEntries(Object.entries(set).filter(([a]) => known.has(a))));
    await run(strapi, (knex) => knex(tableOf(strapi, UID.user)).where('id', userId).update(columns));
  };

  /**
   * Linked to the user, or linked to nobody and carrying (any case) one of their addresses: a row
   * of another user who shares an address (e-mail is not unique in users-permissions) is theirs.
   */
  const ofMember = (userId: number, field: string, emails: readonly string[]) => ({
    $or: [
      { user: { id: userId } },
      ...(emails.length > 0 ? [{ user: { id: { $null: true } }, $or: emails.map((e) => ({ [field]: { $eqi: e } })) }] : []),
    ],
  });

  /** The ledger rows of a member (linked, or carrying one of their addresses), oldest first, payload as stored. */
  const ledgerOf = async (userId: number, emails: readonly string[]): Promise<LedgerRowOfMember[]> =>
    (await strapi.db.query(UID.paymentEvent).findMany({
      where: ofMember(userId, 'email', emails),
      populate: { subscription: { select: ['id', 'documentId'] } },
      orderBy: { id: 'asc' },
    })) as LedgerRowOfMember[];

  /** The messages to a member (linked, or addressed to one of their addresses), oldest first. */
  const messagesOf = async (userId: number, emails: readonly string[]): Promise<MessageOfMember[]> =>
    (await strapi.db.query(UID.message).findMany({
      where: ofMember(userId, 'to', emails),
      populate: { subscription: { select: ['id', 'documentId'] } },
      orderBy: { id: 'asc' },
    })) as MessageOfMember[];

  /** Writes columns of some rows of a plugin table, by id (each row its own values). */
  const updateEach = async (uid: string, updates: readonly { id: number; set: Record<string, unknown> }[]) =>
    run(strapi, async (knex) => {
      for (const u of updates) {
        await knex(tableOf(strapi, uid)).where('id', u.id).update(toColumns(strapi, uid, { ...u.set, updatedAt: new Date() }));
      }
    });

  /** Buyer names written on the member's subscriptions, then removed. */
  const clearBuyerNames = async (subscriptionIds: readonly number[]) =>
    run(strapi, async (knex) => {
      for (const part of chunks([...subscriptionIds], 500)) {
        await knex(tableOf(strapi, UID.subscription)).whereIn('id', part).update(toColumns(strapi, UID.subscription, { buyerName: null, updatedAt: new Date() }));
      }
    });

  /** The member's history rows whose cause label may name them (a member's own action, any label). */
  const historyLabelsOf = async (userId: number) =>
    (await strapi.db.query(UID.historyEntry).findMany({
      where: {
        causeLabel: { $notNull: true },
        $or: [{ userId }, { causeKind: 'member', causeRef: String(userId) }],
      },
      select: ['id', 'causeKind', 'causeRef', 'causeLabel'],
    })) as { id: number; causeKind: string; causeRef: string | null; causeLabel: string }[];

  /** The scheduler's kept runs (only the newest few are kept) whose failure text or figures may quote an address. */
  const schedulerRuns = async () =>
    (await strapi.db.query(UID.schedulerRun).findMany({ select: ['id', 'failure', 'steps', 'figures'] })) as {
      id: number;
      failure: string | null;
      steps: unknown;
      figures: unknown;
    }[];

  return { user, userPersonalAttributes, anonymizeUser, ledgerOf, messagesOf, updateEach, clearBuyerNames, historyLabelsOf, schedulerRuns };
};

export type PersonalDataRepository = ReturnType<typeof personalDataRepository>;
