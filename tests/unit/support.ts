/**
 * Independent date arithmetic for the unit tests: plain `Date.UTC` maths, written without
 * looking at how server/src/domain/periods.ts does it, so that expectations do not restate the
 * implementation.
 */
import fc from 'fast-check';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** An instant from an ISO string; refuses strings without an explicit UTC offset. */
export const at = (iso: string): Date => {
  if (!/(Z|[+-]\d\d:\d\d)$/.test(iso)) throw new Error(`test fixture needs an explicit offset: ${iso}`);
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`bad test fixture: ${iso}`);
  return date;
};

export const plusMs = (date: Date, ms: number): Date => new Date(date.getTime() + ms);
export const plusHours = (date: Date, hours: number): Date => plusMs(date, hours * HOUR_MS);
export const plusDays = (date: Date, days: number): Date => plusMs(date, days * DAY_MS);

/** Days in a month of the proleptic Gregorian calendar (month0: 0 = January). */
export const daysInMonthUTC = (year: number, month0: number): number =>
  new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

/**
 * `from` + `months` calendar months in UTC, time of day kept, landing on `anchorDay` (default:
 * the day `from` falls on) or on the month's last day when the month is shorter.
 */
export const plusMonthsUTC = (from: Date, months: number, anchorDay = from.getUTCDate()): Date => {
  const totalMonths = from.getUTCFullYear() * 12 + from.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month0 = totalMonths - year * 12;
  const day = Math.min(anchorDay, daysInMonthUTC(year, month0));
  const d = new Date(
    Date.UTC(
      2000, // placeholder, fixed below (Date.UTC maps years 0..99 to 19xx)
      month0,
      day,
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds()
    )
  );
  d.setUTCFullYear(year);
  return d;
};

export type Unit = 'months' | 'days' | 'hours';

/** Independent "from + amount × unit" (months anchored on `anchorDay`, default from's day). */
export const addUnits = (from: Date, amount: number, unit: Unit, anchorDay?: number): Date => {
  if (unit === 'hours') return plusHours(from, amount);
  if (unit === 'days') return plusDays(from, amount);
  return plusMonthsUTC(from, amount, anchorDay);
};

export const MIN_DATE = new Date(Date.UTC(2000, 0, 1));
export const MAX_DATE = new Date(Date.UTC(2100, 11, 31, 23, 59, 59, 999));

/**
 * Instants between 2000 and 2100, biased towards the last days of months (where month
 * arithmetic clamps) and towards leap days.
 */
export const instantArb: fc.Arbitrary<Date> = fc.oneof(
  { weight: 2, arbitrary: fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true }) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        year: fc.integer({ min: 2000, max: 2100 }),
        month0: fc.integer({ min: 0, max: 11 }),
        fromEnd: fc.integer({ min: 0, max: 3 }),
        msOfDay: fc.integer({ min: 0, max: DAY_MS - 1 }),
      })
      .map(({ year, month0, fromEnd, msOfDay }) => {
        const d = new Date(Date.UTC(2000, month0, daysInMonthUTC(year, month0) - fromEnd));
        d.setUTCFullYear(year);
        return plusMs(d, msOfDay);
      }),
  }
);

export const durationArb: fc.Arbitrary<{ duration: number; period: Unit }> = fc.oneof(
  fc.record({ duration: fc.integer({ min: 1, max: 36 }), period: fc.constant<Unit>('months') }),
  fc.record({ duration: fc.integer({ min: 1, max: 400 }), period: fc.constant<Unit>('days') }),
  fc.record({ duration: fc.integer({ min: 1, max: 2000 }), period: fc.constant<Unit>('hours') })
);

export const iso = (d: Date | null | undefined): string | null | undefined =>
  d === null || d === undefined ? d : d.toISOString();
