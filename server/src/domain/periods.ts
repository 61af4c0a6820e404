import { DateTime } from 'luxon';
import { DomainError } from './errors';

/** The units an offer's duration or a notification rule's offset is counted in. */
export const PERIODS = ['months', 'days', 'hours'] as const;
export type Period = (typeof PERIODS)[number];

export const isPeriod = (value: unknown): value is Period =>
  typeof value === 'string' && (PERIODS as readonly string[]).includes(value);

export interface Duration {
  /** Whole number of periods; 0 means unlimited for an offer. */
  amount: number;
  period: Period;
}

export const assertDuration = (duration: Duration, field = 'duration'): void => {
  if (!Number.isInteger(duration.amount) || duration.amount < 0) {
    throw new DomainError(field, `${field} must be a whole number ≥ 0 (got ${String(duration.amount)})`);
  }
  if (!isPeriod(duration.period)) {
    throw new DomainError(
      'period',
      `period must be one of ${PERIODS.join(', ')} (got ${JSON.stringify(duration.period)})`
    );
  }
};

export const isUnlimited = (duration: Duration): boolean => duration.amount === 0;

const utc = (date: Date): DateTime => DateTime.fromJSDate(date, { zone: 'utc' });

/**
 * Adds a duration to an instant, in UTC.
 *
 * Months clamp to the month's last day (31 Jan + 1 month = 28/29 Feb), as Luxon does. When
 * `anchorDay` is given, the result is moved back up towards that day of the month as far as the
 * target month allows, so that a chain of renewals keeps its day: 31 Jan → 28 Feb → 31 Mar.
 */
export const addPeriod = (from: Date, duration: Duration, anchorDay?: number | null): Date => {
  assertDuration(duration);
  const start = utc(from);
  if (duration.period === 'hours') return start.plus({ hours: duration.amount }).toJSDate();
  if (duration.period === 'days') return start.plus({ days: duration.amount }).toJSDate();
  let end = start.plus({ months: duration.amount });
  if (anchorDay != null && anchorDay > end.day) {
    end = end.set({ day: Math.min(anchorDay, end.daysInMonth ?? 31) });
  }
  return end.toJSDate();
};

/** Subtracts a duration (a notification rule's "before" offset), clamping months the same way. */
export const subtractPeriod = (from: Date, duration: Duration): Date => {
  assertDuration(duration);
  return utc(from)
    .minus({ [duration.period]: duration.amount })
    .toJSDate();
};

/** The UTC day of the month an instant falls on: the anchor a month-based chain keeps. */
export const dayOfMonth = (date: Date): number => utc(date).day;

/**
 * The anchor day a month-based chain may keep from `end`: the stored anchor when `end` lies on
 * it, or lies on a month's last day that clamped it (28 Feb for 31); otherwise `end`'s own day
 * (the dates were edited by hand, or the chain was counted in days or hours).
 */
export const anchorKeptBy = (end: Date, anchorDay: number | null): number => {
  const day = utc(end);
  if (anchorDay === null) return day.day;
  if (day.day === anchorDay) return anchorDay;
  if (day.day === day.daysInMonth && anchorDay > day.day) return anchorDay;
  return day.day;
};

export const laterOf = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);

export const hoursBetween = (from: Date, to: Date): number =>
  (to.getTime() - from.getTime()) / 3_600_000;
