import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  PERIODS,
  addPeriod,
  assertDuration,
  dayOfMonth,
  hoursBetween,
  isPeriod,
  isUnlimited,
  laterOf,
  subtractPeriod,
  type Duration,
} from '../../server/src/domain/periods';
import { DomainError, isDomainError } from '../../server/src/domain/errors';
import {
  DAY_MS,
  HOUR_MS,
  at,
  daysInMonthUTC,
  instantArb,
  plusDays,
  plusHours,
  plusMonthsUTC,
} from './support';

const months = (amount: number): Duration => ({ amount, period: 'months' });
const days = (amount: number): Duration => ({ amount, period: 'days' });
const hours = (amount: number): Duration => ({ amount, period: 'hours' });

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
};

describe('support arithmetic (sanity of the test oracle itself)', () => {
  it('agrees with Luxon on plain (unanchored) month addition', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 60 }), (from, n) => {
        const luxon = DateTime.fromJSDate(from, { zone: 'utc' }).plus({ months: n }).toJSDate();
        expect(plusMonthsUTC(from, n).toISOString()).toBe(luxon.toISOString());
      })
    );
  });

  it('knows the length of months', () => {
    expect(daysInMonthUTC(2024, 1)).toBe(29);
    expect(daysInMonthUTC(2023, 1)).toBe(28);
    expect(daysInMonthUTC(2100, 1)).toBe(28);
    expect(daysInMonthUTC(2000, 1)).toBe(29);
    expect(daysInMonthUTC(2024, 3)).toBe(30);
  });
});

describe('addPeriod: months clamp to the end of the month', () => {
  it.each([
    ['2024-01-31T00:00:00.000Z', 1, '2024-02-29T00:00:00.000Z'], // leap year
    ['2023-01-31T00:00:00.000Z', 1, '2023-02-28T00:00:00.000Z'],
    ['2100-01-31T12:00:00.000Z', 1, '2100-02-28T12:00:00.000Z'], // 2100 is not a leap year
    ['2000-01-31T12:00:00.000Z', 1, '2000-02-29T12:00:00.000Z'], // 2000 is
    ['2024-03-31T08:15:00.000Z', 1, '2024-04-30T08:15:00.000Z'],
    ['2024-02-29T00:00:00.000Z', 12, '2025-02-28T00:00:00.000Z'],
    ['2024-08-31T23:59:59.999Z', 6, '2025-02-28T23:59:59.999Z'],
    ['2024-01-15T10:30:00.000Z', 1, '2024-02-15T10:30:00.000Z'],
    ['2024-11-30T00:00:00.000Z', 3, '2025-02-28T00:00:00.000Z'],
  ])('%s + %i month(s) = %s', (from, n, expected) => {
    expect(addPeriod(at(from), months(n)).toISOString()).toBe(expected);
  });

  it('keeps the time of day and lands on min(start day, month length)', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 1, max: 36 }), (from, n) => {
        const result = addPeriod(from, months(n));
        const target = from.getUTCFullYear() * 12 + from.getUTCMonth() + n;
        expect(result.getUTCFullYear() * 12 + result.getUTCMonth()).toBe(target);
        const dim = daysInMonthUTC(Math.floor(target / 12), target % 12);
        expect(result.getUTCDate()).toBe(Math.min(from.getUTCDate(), dim));
        expect(result.getTime() % DAY_MS).toBe(from.getTime() % DAY_MS);
      })
    );
  });
});

describe('addPeriod: anchor day', () => {
  it('keeps the anchor across a chain of renewals: 31 Jan → 29 Feb → 31 Mar → 30 Apr → 31 May', () => {
    const start = at('2024-01-31T09:00:00.000Z');
    const anchor = 31;
    const chain = [start];
    for (let i = 0; i < 4; i += 1) chain.push(addPeriod(chain[chain.length - 1], months(1), anchor));
    expect(chain.map((d) => d.toISOString())).toEqual([
      '2024-01-31T09:00:00.000Z',
      '2024-02-29T09:00:00.000Z',
      '2024-03-31T09:00:00.000Z',
      '2024-04-30T09:00:00.000Z',
      '2024-05-31T09:00:00.000Z',
    ]);
  });

  it('keeps the anchor in a non-leap year: 31 Jan 2023 → 28 Feb → 31 Mar', () => {
    const feb = addPeriod(at('2023-01-31T00:00:00.000Z'), months(1), 31);
    expect(feb.toISOString()).toBe('2023-02-28T00:00:00.000Z');
    expect(addPeriod(feb, months(1), 31).toISOString()).toBe('2023-03-31T00:00:00.000Z');
  });

  it('moves up only as far as the target month allows (anchor 30 from 28 Feb → 30 Mar; anchor 31 to April → 30)', () => {
    expect(addPeriod(at('2023-02-28T00:00:00.000Z'), months(1), 30).toISOString()).toBe('2023-03-30T00:00:00.000Z');
    expect(addPeriod(at('2023-03-30T00:00:00.000Z'), months(1), 31).toISOString()).toBe('2023-04-30T00:00:00.000Z');
  });

  it('without an anchor, a clamped date stays clamped (29 Feb + 1 month = 29 Mar)', () => {
    expect(addPeriod(at('2024-02-29T00:00:00.000Z'), months(1)).toISOString()).toBe('2024-03-29T00:00:00.000Z');
    expect(addPeriod(at('2024-02-29T00:00:00.000Z'), months(1), null).toISOString()).toBe(
      '2024-03-29T00:00:00.000Z'
    );
  });

  it('is ignored for days and hours', () => {
    const from = at('2024-02-29T00:00:00.000Z');
    expect(addPeriod(from, days(30), 31).getTime()).toBe(from.getTime() + 30 * DAY_MS);
    expect(addPeriod(from, hours(5), 31).getTime()).toBe(from.getTime() + 5 * HOUR_MS);
  });

  it('chained anchored additions equal one anchored addition of the total (property)', () => {
    fc.assert(
      fc.property(
        instantArb,
        fc.array(fc.integer({ min: 1, max: 36 }), { minLength: 1, maxLength: 8 }),
        (start, steps) => {
          const anchor = start.getUTCDate();
          let end = start;
          for (const n of steps) end = addPeriod(end, months(n), anchor);
          const total = steps.reduce((a, b) => a + b, 0);
          expect(end.toISOString()).toBe(plusMonthsUTC(start, total, anchor).toISOString());
        }
      )
    );
  });
});

describe('addPeriod: days and hours are exact', () => {
  it('days are exactly 24 h, even over European/US DST changes', () => {
    // 31 Mar 2024 is the EU switch to summer time, 10 Mar 2024 the US one: a local-time day would be 23 h.
    expect(addPeriod(at('2024-03-30T12:00:00.000Z'), days(1)).toISOString()).toBe('2024-03-31T12:00:00.000Z');
    expect(addPeriod(at('2024-03-09T12:00:00.000Z'), days(2)).toISOString()).toBe('2024-03-11T12:00:00.000Z');
    expect(addPeriod(at('2024-01-31T00:00:00.000Z'), days(30)).toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('hours are exact', () => {
    expect(addPeriod(at('2024-10-27T00:30:00.000Z'), hours(3)).toISOString()).toBe('2024-10-27T03:30:00.000Z');
    expect(addPeriod(at('2024-12-31T23:00:00.000Z'), hours(2)).toISOString()).toBe('2025-01-01T01:00:00.000Z');
  });

  it('n days = n × 86 400 000 ms and n hours = n × 3 600 000 ms (property)', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 5000 }), (from, n) => {
        expect(addPeriod(from, days(n)).getTime()).toBe(plusDays(from, n).getTime());
        expect(addPeriod(from, hours(n)).getTime()).toBe(plusHours(from, n).getTime());
      })
    );
  });

  it('amount 0 leaves the instant unchanged', () => {
    const from = at('2024-05-05T05:05:05.005Z');
    for (const period of PERIODS) expect(addPeriod(from, { amount: 0, period }).getTime()).toBe(from.getTime());
  });

  it('does not mutate its input', () => {
    const from = at('2024-01-31T00:00:00.000Z');
    addPeriod(from, months(1), 31);
    expect(from.toISOString()).toBe('2024-01-31T00:00:00.000Z');
  });
});

describe('subtractPeriod', () => {
  it('clamps months the same way (31 Mar − 1 month = 29 Feb 2024, 28 Feb 2023)', () => {
    expect(subtractPeriod(at('2024-03-31T10:00:00.000Z'), months(1)).toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(subtractPeriod(at('2023-03-31T10:00:00.000Z'), months(1)).toISOString()).toBe('2023-02-28T10:00:00.000Z');
  });

  it('is exact for days and hours (property)', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 5000 }), (from, n) => {
        expect(subtractPeriod(from, days(n)).getTime()).toBe(from.getTime() - n * DAY_MS);
        expect(subtractPeriod(from, hours(n)).getTime()).toBe(from.getTime() - n * HOUR_MS);
      })
    );
  });

  it('undoes addPeriod for days and hours', () => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 5000 }), fc.constantFrom('days', 'hours'), (from, n, p) => {
        const d: Duration = { amount: n, period: p as 'days' | 'hours' };
        expect(subtractPeriod(addPeriod(from, d), d).getTime()).toBe(from.getTime());
      })
    );
  });

  it('validates its duration', () => {
    expect(isDomainError(thrown(() => subtractPeriod(new Date(), { amount: -1, period: 'days' })))).toBe(true);
  });
});

describe('duration validation', () => {
  it.each([
    [{ amount: -1, period: 'months' }],
    [{ amount: 1.5, period: 'days' }],
    [{ amount: Number.NaN, period: 'hours' }],
    [{ amount: Number.POSITIVE_INFINITY, period: 'hours' }],
    [{ amount: '3', period: 'days' }],
  ])('a bad amount %j throws a DomainError naming "duration"', (duration) => {
    const error = thrown(() => addPeriod(new Date(), duration as unknown as Duration));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).field).toBe('duration');
  });

  it.each([['weeks'], ['Months'], [''], [undefined], [null]])(
    'a bad period %p throws a DomainError naming "period"',
    (period) => {
      const error = thrown(() => addPeriod(new Date(), { amount: 1, period } as unknown as Duration));
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).field).toBe('period');
    }
  );

  it('assertDuration names the given field for a bad amount', () => {
    const error = thrown(() => assertDuration({ amount: -2, period: 'days' }, 'offset'));
    expect((error as DomainError).field).toBe('offset');
    expect((error as DomainError).message).toMatch(/offset/);
  });

  it('assertDuration accepts every whole amount ≥ 0 in every period', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...PERIODS), (amount, period) => {
        expect(() => assertDuration({ amount, period })).not.toThrow();
      })
    );
  });

  it('isPeriod accepts exactly months, days and hours', () => {
    expect(['months', 'days', 'hours'].every(isPeriod)).toBe(true);
    expect([undefined, null, 'weeks', 'month', 1, {}].some(isPeriod)).toBe(false);
  });

  it('isUnlimited is true only for amount 0', () => {
    expect(isUnlimited(months(0))).toBe(true);
    expect(isUnlimited(days(1))).toBe(false);
  });
});

describe('small helpers', () => {
  it('dayOfMonth reads the UTC day, whatever offset the instant was written with', () => {
    expect(dayOfMonth(at('2024-01-31T23:30:00-05:00'))).toBe(1); // = 1 Feb 04:30 UTC
    expect(dayOfMonth(at('2024-02-01T01:00:00+03:00'))).toBe(31); // = 31 Jan 22:00 UTC
    fc.assert(fc.property(instantArb, (d) => expect(dayOfMonth(d)).toBe(d.getUTCDate())));
  });

  it('laterOf returns the later instant', () => {
    const a = at('2024-01-01T00:00:00.000Z');
    const b = at('2024-01-01T00:00:00.001Z');
    expect(laterOf(a, b)).toBe(b);
    expect(laterOf(b, a)).toBe(b);
    expect(laterOf(a, new Date(a.getTime())).getTime()).toBe(a.getTime());
  });

  it('hoursBetween is signed and fractional', () => {
    const a = at('2024-01-01T00:00:00.000Z');
    expect(hoursBetween(a, at('2024-01-02T06:00:00.000Z'))).toBe(30);
    expect(hoursBetween(at('2024-01-01T01:30:00.000Z'), a)).toBe(-1.5);
  });
});
