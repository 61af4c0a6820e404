import { DomainError } from './errors';
import {
  cancel as cancelDates,
  editDates as editDatesRule,
  endForDeletedMember,
  endForGrace,
  extendFromPaidEnd,
  isPastGrace,
  openEnded,
  renew as renewDates,
  statusAt,
  subscribe as subscribeDates,
  type DatesPatch,
  type OfferTerms,
  type Source,
  type StackingMode,
  type Status,
  type SubscriptionDates,
} from './lifecycle';
import { subtractPeriod } from './periods';
import { decideCreateOrRenew } from './stacking';

/**
 * What happens to one member's paid time, decided from the member's whole state: every
 * subscription, every payment and the period it bought. One pure reducer, `applyToMember`, takes
 * that state, one event and `now`, and returns the next state with what happened; the write path
 * (services/member-changes.ts) reads the state under the member's lock, asks this function,
 * writes the difference and recomputes the role. Nothing here reads a clock or a database.
 *
 * The rules (README, "Payments and paid time"):
 * - a payment buys a period; a subscription's paid end is the end of its last paid period;
 * - a refund takes back its own period: later periods of the same subscription move back by its
 *   length, the paid end never before now; only when no paid time is left does the subscription
 *   end now as `refunded`;
 * - one acquirer transaction is at most one payment: a second paying notification on it is a
 *   replay (decided by `classifyNotice`, before the member is even looked at);
 * - a refund or cancellation that arrives before its payment waits as `pending` and is applied
 *   with the payment: a refunded payment grants nothing, a cancelled one is created cancelled.
 */

export type Key = number | string;

/** An offer as the member rules read it: its terms, and the role and level it grants. */
export interface MemberOffer extends OfferTerms {
  id: number;
  roleId: number | null;
  level: number;
}

export interface MemberSubscription extends SubscriptionDates {
  /** The stored id; subscriptions this decision creates get `new:<n>`. */
  id: Key;
  offer: MemberOffer | null;
  source: Source;
}

/** An applied payment: the ledger row of the notification that paid, and the period it bought. */
export interface MemberPayment {
  /** The ledger row's id; the payment this decision records gets `NEW_PAYMENT`. */
  id: Key;
  acquirerId: string;
  subscriptionId: Key | null;
  /** The period bought; both null when it bought no dated time (an unlimited offer, or nothing). */
  periodStart: Date | null;
  periodEnd: Date | null;
  refundedAt: Date | null;
  /** When it was paid (arrived); a refund of an earlier payment never moves its period before this. */
  paidAt?: Date | null;
}

/** A refund or cancellation that arrived before the payment it concerns. */
export interface PendingNotice {
  id: Key;
  acquirerId: string;
  kind: 'refund' | 'cancel';
}

export interface MemberState {
  subscriptions: MemberSubscription[];
  payments: MemberPayment[];
  /** Pending notices of the acquirer transaction the event carries (only those matter to it). */
  pending: PendingNotice[];
}

export interface MemberSettings {
  renewalWindowHours: number;
  stackingMode: StackingMode;
  graceHours: number;
}

export const NEW_PAYMENT = 'new:payment';

/** What happens to a deleted member's subscriptions (setting `onUserDeleted`). */
export const MEMBER_DELETED_MODES = ['end', 'delete'] as const;
export type MemberDeletedMode = (typeof MEMBER_DELETED_MODES)[number];

export type MemberEvent =
  /** A payment (Click2Sell sale, new subscription or re-bill) carrying a signed acquirer id. */
  | {
      type: 'payment';
      acquirerId: string;
      offer: MemberOffer;
      /** `purchase`: create-or-renew; `rebill`: extend the offer's subscription from its paid end. */
      mode: 'purchase' | 'rebill';
      /** A recurring plan: the subscription has no hard end until it is cancelled. */
      recurring: boolean;
      source: Source;
    }
  | { type: 'refund-payment'; acquirerId: string }
  | { type: 'cancel-payment'; acquirerId: string }
  /** Create-or-renew without a payment (the service API). */
  | { type: 'create-or-renew'; offer: MemberOffer; recurring: boolean; source: Source }
  | { type: 'subscribe'; offer: MemberOffer; startsAt: Date | null; source: Source }
  /** An editor's subscription with chosen dates (Content Manager create). */
  | {
      type: 'create';
      offer: MemberOffer;
      patch: DatesPatch;
      status?: Status | null;
      source: Source;
    }
  | { type: 'renew'; subscriptionId: Key }
  | { type: 'cancel'; subscriptionId: Key }
  | { type: 'refund'; subscriptionId: Key }
  | { type: 'edit'; subscriptionId: Key; patch: DatesPatch; status?: Status | null; offer?: MemberOffer | null }
  | { type: 'delete'; subscriptionId: Key }
  /**
   * The member's users-permissions user is being deleted: `end` ends every subscription still
   * running now as `cancelled` (kept for accounting), `delete` removes them all.
   */
  | { type: 'member-deleted'; mode: MemberDeletedMode }
  /** The scheduler: bring every status up to date at `now` (activation, expiry, grace). */
  | { type: 'settle' };

export const SUBSCRIPTION_EVENT_NAMES = ['created', 'renewed', 'activated', 'expired', 'cancelled', 'refunded'] as const;
export type SubscriptionEventName = (typeof SUBSCRIPTION_EVENT_NAMES)[number];

export interface MemberEventOut {
  name: SubscriptionEventName;
  subscriptionId: Key;
  previous?: SubscriptionDates;
  previousStatus?: Status;
}

export type MemberOutcome = 'applied' | 'replay' | 'pending' | 'duplicate';

export interface MemberResult {
  state: MemberState;
  outcome: MemberOutcome;
  message: string;
  /** The subscription the event concerned, when there is one. */
  subscriptionId: Key | null;
  action: 'created' | 'renewed' | 'cancelled' | 'refunded' | 'updated' | 'deleted' | 'settled' | 'none';
  events: MemberEventOut[];
  /** Pending notices this event applied (their ledger rows become applied). */
  resolved: Key[];
  /** Scheduler transitions, for its figures: subscription → (from, to). */
  transitions: { subscriptionId: Key; from: Status; to: Status; graceEnded: boolean }[];
}

const same = (a: Key, b: Key) => String(a) === String(b);
const time = (d: Date | null) => (d === null ? null : d.getTime());

const findSubscription = (state: MemberState, id: Key): MemberSubscription => {
  const found = state.subscriptions.find((s) => same(s.id, id));
  if (!found) throw new DomainError('subscription', `no subscription ${JSON.stringify(id)}`, 'not_found');
  return found;
};

const termsOf = (s: MemberSubscription): MemberOffer => {
  if (!s.offer) throw new DomainError('offer', 'the subscription has no offer to renew from');
  return s.offer;
};

const datesOnly = (s: SubscriptionDates): SubscriptionDates => ({
  status: s.status,
  startsAt: s.startsAt,
  dueAt: s.dueAt,
  endsAt: s.endsAt,
  cancelledAt: s.cancelledAt,
  anchorDay: s.anchorDay,
});

/** Builds results; keeps the working copy of the state. */
class Draft {
  subscriptions: MemberSubscription[];
  payments: MemberPayment[];
  pending: PendingNotice[];
  events: MemberEventOut[] = [];
  resolved: Key[] = [];
  transitions: MemberResult['transitions'] = [];
  private created = 0;

  constructor(state: MemberState, readonly now: Date) {
    this.subscriptions = state.subscriptions.map((s) => ({ ...s }));
    this.payments = state.payments.map((p) => ({ ...p }));
    this.pending = [...state.pending];
  }

  newId(): Key {
    this.created += 1;
    return `new:${this.created}`;
  }

  get(id: Key) {
    return findSubscription(this as unknown as MemberState, id);
  }

  put(next: MemberSubscription) {
    const i = this.subscriptions.findIndex((s) => same(s.id, next.id));
    if (i >= 0) this.subscriptions[i] = next;
    else this.subscriptions.push(next);
  }

  emit(name: SubscriptionEventName, subscriptionId: Key, extra: Omit<MemberEventOut, 'name' | 'subscriptionId'> = {}) {
    this.events.push({ name, subscriptionId, ...extra });
  }

  result(outcome: MemberOutcome, message: string, subscriptionId: Key | null, action: MemberResult['action']): MemberResult {
    return {
      state: { subscriptions: this.subscriptions, payments: this.payments, pending: this.pending },
      outcome,
      message,
      subscriptionId,
      action,
      events: this.events,
      resolved: this.resolved,
      transitions: this.transitions,
    };
  }
}

/** Create-or-renew for `offer`: the subscription it lands on and the period it added. */
const createOrRenew = (
  draft: Draft,
  offer: MemberOffer,
  recurring: boolean,
  source: Source,
  settings: MemberSettings
): { id: Key; from: Date | null; to: Date | null; action: 'created' | 'renewed' } => {
  const now = draft.now;
  const decision = decideCreateOrRenew({
    held: draft.subscriptions.map((s) => ({ ...s, offerId: s.offer?.id ?? -1, roleId: s.offer?.roleId ?? null })),
    offer: { id: offer.id, roleId: offer.roleId },
    now,
    renewalWindowHours: settings.renewalWindowHours,
    stackingMode: settings.stackingMode,
  });
  if (decision.action === 'renew') {
    const current = draft.get(decision.subscriptionId);
    const before = datesOnly(current);
    const paidEnd = before.dueAt ?? before.endsAt;
    const next = renewDates(before, termsOf(current), now);
    draft.put({ ...current, ...next });
    draft.emit('renewed', current.id, { previous: before });
    const from = paidEnd === null ? null : paidEnd.getTime() >= now.getTime() ? paidEnd : now;
    return { id: current.id, from: next.dueAt ? from : null, to: next.dueAt, action: 'renewed' };
  }
  const subscribed = subscribeDates(offer, now, { startsAt: decision.startsAt });
  const dates = recurring ? openEnded(subscribed, now) : subscribed;
  const id = draft.newId();
  draft.put({ ...dates, id, offer, source });
  draft.emit('created', id);
  return { id, from: dates.dueAt ? dates.startsAt : null, to: dates.dueAt, action: 'created' };
};

/** A re-bill: the offer's latest subscription that a payment can act on, extended from its paid end. */
const rebill = (draft: Draft, offer: MemberOffer, source: Source, settings: MemberSettings) => {
  const candidates = draft.subscriptions
    .filter((s) => s.offer?.id === offer.id && s.status !== 'refunded')
    .sort((a, b) => (time(b.dueAt) ?? Infinity) - (time(a.dueAt) ?? Infinity));
  const current = candidates[0];
  if (!current) return createOrRenew(draft, offer, true, source, settings);
  const before = datesOnly(current);
  let from = before.dueAt ?? before.endsAt ?? draft.now;
  let next = extendFromPaidEnd(before, offer, draft.now);
  if (next.dueAt && next.dueAt.getTime() <= draft.now.getTime()) {
    // The whole period this re-bill pays for would already be over (it came more than a period
    // late): it starts now, so that a payment always buys time still to come.
    from = draft.now;
    next = extendFromPaidEnd({ ...before, dueAt: draft.now, anchorDay: null }, offer, draft.now);
  }
  draft.put({ ...current, ...next, offer });
  draft.emit('renewed', current.id, { previous: before });
  return { id: current.id, from: next.dueAt ? from : null, to: next.dueAt, action: 'renewed' as const };
};

const cancelSubscription = (draft: Draft, id: Key): boolean => {
  const current = draft.get(id);
  if (current.cancelledAt || current.status === 'refunded') return false;
  draft.put({ ...current, ...cancelDates(datesOnly(current), draft.now) });
  draft.emit('cancelled', id);
  return true;
};

/** The subscription ends now (or at its start, if it has not started), with no paid time left. */
const endAsRefunded = (current: SubscriptionDates, now: Date): SubscriptionDates => {
  const start = current.startsAt;
  let end = start.getTime() > now.getTime() ? start : now;
  if (current.endsAt && current.endsAt.getTime() < end.getTime()) end = current.endsAt.getTime() < start.getTime() ? start : current.endsAt;
  return {
    ...current,
    status: 'refunded',
    endsAt: end,
    dueAt: current.dueAt && current.dueAt.getTime() < end.getTime() ? current.dueAt : end,
  };
};

/** No paid time left: the subscription ends as `refunded`; its other payments stay as they are. */
const endRefunded = (draft: Draft, id: Key): boolean => {
  const current = draft.get(id);
  if (current.status === 'refunded') return false;
  draft.put({ ...current, ...endAsRefunded(datesOnly(current), draft.now) });
  draft.emit('refunded', id);
  return true;
};

/** An editor refunds the whole subscription: it ends now and every payment of it counts as refunded. */
const refundWhole = (draft: Draft, id: Key): boolean => {
  if (!endRefunded(draft, id)) return false;
  for (const p of draft.payments) if (p.subscriptionId !== null && same(p.subscriptionId, id) && !p.refundedAt) p.refundedAt = draft.now;
  return true;
};

/**
 * Takes back payment `p`'s period from its subscription. The later payments of that subscription
 * move back by its length — each by what the one before it moved, and never to before the instant
 * it was paid (a period bought after a lapse started then, not because of `p`) — and the paid end
 * moves back as much as the last of them (by `p`'s length when none follows). The paid end never
 * moves before now: with no paid time left the subscription ends now as `refunded`.
 */
const refundPayment = (draft: Draft, p: MemberPayment): void => {
  const now = draft.now;
  p.refundedAt = now;
  if (p.subscriptionId === null) return;
  const current = draft.subscriptions.find((s) => same(s.id, p.subscriptionId as Key));
  if (!current || current.status === 'refunded') return;
  const before = datesOnly(current);
  const length = p.periodStart && p.periodEnd ? Math.max(0, p.periodEnd.getTime() - p.periodStart.getTime()) : legacyLength(current);
  const others = draft.payments.filter((q) => q !== p && q.subscriptionId !== null && same(q.subscriptionId, current.id) && !q.refundedAt);
  if (before.dueAt === null) {
    // Unlimited time: it lasts while another payment still pays for it.
    if (others.length === 0) endRefunded(draft, current.id);
    return;
  }
  let shift = length;
  if (p.periodEnd) {
    const later = others
      .filter((q) => q.periodStart && q.periodEnd && q.periodStart.getTime() >= p.periodEnd!.getTime())
      .sort((a, b) => a.periodStart!.getTime() - b.periodStart!.getTime());
    for (const q of later) {
      const start = q.periodStart!.getTime();
      const moved = Math.max(start - shift, q.paidAt ? q.paidAt.getTime() : Number.NEGATIVE_INFINITY);
      shift = Math.max(0, start - moved);
      q.periodStart = new Date(start - shift);
      q.periodEnd = new Date(q.periodEnd!.getTime() - shift);
    }
  }
  const paidEnd = before.dueAt.getTime() - shift;
  const floor = Math.max(now.getTime(), before.startsAt.getTime());
  if (paidEnd <= floor) {
    endRefunded(draft, current.id);
    return;
  }
  if (shift === 0) return;
  const dueAt = new Date(paidEnd);
  const endsAt = before.endsAt === null ? null : new Date(Math.max(before.endsAt.getTime() - shift, paidEnd));
  const next: SubscriptionDates = {
    ...before,
    dueAt,
    endsAt,
    // The chain's anchor day stays: a refund moves the paid end back by a length of time, which
    // can land beside the anchor (31 Mar − 31 days = 28 Feb, 30 Apr − 31 days = 30 Mar); the next
    // renewal asks whether its start is on the anchor (`extendFromPaidEnd`). Re-deriving the anchor
    // here from such an intermediate end lost the 31st (found by the paid-time property test).
    anchorDay: before.anchorDay,
  };
  draft.put({ ...current, ...next, status: statusAt(next, now) });
};

/**
 * A payment recorded before payments carried their period (an upgrade): it bought one offer
 * duration, taken back from the paid end.
 */
const legacyLength = (s: MemberSubscription): number => {
  if (!s.offer || s.dueAt === null || s.offer.duration === 0) return 0;
  return s.dueAt.getTime() - subtractPeriod(s.dueAt, { amount: s.offer.duration, period: s.offer.period }).getTime();
};

/** The applied payment an acquirer transaction bought, if any. */
const paymentOf = (draft: Draft, acquirerId: string) => draft.payments.find((p) => p.acquirerId === acquirerId);

/**
 * Applies one event to a member's state at `now`. Throws DomainError for input that breaks a rule
 * (an end before the start, renewing a refunded subscription…); the caller then writes nothing.
 */
export const applyToMember = (state: MemberState, event: MemberEvent, now: Date, settings: MemberSettings): MemberResult => {
  const draft = new Draft(state, now);
  switch (event.type) {
    case 'payment': {
      if (paymentOf(draft, event.acquirerId)) {
        return draft.result('replay', 'already processed: this acquirer transaction has paid once', null, 'none');
      }
      const pendingRefund = draft.pending.find((n) => n.acquirerId === event.acquirerId && n.kind === 'refund');
      const pendingCancel = draft.pending.find((n) => n.acquirerId === event.acquirerId && n.kind === 'cancel');
      if (pendingRefund) {
        draft.payments.push({ id: NEW_PAYMENT, acquirerId: event.acquirerId, subscriptionId: null, periodStart: null, periodEnd: null, refundedAt: now, paidAt: now });
        draft.resolved.push(pendingRefund.id);
        if (pendingCancel) draft.resolved.push(pendingCancel.id);
        draft.pending = [];
        return draft.result('applied', 'payment already refunded: nothing granted', null, 'none');
      }
      const landed =
        event.mode === 'rebill'
          ? rebill(draft, event.offer, event.source, settings)
          : createOrRenew(draft, event.offer, event.recurring, event.source, settings);
      draft.payments.push({
        id: NEW_PAYMENT,
        acquirerId: event.acquirerId,
        subscriptionId: landed.id,
        periodStart: landed.from,
        periodEnd: landed.to,
        refundedAt: null,
        paidAt: now,
      });
      if (pendingCancel) {
        cancelSubscription(draft, landed.id);
        draft.resolved.push(pendingCancel.id);
        draft.pending = [];
      }
      return draft.result('applied', `${event.mode}: subscription ${landed.action}${pendingCancel ? ' (cancelled, as its cancellation arrived first)' : ''}`, landed.id, landed.action);
    }

    case 'refund-payment':
    case 'cancel-payment': {
      const kind = event.type === 'refund-payment' ? 'refund' : 'cancel';
      const p = paymentOf(draft, event.acquirerId);
      if (!p) {
        if (draft.pending.some((n) => n.acquirerId === event.acquirerId && n.kind === kind)) {
          return draft.result('duplicate', `already processed: the ${kind} waits for its payment`, null, 'none');
        }
        return draft.result('pending', `${kind} recorded before its payment: applied when the payment arrives`, null, 'none');
      }
      if (kind === 'refund') {
        if (p.refundedAt) return draft.result('duplicate', 'already processed: this payment was refunded', p.subscriptionId, 'none');
        refundPayment(draft, p);
        return draft.result('applied', 'refund applied: the payment’s period was taken back', p.subscriptionId, 'refunded');
      }
      if (p.subscriptionId === null) return draft.result('applied', 'cancel: the payment bought no subscription', null, 'none');
      const target = draft.get(p.subscriptionId);
      // Each payment's Cancel is accepted once (a resend is a duplicate before it gets here); a
      // subscription already cancelled through another payment, or refunded, has nothing to change.
      if (target.cancelledAt || target.status === 'refunded') {
        return draft.result('applied', `cancel: the subscription was already ${target.status === 'refunded' ? 'refunded' : 'cancelled'}; nothing changed`, target.id, 'none');
      }
      cancelSubscription(draft, target.id);
      return draft.result('applied', 'cancel applied', target.id, 'cancelled');
    }

    case 'create-or-renew': {
      const landed = createOrRenew(draft, event.offer, event.recurring, event.source, settings);
      return draft.result('applied', `subscription ${landed.action}`, landed.id, landed.action);
    }

    case 'subscribe': {
      const id = draft.newId();
      draft.put({ ...subscribeDates(event.offer, now, { startsAt: event.startsAt }), id, offer: event.offer, source: event.source });
      draft.emit('created', id);
      return draft.result('applied', 'subscription created', id, 'created');
    }

    case 'create': {
      let dates = subscribeDates(event.offer, now, { startsAt: event.patch.startsAt ?? null });
      if (event.patch.dueAt !== undefined || event.patch.endsAt !== undefined) {
        dates = editDatesRule(dates, { dueAt: event.patch.dueAt, endsAt: event.patch.endsAt }, now);
      }
      if (event.status === 'refunded') dates = endAsRefunded(dates, now);
      else if (event.status === 'cancelled') dates = cancelDates(dates, now);
      const id = draft.newId();
      draft.put({ ...dates, id, offer: event.offer, source: event.source });
      draft.emit('created', id);
      return draft.result('applied', 'subscription created', id, 'created');
    }

    case 'renew': {
      const current = draft.get(event.subscriptionId);
      const before = datesOnly(current);
      draft.put({ ...current, ...renewDates(before, termsOf(current), now) });
      draft.emit('renewed', current.id, { previous: before });
      return draft.result('applied', 'subscription renewed', current.id, 'renewed');
    }

    case 'cancel': {
      const current = draft.get(event.subscriptionId);
      if (current.status === 'refunded') throw new DomainError('status', 'a refunded subscription cannot be cancelled', 'refunded');
      const changed = cancelSubscription(draft, current.id);
      return draft.result(changed ? 'applied' : 'duplicate', changed ? 'subscription cancelled' : 'already cancelled', current.id, changed ? 'cancelled' : 'none');
    }

    case 'refund': {
      const changed = refundWhole(draft, event.subscriptionId);
      return draft.result(changed ? 'applied' : 'duplicate', changed ? 'subscription refunded' : 'already refunded', draft.get(event.subscriptionId).id, changed ? 'refunded' : 'none');
    }

    case 'edit': {
      const current = draft.get(event.subscriptionId);
      let dates = editDatesRule(datesOnly(current), event.patch, now);
      if (event.status === 'refunded' && current.status !== 'refunded') {
        draft.put({ ...current, ...dates });
        refundWhole(draft, current.id);
        return draft.result('applied', 'subscription refunded', current.id, 'refunded');
      }
      if (event.status === 'cancelled' && !current.cancelledAt) {
        dates = cancelDates(dates, now);
        draft.emit('cancelled', current.id);
      }
      draft.put({ ...current, ...dates, offer: event.offer === undefined ? current.offer : event.offer });
      return draft.result('applied', 'subscription updated', current.id, 'updated');
    }

    case 'delete': {
      const current = draft.get(event.subscriptionId);
      draft.subscriptions = draft.subscriptions.filter((s) => !same(s.id, current.id));
      for (const p of draft.payments) if (p.subscriptionId !== null && same(p.subscriptionId, current.id)) p.subscriptionId = null;
      return draft.result('applied', 'subscription deleted', current.id, 'deleted');
    }

    case 'member-deleted': {
      if (event.mode === 'delete') {
        const gone = new Set(draft.subscriptions.map((s) => String(s.id)));
        draft.subscriptions = [];
        for (const p of draft.payments) if (p.subscriptionId !== null && gone.has(String(p.subscriptionId))) p.subscriptionId = null;
        return draft.result('applied', `${gone.size} subscriptions deleted with their member`, null, 'deleted');
      }
      let ended = 0;
      for (const current of [...draft.subscriptions]) {
        const next = endForDeletedMember(datesOnly(current), now);
        if (!datesDiffer(current, next)) continue;
        draft.put({ ...current, ...next });
        draft.emit('cancelled', current.id, { previousStatus: current.status });
        ended += 1;
      }
      return draft.result('applied', `${ended} subscriptions ended with their member`, null, ended > 0 ? 'cancelled' : 'none');
    }

    case 'settle': {
      for (const current of [...draft.subscriptions]) {
        const t = settled(current, now, settings.graceHours);
        if (!t) continue;
        draft.put({ ...current, ...t.next });
        draft.transitions.push({ subscriptionId: current.id, from: current.status, to: t.next.status, graceEnded: t.graceEnded });
        const name = EVENT_OF[t.next.status];
        if (name) draft.emit(name, current.id, { previousStatus: current.status });
      }
      return draft.result('applied', `${draft.transitions.length} transitions`, null, 'settled');
    }
  }
};

const EVENT_OF: Partial<Record<Status, SubscriptionEventName>> = { active: 'activated', expired: 'expired', cancelled: 'cancelled' };

/**
 * The scheduler's decision for one subscription at `now`: the status its dates give (activation,
 * expiry), or the end of a grace period that passed. Null when nothing is due. The scheduler
 * finds candidates with indexed queries, then asks this again from the rows it reads under the
 * members' locks, so a payment committed in between is never overwritten.
 */
export const settled = (
  current: SubscriptionDates,
  now: Date,
  graceHours: number
): { next: SubscriptionDates; graceEnded: boolean } | null => {
  if (current.status === 'refunded') return null;
  if (isPastGrace(current, now, graceHours)) return { next: endForGrace(current, now), graceEnded: true };
  const status = statusAt(current, now);
  if (status === current.status) return null;
  // The scheduler only moves forward: a stored `expired` whose dates say active again is a
  // renewal's job (it writes its own status), not a scheduler transition.
  if (current.status !== 'pending' && current.status !== 'active') return null;
  return { next: { ...current, status }, graceEnded: false };
};

/**
 * The first instant at which `settled` has something to do for these dates (null: never, as
 * they stand). `settled` only changes its answer where `statusAt` does (the start, the end) or
 * where `isPastGrace` does (just past the paid end plus the grace hours); once due, a
 * transition stays due until it is applied. So the answer is the first of those instants at
 * which `settled` itself says so: what the preview of the scheduler's work reports, asked of
 * the same rule the scheduler applies.
 */
export const settleDueAt = (current: SubscriptionDates, graceHours: number): Date | null => {
  const candidates: number[] = [current.startsAt.getTime()];
  if (current.endsAt) candidates.push(current.endsAt.getTime());
  if (current.dueAt) {
    const graceEnd = current.dueAt.getTime() + graceHours * 3_600_000;
    candidates.push(Math.ceil(graceEnd), Math.floor(graceEnd) + 1);
  }
  for (const t of [...new Set(candidates)].sort((a, b) => a - b)) {
    if (settled(current, new Date(t), graceHours) !== null) return new Date(t);
  }
  return null;
};

/** Whether two versions of a subscription's dates differ in anything the database stores. */
export const datesDiffer = (a: SubscriptionDates, b: SubscriptionDates): boolean =>
  a.status !== b.status ||
  time(a.startsAt) !== time(b.startsAt) ||
  time(a.dueAt) !== time(b.dueAt) ||
  time(a.endsAt) !== time(b.endsAt) ||
  time(a.cancelledAt) !== time(b.cancelledAt) ||
  a.anchorDay !== b.anchorDay;

export const paymentDiffers = (a: MemberPayment, b: MemberPayment): boolean =>
  time(a.periodStart) !== time(b.periodStart) ||
  time(a.periodEnd) !== time(b.periodEnd) ||
  time(a.refundedAt) !== time(b.refundedAt) ||
  String(a.subscriptionId) !== String(b.subscriptionId);
