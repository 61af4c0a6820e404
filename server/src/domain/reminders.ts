import { DateTime } from 'luxon';
import { addPeriod, subtractPeriod, type Period } from './periods';
import type { Status } from './lifecycle';

/** A notification rule: send a reminder `amount` `period` before or after a subscription's end. */
export interface ReminderRule {
  id: number;
  amount: number;
  period: Period;
  when: 'before' | 'after';
}

export interface RemindedSubscription {
  id: number;
  status: Status;
  /** The hard end; null (unlimited or open-ended recurring) means no end to remind of. */
  endsAt: Date | null;
  /** A reminder due before this (a 3-day pass and a "7 days before" rule) is never meaningful. */
  startsAt?: Date | null;
}

export type ReminderDecision =
  | { action: 'none'; reason: string }
  | { action: 'wait'; at: Date }
  | { action: 'send'; at: Date }
  | { action: 'skip'; at: Date; reason: string };

/** The instant a rule fires for a given end. Months clamp as everywhere else (Luxon, UTC). */
export const reminderInstant = (end: Date, rule: Pick<ReminderRule, 'amount' | 'period' | 'when'>): Date =>
  rule.when === 'before'
    ? subtractPeriod(end, { amount: rule.amount, period: rule.period })
    : addPeriod(end, { amount: rule.amount, period: rule.period });

/**
 * One reminder occurrence is one (subscription, rule, end). A renewal moves the end, which makes
 * a new key: the rules are armed again for the new end. The message table's unique index on this
 * key is what makes "sent once" hold across processes.
 */
export const reminderKey = (subscriptionId: number, ruleId: number, end: Date): string =>
  `reminder:${subscriptionId}:${ruleId}:${end.toISOString()}`;

/**
 * What to do about one rule for one subscription at `now`:
 * - no end, or a refunded subscription, or an instant before the subscription's start: nothing;
 * - the rule's instant is still ahead: wait;
 * - a "before" reminder whose end has already passed (the scheduler was down): skip, and say why;
 * - otherwise: send (an "after" reminder caught up after downtime still makes sense).
 */
export const reminderDecision = (sub: RemindedSubscription, rule: ReminderRule, now: Date): ReminderDecision => {
  if (sub.endsAt === null) return { action: 'none', reason: 'no end' };
  if (sub.status === 'refunded') return { action: 'none', reason: 'refunded' };
  const at = reminderInstant(sub.endsAt, rule);
  if (sub.startsAt && at.getTime() < sub.startsAt.getTime()) return { action: 'none', reason: 'due before the subscription started' };
  if (now.getTime() < at.getTime()) return { action: 'wait', at };
  if (rule.when === 'before' && now.getTime() >= sub.endsAt.getTime()) {
    return {
      action: 'skip',
      at,
      reason: `"before" reminder due ${at.toISOString()} was not sent in time: the subscription already ended ${sub.endsAt.toISOString()}`,
    };
  }
  return { action: 'send', at };
};

const utc = (date: Date) => DateTime.fromJSDate(date, { zone: 'utc' });

/**
 * Ends whose reminder instant for `rule` is at or before `t` form a prefix (the instant is a
 * non-decreasing function of the end). `earliest` is an end inside that prefix (t moved by the
 * offset); `widened` is at or past its last end (month clamping lets several ends share one
 * instant, so at a month's end the bound goes to the end of the target month).
 */
export const endsFiringBy = (
  rule: Pick<ReminderRule, 'amount' | 'period' | 'when'>,
  t: Date
): { inside: Date; widened: Date } => {
  const time = utc(t);
  const offset = { [rule.period]: rule.amount };
  const end = rule.when === 'before' ? time.plus(offset) : time.minus(offset);
  if (rule.period !== 'months') return { inside: end.toJSDate(), widened: end.toJSDate() };
  const clamped = end.day !== time.day;
  const lastDay = time.day === time.daysInMonth;
  return { inside: end.toJSDate(), widened: (clamped || lastDay ? end.endOf('month') : end).toJSDate() };
};

/**
 * The range of ends whose reminder instant for `rule` may lie in (from, now]: what the scheduler
 * asks the database for (an indexed range on ends_at), so a run only reads subscriptions with a
 * reminder falling in the time since the previous run. `reminderDecision` then decides exactly;
 * the unique reminder key absorbs the small overlap at month ends.
 */
export const endRangeFor = (rule: ReminderRule, from: Date, now: Date): { after: Date; upTo: Date } => ({
  after: endsFiringBy(rule, from).inside,
  upTo: endsFiringBy(rule, now).widened,
});
