import type { Status } from './lifecycle';
import type { Key, MemberEvent, MemberResult, MemberSubscription } from './member';

/**
 * The history of a subscription: one entry per change, before → after, and why. Pure: the write
 * path (member-changes) computes the entries from the states it read and decided, and appends
 * them in the same transaction as the change.
 */

export const HISTORY_KINDS = [
  'created',
  'renewed',
  'dates-edited',
  'cancelled',
  'refunded',
  'activated',
  'expired',
  'grace-ended',
  'deleted',
  'role-changed',
  /** The member's personal data was erased (GDPR); member-level, cause: the admin. */
  'erased',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

/**
 * Who or what made a change: a payment (`ref`: the ledger row's id), an admin (`ref`: the admin
 * user's id, `label` their e-mail), the Content Manager (an admin editing the record), the
 * scheduler (`ref`: its run), a member (`ref`: their user id), or the service API.
 */
export const CAUSE_KINDS = ['payment', 'admin', 'content-manager', 'scheduler', 'member', 'api'] as const;
export type CauseKind = (typeof CAUSE_KINDS)[number];

export interface HistoryCause {
  kind: CauseKind;
  ref?: string | number | null;
  label?: string | null;
}

export interface HistoryDates {
  status: Status | null;
  startsAt: Date | null;
  dueAt: Date | null;
  endsAt: Date | null;
}

export interface HistoryEntry {
  kind: HistoryKind;
  /** The subscription (its key in the decided state); null for a member-level entry (a role). */
  subscriptionId: Key | null;
  before: HistoryDates;
  after: HistoryDates;
  /** Role changes only: the member's users-permissions role before and after. */
  roleBefore?: number | null;
  roleAfter?: number | null;
  cause: HistoryCause;
}

const NONE: HistoryDates = { status: null, startsAt: null, dueAt: null, endsAt: null };
const time = (d: Date | null) => (d === null ? null : d.getTime());
const same = (a: Key, b: Key) => String(a) === String(b);

const datesOf = (s: MemberSubscription | undefined): HistoryDates =>
  s ? { status: s.status, startsAt: s.startsAt, dueAt: s.dueAt, endsAt: s.endsAt } : NONE;

const differs = (a: MemberSubscription, b: MemberSubscription) =>
  a.status !== b.status ||
  time(a.startsAt) !== time(b.startsAt) ||
  time(a.dueAt) !== time(b.dueAt) ||
  time(a.endsAt) !== time(b.endsAt) ||
  time(a.cancelledAt) !== time(b.cancelledAt) ||
  (a.offer?.id ?? null) !== (b.offer?.id ?? null);

/** What a change did to one subscription, from the events the domain named for it. */
const kindOf = (
  before: MemberSubscription,
  after: MemberSubscription,
  result: HistoryInput
): HistoryKind => {
  const mine = result.events.filter((e) => same(e.subscriptionId, after.id)).map((e) => e.name);
  const transition = result.transitions.find((t) => same(t.subscriptionId, after.id));
  // The scheduler: a start that came, or an end that passed (whatever status the end leaves).
  if (transition) return transition.graceEnded ? 'grace-ended' : transition.to === 'active' ? 'activated' : 'expired';
  // The strongest thing that happened: a refund or a cancellation outweighs the rest.
  for (const name of ['refunded', 'cancelled', 'renewed', 'expired', 'activated'] as const) {
    if (mine.includes(name)) return name;
  }
  // What the event asked for, when the domain named nothing (a refund of one payment of several
  // moves the paid end back but leaves the subscription active).
  const asked: Partial<Record<MemberEvent['type'], HistoryKind>> = {
    'refund-payment': 'refunded',
    'cancel-payment': 'cancelled',
    refund: 'refunded',
    cancel: 'cancelled',
    renew: 'renewed',
  };
  if (result.event && asked[result.event]) return asked[result.event]!;
  if (before.status !== after.status) {
    if (after.status === 'refunded') return 'refunded';
    if (after.status === 'cancelled') return 'cancelled';
    if (after.status === 'expired') return 'expired';
    if (after.status === 'active' && before.status === 'pending') return 'activated';
  }
  return 'dates-edited';
};

/** What the domain said about a change: its events and transitions, and the event's type. */
export type HistoryInput = Pick<MemberResult, 'events' | 'transitions'> & { event?: MemberEvent['type'] };

/**
 * The history entries of one member's change: a subscription that appeared (created), one that
 * disappeared (deleted), one whose status, dates or offer changed (what the domain's events say
 * it was, else a date edit). Subscriptions that did not change give nothing. Ordered as the
 * decided state lists them (then the deleted ones).
 */
export const historyOf = (
  before: readonly MemberSubscription[],
  after: readonly MemberSubscription[],
  result: HistoryInput,
  cause: HistoryCause
): HistoryEntry[] => {
  const entries: HistoryEntry[] = [];
  for (const next of after) {
    const previous = before.find((s) => same(s.id, next.id));
    if (!previous) {
      entries.push({ kind: 'created', subscriptionId: next.id, before: NONE, after: datesOf(next), cause });
    } else if (differs(previous, next)) {
      entries.push({ kind: kindOf(previous, next, result), subscriptionId: next.id, before: datesOf(previous), after: datesOf(next), cause });
    }
  }
  for (const old of before) {
    if (!after.some((s) => same(s.id, old.id))) {
      entries.push({ kind: 'deleted', subscriptionId: old.id, before: datesOf(old), after: NONE, cause });
    }
  }
  return entries;
};

/** A member-level entry for a role the roles decision changed (null when it changed nothing). */
export const roleHistoryOf = (
  decision: { change: true; roleId: number; from: number | null } | { change: false },
  cause: HistoryCause
): HistoryEntry | null =>
  decision.change
    ? { kind: 'role-changed', subscriptionId: null, before: NONE, after: NONE, roleBefore: decision.from, roleAfter: decision.roleId, cause }
    : null;
