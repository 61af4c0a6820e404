import { DomainError } from './errors';
import {
  addPeriod,
  anchorKeptBy,
  assertDuration,
  dayOfMonth,
  hoursBetween,
  isUnlimited,
  laterOf,
  type Duration,
  type Period,
} from './periods';

export const STATUSES = ['pending', 'active', 'expired', 'cancelled', 'refunded'] as const;
export type Status = (typeof STATUSES)[number];
export const ENDED_STATUSES: readonly Status[] = ['expired', 'cancelled', 'refunded'];

/** Who made the subscription: an editor, a Click2Sell payment, another plugin's call, or the member (a free offer). */
export const SOURCES = ['manual', 'click2sell', 'api', 'self'] as const;
export type Source = (typeof SOURCES)[number];

export const STACKING_MODES = ['parallel', 'queue'] as const;
export type StackingMode = (typeof STACKING_MODES)[number];

/** What an offer says about time: how long one payment buys. */
export interface OfferTerms {
  duration: number;
  period: Period;
}

/** The dated part of a subscription: everything the lifecycle rules read and write. */
export interface SubscriptionDates {
  status: Status;
  startsAt: Date;
  /** End of the paid period; null for an unlimited subscription. */
  dueAt: Date | null;
  /** Hard end; null while open-ended (unlimited, or a recurring payment not cancelled). */
  endsAt: Date | null;
  cancelledAt: Date | null;
  /** Day of the month month-based periods are counted from (31 Jan → 28 Feb → 31 Mar). */
  anchorDay: number | null;
}

const termsDuration = (offer: OfferTerms): Duration => {
  const duration = { amount: offer.duration, period: offer.period };
  assertDuration(duration);
  return duration;
};

const anchorFor = (offer: OfferTerms, from: Date): number | null =>
  offer.period === 'months' && offer.duration > 0 ? dayOfMonth(from) : null;

/**
 * The status the dates give at `now`. A refund is final; otherwise the dates decide:
 * before the start `pending`, until the end `active`, after it `cancelled` when the member
 * cancelled, else `expired`.
 */
export const statusAt = (
  dates: Pick<SubscriptionDates, 'status' | 'startsAt' | 'endsAt' | 'cancelledAt'>,
  now: Date
): Status => {
  if (dates.status === 'refunded') return 'refunded';
  if (now.getTime() < dates.startsAt.getTime()) return 'pending';
  if (dates.endsAt === null || now.getTime() < dates.endsAt.getTime()) return 'active';
  return dates.cancelledAt ? 'cancelled' : 'expired';
};

/** Whether the subscription grants access at `now`. */
export const isActiveAt = (
  dates: Pick<SubscriptionDates, 'status' | 'startsAt' | 'endsAt' | 'cancelledAt'>,
  now: Date
): boolean => statusAt(dates, now) === 'active';

/** The instant a subscription stops granting access, or null when it never does. */
export const effectiveEnd = (dates: Pick<SubscriptionDates, 'dueAt' | 'endsAt'>): Date | null =>
  dates.endsAt;

/** Subscribe: start defaults to now; due = end = start + duration (unlimited: both null). */
export const subscribe = (
  offer: OfferTerms,
  now: Date,
  options: { startsAt?: Date | null } = {}
): SubscriptionDates => {
  const duration = termsDuration(offer);
  const startsAt = options.startsAt ?? now;
  const end = isUnlimited(duration) ? null : addPeriod(startsAt, duration);
  const dates: SubscriptionDates = {
    status: 'active',
    startsAt,
    dueAt: end,
    endsAt: end,
    cancelledAt: null,
    anchorDay: anchorFor(offer, startsAt),
  };
  return { ...dates, status: statusAt(dates, now) };
};

/**
 * Renew: new end = (later of the current paid end and now) + duration. Time already paid is
 * kept (an early renewal adds after it), time that lapsed unpaid is not credited. An expired or
 * cancelled subscription becomes active again; a refunded one cannot be renewed; an unlimited one
 * is left as it is.
 */
export const renew = (current: SubscriptionDates, offer: OfferTerms, now: Date): SubscriptionDates => {
  const duration = termsDuration(offer);
  if (current.status === 'refunded') {
    throw new DomainError('status', 'a refunded subscription cannot be renewed', 'refunded');
  }
  if (isUnlimited(duration) || (current.dueAt === null && current.endsAt === null)) {
    return { ...current, status: statusAt(current, now) };
  }
  const paidEnd = current.dueAt ?? current.endsAt ?? now;
  const continues = paidEnd.getTime() >= now.getTime();
  const base = continues ? paidEnd : now;
  const anchorDay = continues ? anchorKeptBy(paidEnd, current.anchorDay) : anchorFor(offer, now);
  const newDue = addPeriod(base, duration, offer.period === 'months' ? anchorDay : null);
  // An open-ended recurring subscription (no hard end) stays open-ended: only its due date moves.
  const openEnded = current.endsAt === null && current.dueAt !== null && current.cancelledAt === null;
  const next: SubscriptionDates = {
    ...current,
    dueAt: newDue,
    endsAt: openEnded ? null : laterOf(newDue, current.endsAt ?? newDue),
    cancelledAt: null,
    anchorDay: offer.period === 'months' ? anchorDay : current.anchorDay,
  };
  return { ...next, status: statusAt(next, now) };
};

/**
 * Cancel: no more renewals, access lasts to the end of the paid period. `cancelledAt` is set,
 * the end becomes the paid end, and the status stays `active` until then. A subscription with
 * no paid end (unlimited) ends now.
 */
export const cancel = (current: SubscriptionDates, now: Date): SubscriptionDates => {
  if (current.status === 'refunded') {
    throw new DomainError('status', 'a refunded subscription cannot be cancelled', 'refunded');
  }
  if (current.cancelledAt) return current;
  const paidEnd = current.dueAt ?? current.endsAt;
  let endsAt = paidEnd ?? now;
  if (current.endsAt && current.endsAt.getTime() < endsAt.getTime()) endsAt = current.endsAt;
  if (endsAt.getTime() < current.startsAt.getTime()) endsAt = current.startsAt;
  const next: SubscriptionDates = { ...current, cancelledAt: now, endsAt, dueAt: current.dueAt ?? endsAt };
  return { ...next, status: statusAt(next, now) };
};

/** Refund: access revoked now. */
export const refund = (current: SubscriptionDates, now: Date): SubscriptionDates => {
  const endsAt = current.startsAt.getTime() > now.getTime() ? current.startsAt : now;
  return {
    ...current,
    status: 'refunded',
    endsAt,
    dueAt: current.dueAt && current.dueAt.getTime() < endsAt.getTime() ? current.dueAt : endsAt,
  };
};

/**
 * Grace: a subscription whose paid end passed more than `graceHours` ago while its hard end is
 * later or open-ended (a recurring payment that never came) ends now.
 */
export const isPastGrace = (current: SubscriptionDates, now: Date, graceHours: number): boolean => {
  if (current.dueAt === null) return false;
  if (current.status !== 'active') return false;
  if (current.endsAt !== null && current.endsAt.getTime() <= current.dueAt.getTime()) return false;
  return hoursBetween(current.dueAt, now) > graceHours;
};

export const endForGrace = (current: SubscriptionDates, now: Date): SubscriptionDates => {
  const next: SubscriptionDates = { ...current, endsAt: now };
  return { ...next, status: statusAt(next, now) };
};

/**
 * The member was deleted: a subscription still running (or not started) ends now as `cancelled`,
 * with no paid time after now (at its start if it has not started). An ended one stays as it is.
 */
export const endForDeletedMember = (current: SubscriptionDates, now: Date): SubscriptionDates => {
  if (ENDED_STATUSES.includes(current.status)) return current;
  const start = current.startsAt.getTime();
  let end = start > now.getTime() ? current.startsAt : now;
  if (current.endsAt && current.endsAt.getTime() < end.getTime()) end = current.endsAt.getTime() < start ? current.startsAt : current.endsAt;
  return {
    ...current,
    status: 'cancelled',
    cancelledAt: current.cancelledAt ?? now,
    endsAt: end,
    dueAt: current.dueAt && current.dueAt.getTime() < end.getTime() ? current.dueAt : end,
  };
};

export interface DatesPatch {
  startsAt?: Date;
  dueAt?: Date | null;
  endsAt?: Date | null;
}

/**
 * An editor changes dates by hand. The status follows the new dates; an end before the start is
 * refused. Moving the end re-anchors month arithmetic on the new end's day.
 */
export const editDates = (current: SubscriptionDates, patch: DatesPatch, now: Date): SubscriptionDates => {
  const next: SubscriptionDates = { ...current };
  if (patch.startsAt !== undefined) next.startsAt = patch.startsAt;
  if (patch.endsAt !== undefined) {
    next.endsAt = patch.endsAt;
    // Without an explicit due date, the paid period follows the hard end.
    if (patch.dueAt === undefined && (current.dueAt === null || sameInstant(current.dueAt, current.endsAt))) {
      next.dueAt = patch.endsAt;
    }
    if (patch.endsAt) next.anchorDay = current.anchorDay === null ? null : dayOfMonth(patch.endsAt);
  }
  if (patch.dueAt !== undefined) next.dueAt = patch.dueAt;
  assertDatesOrdered(next);
  return { ...next, status: statusAt(next, now) };
};

const sameInstant = (a: Date | null, b: Date | null): boolean =>
  a === b || (a !== null && b !== null && a.getTime() === b.getTime());

export const assertDatesOrdered = (dates: Pick<SubscriptionDates, 'startsAt' | 'dueAt' | 'endsAt'>): void => {
  if (Number.isNaN(dates.startsAt.getTime())) throw new DomainError('startsAt', 'startsAt is not a valid date');
  if (dates.endsAt && Number.isNaN(dates.endsAt.getTime())) throw new DomainError('endsAt', 'endsAt is not a valid date');
  if (dates.dueAt && Number.isNaN(dates.dueAt.getTime())) throw new DomainError('dueAt', 'dueAt is not a valid date');
  if (dates.endsAt && dates.endsAt.getTime() < dates.startsAt.getTime()) {
    throw new DomainError('endsAt', 'endsAt must not be before startsAt');
  }
  if (dates.dueAt && dates.dueAt.getTime() < dates.startsAt.getTime()) {
    throw new DomainError('dueAt', 'dueAt must not be before startsAt');
  }
};

/**
 * A recurring payment (re-bill): the paid period is extended from the current paid end, not
 * from now, so a re-bill that arrives early or late never shifts the billing cycle. The
 * subscription stays open-ended (no hard end) unless it was cancelled, and comes back to life
 * if the grace rule had ended it.
 */
export const extendFromPaidEnd = (current: SubscriptionDates, offer: OfferTerms, now: Date): SubscriptionDates => {
  const duration = termsDuration(offer);
  if (current.status === 'refunded') {
    throw new DomainError('status', 'a refunded subscription cannot be extended', 'refunded');
  }
  if (isUnlimited(duration)) return { ...current, status: statusAt(current, now) };
  const paidEnd = current.dueAt ?? current.endsAt ?? now;
  const anchorDay = offer.period === 'months' ? anchorKeptBy(paidEnd, current.anchorDay) : current.anchorDay;
  const dueAt = addPeriod(paidEnd, duration, offer.period === 'months' ? anchorDay : null);
  const next: SubscriptionDates = {
    ...current,
    dueAt,
    endsAt: current.cancelledAt ? laterOf(dueAt, current.endsAt ?? dueAt) : null,
    anchorDay,
  };
  return { ...next, status: statusAt(next, now) };
};

/** A recurring subscription has no hard end until it is cancelled: only its paid end moves. */
export const openEnded = (current: SubscriptionDates, now: Date): SubscriptionDates => {
  if (current.cancelledAt || current.status === 'refunded' || current.dueAt === null) return current;
  const next: SubscriptionDates = { ...current, endsAt: null };
  return { ...next, status: statusAt(next, now) };
};
