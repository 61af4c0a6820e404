import type { Core } from '@strapi/strapi';
import {
  applyToMember,
  datesDiffer,
  historyOf,
  isErasedAddress,
  roleHistoryOf,
  type HistoryCause,
  type HistoryEntry,
  type RoleDecision,
  NEW_PAYMENT,
  paymentDiffers,
  type Key,
  type MemberEvent,
  type MemberOffer,
  type MemberPayment,
  type MemberResult,
  type MemberState,
  type MemberSubscription,
  type PendingNotice,
  type RoleGrant,
  type SubscriptionDates,
} from '../domain';
import { getService } from '../utils/plugin';
import { datesOf, type OfferRow, type SubscriptionRow } from '../repositories/mappers';
import { subscriptionRepository, type PurchaseInfo, type SubscriptionWrite } from '../repositories/subscriptions';
import { offerRepository } from '../repositories/offers';
import { paymentEventRepository } from '../repositories/payment-events';
import { memberRepository } from '../repositories/members';
import { messageRepository, type BatchMessage } from '../repositories/messages';
import { historyRepository, type NewHistoryRow } from '../repositories/history';

export const SUBSCRIPTION_EVENTS = [
  'subscriptions.subscription.created',
  'subscriptions.subscription.renewed',
  'subscriptions.subscription.activated',
  'subscriptions.subscription.expired',
  'subscriptions.subscription.cancelled',
  'subscriptions.subscription.refunded',
  'subscriptions.user.created',
] as const;
export type SubscriptionEvent = (typeof SUBSCRIPTION_EVENTS)[number];

export const offerOf = (row: OfferRow): MemberOffer => ({
  id: row.id,
  duration: row.duration,
  period: row.period,
  roleId: row.role?.id ?? null,
  level: row.level ?? 0,
});

const subscriptionOf = (row: SubscriptionRow): MemberSubscription => ({
  ...datesOf(row),
  id: row.id,
  offer: row.offer ? offerOf(row.offer) : null,
  source: (row.source ?? 'manual') as MemberSubscription['source'],
});

const grantOfState = (s: MemberSubscription): RoleGrant => ({
  status: s.status,
  startsAt: s.startsAt,
  endsAt: s.endsAt,
  cancelledAt: s.cancelledAt,
  roleId: s.offer?.roleId ?? null,
  level: s.offer?.level ?? 0,
});

/** One member's change, as the batch runner takes it. */
export interface MemberChange {
  userId: number;
  event: MemberEvent;
  /** Pending refunds/cancellations of the acquirer transaction a payment carries. */
  pending?: PendingNotice[];
  /** Written on the subscription a payment lands on (Click2Sell's receipt id, buyer name…). */
  purchase?: PurchaseInfo;
  /** Other columns an editor wrote with the change (Content Manager), kept as given. */
  extra?: Record<string, unknown>;
  /**
   * The member's payments, when the caller holds every one the event reads (a payment reads only
   * those of its own acquirer transaction, which Click2Sell has just read from the ledger);
   * otherwise they are read under the lock.
   */
  payments?: MemberPayment[];
  /** Why: written on the history entries of this change (default: the options' cause, else the service API). */
  cause?: HistoryCause;
}

/** The cause of a change whose caller named none: the service API. */
export const API_CAUSE: HistoryCause = { kind: 'api' };

/** A history entry as its row: the member, the stored subscription it concerns, when. */
const historyRow = (entry: HistoryEntry, userId: number, row: { id: number; documentId?: string } | null, at: Date): NewHistoryRow => ({
  at,
  kind: entry.kind,
  userId,
  subscriptionId: row?.id ?? null,
  subscriptionDocumentId: row?.documentId ?? null,
  before: entry.before,
  after: entry.after,
  roleBefore: entry.roleBefore ?? null,
  roleAfter: entry.roleAfter ?? null,
  causeKind: entry.cause.kind,
  causeRef: entry.cause.ref === undefined || entry.cause.ref === null ? null : String(entry.cause.ref).slice(0, 255),
  causeLabel: entry.cause.label ? entry.cause.label.slice(0, 255) : null,
});

/** Member-level history rows for the roles a decision changed. */
const roleRows = (decisions: ReadonlyMap<number, RoleDecision>, causes: ReadonlyMap<number, HistoryCause>, at: Date): NewHistoryRow[] => {
  const rows: NewHistoryRow[] = [];
  for (const [userId, decision] of decisions) {
    const entry = roleHistoryOf(decision, causes.get(userId) ?? API_CAUSE);
    if (entry) rows.push(historyRow(entry, userId, null, at));
  }
  return rows;
};

/** The columns of a subscription that differ between what was read and what was decided. */
const changedColumns = (before: SubscriptionDates, after: SubscriptionDates): Record<string, unknown> => {
  const set: Record<string, unknown> = {};
  const time = (d: Date | null) => (d === null ? null : d.getTime());
  if (before.status !== after.status) set.status = after.status;
  if (time(before.startsAt) !== time(after.startsAt)) set.startsAt = after.startsAt;
  if (time(before.dueAt) !== time(after.dueAt)) set.dueAt = after.dueAt;
  if (time(before.endsAt) !== time(after.endsAt)) set.endsAt = after.endsAt;
  if (time(before.cancelledAt) !== time(after.cancelledAt)) set.cancelledAt = after.cancelledAt;
  if (before.anchorDay !== after.anchorDay) set.anchorDay = after.anchorDay;
  return set;
};

export interface AppliedChange {
  result: MemberResult;
  /** The stored id of every subscription the result names (new ones included). */
  ids: Map<string, number>;
  /** The row of the subscription the event concerned, after the change. */
  subscription: SubscriptionRow | null;
  /** The payment this change recorded (its period and subscription), when it recorded one. */
  payment: MemberPayment | null;
  /** The member's state after the change. */
  state: MemberState;
}

/**
 * The one write path for a member's paid time. Every change — Click2Sell, the admin's renew,
 * cancel, refund and date edits, the Content Manager, the service API, the scheduler, an offer's
 * role changing — comes here: take the member's lock, read the member's subscriptions and
 * payments, ask the pure domain (`applyToMember`) for the next state, write the difference,
 * recompute the role, queue e-mails in the same transaction and emit events after it commits.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const subscriptions = subscriptionRepository(strapi);
  const ledger = paymentEventRepository(strapi);
  const members = memberRepository(strapi);
  const offers = offerRepository(strapi);
  const outbox = messageRepository(strapi);
  const history = historyRepository(strapi);
  const clock = () => getService(strapi, 'clock');
  const settings = () => getService(strapi, 'settings');
  const roles = () => getService(strapi, 'roles');
  const messages = () => getService(strapi, 'messages');

  const emitAfterCommit = (event: SubscriptionEvent, payload: Record<string, unknown>) => {
    const emit = () => {
      void strapi.eventHub.emit(event, payload);
    };
    if (strapi.db.inTransaction()) strapi.db.transaction(async ({ onCommit }) => onCommit(emit));
    else emit();
  };

  const needsPayments = (event: MemberEvent) =>
    ['payment', 'refund-payment', 'cancel-payment', 'refund', 'delete'].includes(event.type);

  /**
   * Applies changes to several members in one transaction (the scheduler's pages, an offer's
   * subscribers) or to one. Locks them in id order, reads their state (one joined query: their
   * subscriptions, offers, the roles those grant, and their current role), decides, writes the
   * difference without reading it back (a scheduler page's rows in one statement per kind of
   * change), decides their roles from the state it wrote, queues expiry notices in one insert.
   * `now` pinned by the caller, or read after the locks are held: work that waited for another
   * change must not judge that change's fresh subscription as not started yet.
   */
  const applyMany = async (
    changes: readonly MemberChange[],
    options: { now?: Date; alsoManagedRoles?: number[]; cause?: HistoryCause } = {}
  ): Promise<AppliedChange[]> =>
    strapi.db.transaction(async ({ onCommit }) => {
      const userIds = [...new Set(changes.map((c) => c.userId))];
      await members.lock(userIds);
      const now = options.now ?? clock().now();
      const config = await settings().get();
      const snapshots = await subscriptions.snapshotOf(userIds);
      const applied: AppliedChange[] = [];
      const finalStates = new Map<number, MemberState>();
      const notices: BatchMessage[] = [];
      const writes: SubscriptionWrite[] = [];
      const emits: [SubscriptionEvent, Record<string, unknown>][] = [];
      // The history of the whole call, appended in one statement with the change.
      const entries: NewHistoryRow[] = [];
      const causes = new Map<number, HistoryCause>();
      const offerRows = new Map<number, OfferRow>();
      for (const snapshot of snapshots.values()) for (const row of snapshot.rows) if (row.offer) offerRows.set(row.offer.id, row.offer);

      for (const change of changes) {
        const snapshot = snapshots.get(change.userId);
        const rows = snapshot?.rows ?? [];
        const rowById = new Map(rows.map((r) => [String(r.id), r]));
        const payments: MemberPayment[] = change.payments
          ? change.payments
          : needsPayments(change.event)
            ? (await ledger.paymentsOf(change.userId)).map((p) => ({ ...p, acquirerId: p.acquirerTransactionId }))
            : [];
        const state: MemberState = { subscriptions: rows.map(subscriptionOf), payments, pending: change.pending ?? [] };
        const result = applyToMember(state, change.event, now, {
          renewalWindowHours: config.renewalWindowHours,
          stackingMode: config.stackingMode,
          graceHours: config.graceHours,
        });

        // Write the difference: only the columns that changed, and what the caller adds.
        const ids = new Map<string, number>(rows.map((r) => [String(r.id), r.id]));
        const written = new Map<string, SubscriptionRow>();
        const before = new Map(state.subscriptions.map((s) => [String(s.id), s]));
        const landed = result.subscriptionId === null ? null : String(result.subscriptionId);
        for (const next of result.state.subscriptions) {
          const key = String(next.id);
          const dates: SubscriptionDates = {
            status: next.status,
            startsAt: next.startsAt,
            dueAt: next.dueAt,
            endsAt: next.endsAt,
            cancelledAt: next.cancelledAt,
            anchorDay: next.anchorDay,
          };
          const extra = {
            ...(key === landed ? change.purchase ?? {} : {}),
            ...(key === landed ? change.extra ?? {} : {}),
          };
          const previous = before.get(key);
          if (!previous) {
            if (!next.offer) throw new Error('a new subscription needs an offer');
            const row = await subscriptions.insert({ userId: change.userId, offerId: next.offer.id, dates, source: next.source, purchase: extra });
            if (!offerRows.has(next.offer.id)) {
              const offer = await offers.findByRef({ id: next.offer.id });
              if (offer) offerRows.set(offer.id, offer);
            }
            ids.set(key, row.id);
            written.set(key, { ...row, offer: offerRows.get(next.offer.id) ?? null, user: snapshot?.user ?? row.user ?? null });
          } else {
            const offerChanged = (previous.offer?.id ?? null) !== (next.offer?.id ?? null);
            const set: Record<string, unknown> = { ...changedColumns(previous, dates), ...extra, ...(offerChanged ? { offer: next.offer?.id ?? null } : {}) };
            if (Object.keys(set).length > 0) writes.push({ id: Number(previous.id), expectStatus: previous.status, set });
            const row = rowById.get(key)!;
            written.set(key, { ...row, ...dates, ...(extra as object) });
          }
        }
        for (const old of state.subscriptions) {
          if (!result.state.subscriptions.some((s) => String(s.id) === String(old.id))) await subscriptions.remove(Number(old.id));
        }
        const idOf = (key: Key | null) => (key === null ? null : ids.get(String(key)) ?? null);

        const cause = change.cause ?? options.cause ?? API_CAUSE;
        causes.set(change.userId, cause);
        for (const entry of historyOf(state.subscriptions, result.state.subscriptions, { ...result, event: change.event.type }, cause)) {
          const key = String(entry.subscriptionId);
          entries.push(historyRow(entry, change.userId, written.get(key) ?? rowById.get(key) ?? null, now));
        }

        let payment: MemberPayment | null = null;
        for (const p of result.state.payments) {
          if (p.id === NEW_PAYMENT) {
            payment = { ...p, subscriptionId: idOf(p.subscriptionId) };
            continue;
          }
          const old = state.payments.find((q) => q.id === p.id);
          if (old && paymentDiffers(old, p)) {
            await ledger.updatePayment(Number(p.id), { periodStart: p.periodStart, periodEnd: p.periodEnd, refundedAt: p.refundedAt });
          }
        }
        if (result.resolved.length > 0) {
          await ledger.resolvePending(result.resolved.map(Number), 'applied with its payment, which arrived later');
        }

        // Events after commit; expiry notices with the change.
        const rowFor = (key: Key) => written.get(String(key)) ?? null;
        for (const e of result.events) {
          emits.push([
            `subscriptions.subscription.${e.name}` as SubscriptionEvent,
            {
              subscription: rowFor(e.subscriptionId),
              ...(e.previous ? { previous: e.previous } : {}),
              ...(e.previousStatus ? { previousStatus: e.previousStatus } : {}),
            },
          ]);
        }
        for (const t of result.transitions) {
          const row = rowFor(t.subscriptionId);
          const next = result.state.subscriptions.find((s) => String(s.id) === String(t.subscriptionId));
          if ((t.to === 'expired' || t.to === 'cancelled') && row?.user?.email && !isErasedAddress(row.user.email) && next?.endsAt) {
            notices.push({
              kind: 'expiry',
              to: row.user.email,
              userId: row.user.id,
              subscriptionId: row.id,
              dedupeKey: `expiry:${row.id}:${next.endsAt.toISOString()}`,
              data: { offerTitle: row.offer?.title ?? '', endsAt: next.endsAt.toISOString() },
            });
          }
        }

        finalStates.set(change.userId, result.state);
        applied.push({ result, ids, subscription: landed === null ? null : rowFor(landed), payment, state: result.state });
      }

      // A page's rows that take the same change in one statement each, checked against what was read.
      await subscriptions.writeMany(writes);
      const current = new Map([...snapshots].map(([userId, s]) => [userId, s.roleId]));
      const decisions = await roles().applyMany(
        new Map([...finalStates].map(([userId, s]) => [userId, s.subscriptions.map(grantOfState)])),
        now,
        options.alsoManagedRoles ?? [],
        current
      );
      await history.append([...entries, ...roleRows(decisions, causes, now)]);
      // Expiry notices of a page in one insert (a key another writer took is skipped).
      if (notices.length > 0) await outbox.enqueueMany(notices, now);
      if (emits.length > 0) {
        onCommit(() => {
          for (const [event, payload] of emits) void strapi.eventHub.emit(event, payload);
        });
      }
      return applied;
    });

  const apply = async (change: MemberChange, options: { now?: Date; cause?: HistoryCause } = {}): Promise<AppliedChange> =>
    (await applyMany([change], options))[0];

  /** Recomputes some members' roles from their subscriptions, under their locks. */
  const refreshRoles = async (userIds: readonly number[], options: { now?: Date; alsoManagedRoles?: number[]; cause?: HistoryCause } = {}) =>
    strapi.db.transaction(async () => {
      await members.lock(userIds);
      const now = options.now ?? clock().now();
      const byUser = await subscriptions.snapshotOf(userIds);
      const decisions = await roles().applyMany(
        new Map([...byUser].map(([userId, s]) => [userId, s.rows.map(subscriptionOf).map(grantOfState)])),
        now,
        options.alsoManagedRoles ?? [],
        new Map([...byUser].map(([userId, s]) => [userId, s.roleId]))
      );
      const cause = options.cause ?? API_CAUSE;
      await history.append(roleRows(decisions, new Map(userIds.map((id) => [id, cause])), now));
      return decisions;
    });

  /**
   * Subscriptions without a member (a user deleted before the plugin unlinked them, a row written
   * by hand): the scheduler still settles them by the same rule (activation, expiry, grace), with
   * no member to lock, no role and no e-mail. The rows are read again in the transaction; one
   * another writer moves before the write makes the call throw (nothing written). Returns the
   * transitions made.
   */
  const settleOrphans = async (subscriptionIds: readonly number[], options: { now?: Date } = {}) =>
    strapi.db.transaction(async ({ onCommit }) => {
      const now = options.now ?? clock().now();
      const config = await settings().get();
      const writes: SubscriptionWrite[] = [];
      const transitions: MemberResult['transitions'] = [];
      const emits: [SubscriptionEvent, Record<string, unknown>][] = [];
      for (const row of await subscriptions.withoutMember(subscriptionIds)) {
        const before = subscriptionOf(row);
        const result = applyToMember({ subscriptions: [before], payments: [], pending: [] }, { type: 'settle' }, now, config);
        const after = result.state.subscriptions[0];
        const set = changedColumns(before, after);
        if (Object.keys(set).length === 0) continue;
        writes.push({ id: row.id, expectStatus: before.status, set });
        transitions.push(...result.transitions);
        const written = { ...row, ...set };
        for (const e of result.events) emits.push([`subscriptions.subscription.${e.name}` as SubscriptionEvent, { subscription: written, ...(e.previousStatus ? { previousStatus: e.previousStatus } : {}) }]);
      }
      await subscriptions.writeMany(writes);
      if (emits.length > 0) onCommit(() => emits.forEach(([event, payload]) => void strapi.eventHub.emit(event, payload)));
      return transitions;
    });

  return { apply, applyMany, refreshRoles, settleOrphans, emitAfterCommit };
};
