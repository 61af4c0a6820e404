/**
 * Property tests of the subscription lifecycle: renewals never lose paid time nor count it twice,
 * a lapse is not credited, and the status always follows the dates.
 */
import fc from 'fast-check';
import {
  assertDatesOrdered,
  cancel,
  editDates,
  endForGrace,
  refund,
  renew,
  statusAt,
  subscribe,
  type OfferTerms,
  type SubscriptionDates,
} from '../../server/src/domain/lifecycle';
import { DomainError } from '../../server/src/domain/errors';
import { DAY_MS, HOUR_MS, addUnits, durationArb, instantArb, iso, plusMs } from './support';

const RUNS = { numRuns: 400 };

/** A fraction in [0, 1) as an integer count of millionths: no floating-point generator needed. */
const fractionArb = fc.integer({ min: 0, max: 999_999 });

/** An instant in [from, before), chosen by a fraction of the gap (gap ≥ 1 ms required). */
const strictlyBetween = (from: Date, before: Date, millionths: number): Date => {
  const gap = before.getTime() - from.getTime();
  if (gap < 1) throw new Error('test bug: empty interval');
  const offset = Math.min(gap - 1, Math.floor((gap * millionths) / 1_000_000));
  return new Date(from.getTime() + offset);
};

const unitMs = (offer: OfferTerms): number => (offer.period === 'hours' ? HOUR_MS : DAY_MS);

/** What the status must be at `t` for a record whose end is `end` (t ≥ start). */
const expectedStatus = (end: Date | null, cancelled: boolean, t: Date) =>
  end === null || t.getTime() < end.getTime() ? 'active' : cancelled ? 'cancelled' : 'expired';

describe('renewals before the end (property)', () => {
  it('k early renewals end exactly where one purchase of (k+1) × duration from the start would', () => {
    fc.assert(
      fc.property(
        instantArb,
        durationArb,
        fc.nat({ max: 1000 }), // hours between the purchase and the start (0 = starts at purchase)
        fc.array(fractionArb, { maxLength: 10 }),
        (start, offer, delayH, fractions) => {
          const purchasedAt = plusMs(start, -delayH * HOUR_MS);
          let s = subscribe(offer, purchasedAt, { startsAt: delayH === 0 ? null : start });
          expect(s.startsAt.getTime()).toBe(start.getTime());
          let prev = purchasedAt;
          for (const f of fractions) {
            const t = strictlyBetween(prev, s.endsAt as Date, f);
            const oldEnd = s.endsAt as Date;
            s = renew(s, offer, t);
            // no paid time lost: the new end is after the old one
            expect((s.endsAt as Date).getTime()).toBeGreaterThan(oldEnd.getTime());
            expect(s.status).toBe(t.getTime() < start.getTime() ? 'pending' : 'active');
            expect(s.status).toBe(statusAt(s, t));
            prev = t;
          }
          const k = fractions.length;
          const expected = addUnits(start, (k + 1) * offer.duration, offer.period, start.getUTCDate());
          expect(iso(s.endsAt)).toBe(iso(expected));
          expect(iso(s.dueAt)).toBe(iso(expected));
          expect(s.startsAt.getTime()).toBe(start.getTime());
        }
      ),
      RUNS
    );
  });

  it('for days and hours, each early renewal adds exactly the duration to the end', () => {
    fc.assert(
      fc.property(
        instantArb,
        durationArb.filter((o) => o.period !== 'months'),
        fc.array(fractionArb, { minLength: 1, maxLength: 10 }),
        (start, offer, fractions) => {
          let s = subscribe(offer, start);
          let prev = start;
          for (const f of fractions) {
            const t = strictlyBetween(prev, s.endsAt as Date, f);
            const before = (s.endsAt as Date).getTime();
            s = renew(s, offer, t);
            expect((s.endsAt as Date).getTime() - before).toBe(offer.duration * unitMs(offer));
            prev = t;
          }
        }
      ),
      RUNS
    );
  });
});

describe('renewals after a lapse (property)', () => {
  it('the end is now + duration exactly, and the subscription is active again', () => {
    fc.assert(
      fc.property(
        instantArb,
        durationArb,
        fc.array(fractionArb, { maxLength: 4 }),
        fc.boolean(), // cancelled before it ran out
        fc.integer({ min: 1, max: 400 * DAY_MS }), // lapse length, ms
        (start, offer, fractions, wasCancelled, gap) => {
          let s = subscribe(offer, start);
          let prev = start;
          for (const f of fractions) {
            const t = strictlyBetween(prev, s.endsAt as Date, f);
            s = renew(s, offer, t);
            prev = t;
          }
          if (wasCancelled) s = cancel(s, prev);
          const lapsedAt = plusMs(s.endsAt as Date, gap);
          const stale = { ...s, status: statusAt(s, lapsedAt) };
          expect(stale.status).toBe(wasCancelled ? 'cancelled' : 'expired');
          const r = renew(stale, offer, lapsedAt);
          const expected = addUnits(lapsedAt, offer.duration, offer.period);
          expect(iso(r.endsAt)).toBe(iso(expected));
          expect(iso(r.dueAt)).toBe(iso(expected));
          expect(r.status).toBe('active');
          expect(r.cancelledAt).toBeNull();
        }
      ),
      RUNS
    );
  });
});

/* ---------- model-based: mixed histories of early renewals, lapsed renewals and cancels ---------- */

type Op = { kind: 'early'; f: number } | { kind: 'lapse'; gap: number } | { kind: 'cancel'; f: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fractionArb.map((f) => ({ kind: 'early' as const, f })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 90 * DAY_MS }).map((gap) => ({ kind: 'lapse' as const, gap })) },
  { weight: 1, arbitrary: fractionArb.map((f) => ({ kind: 'cancel' as const, f })) }
);

/** Measure (ms) of the union of half-open intervals. */
const unionMeasure = (intervals: Array<[number, number]>): number => {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) curEnd = b;
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
};

const runHistory = (start: Date, offer: OfferTerms, ops: Op[]) => {
  let s = subscribe(offer, start);
  let now = start;
  // independent model of the current paid chain
  let chainStart = start;
  let chainPayments = 1;
  let cancelled = false;
  let payments = 1;
  // access actually granted: while record i is in force (from its op time to the next op time),
  // it grants [max(opTime, startsAt), endsAt).
  const inForce: Array<{ from: Date; record: SubscriptionDates }> = [{ from: now, record: s }];
  const checks: Array<() => void> = [];

  for (const op of ops) {
    const end = s.endsAt as Date;
    if (op.kind === 'cancel') {
      if (cancelled) continue; // a second cancel is a no-op, guarded by the service
      now = strictlyBetween(now, end, op.f);
      s = cancel(s, now);
      cancelled = true;
      expect(iso(s.endsAt)).toBe(iso(end)); // access lasts to the end of the paid period
    } else {
      now = op.kind === 'early' ? strictlyBetween(now, end, op.f) : plusMs(end, op.gap);
      const lapsed = op.kind === 'lapse';
      s = renew({ ...s, status: statusAt(s, now) }, offer, now);
      payments += 1;
      cancelled = false;
      if (lapsed) {
        chainStart = now;
        chainPayments = 1;
      } else chainPayments += 1;
    }
    const expectedEnd = addUnits(chainStart, chainPayments * offer.duration, offer.period, chainStart.getUTCDate());
    expect(iso(s.endsAt)).toBe(iso(expectedEnd));
    expect(s.status).toBe(statusAt(s, now));
    expect(s.status).toBe(expectedStatus(s.endsAt, cancelled, now));
    expect(s.cancelledAt !== null).toBe(cancelled);
    inForce.push({ from: now, record: s });
  }

  const intervals: Array<[number, number]> = inForce.map(({ from, record }, i) => {
    const next = inForce[i + 1];
    const a = Math.max(from.getTime(), record.startsAt.getTime());
    const recordEnd = (record.endsAt as Date).getTime();
    const b = next ? Math.min(next.from.getTime(), recordEnd) : recordEnd;
    return [a, b];
  });
  return { s, now, cancelled, payments, granted: unionMeasure(intervals), checks };
};

describe('mixed histories (model-based property)', () => {
  it('the end follows the model after every step; the status follows the dates', () => {
    fc.assert(
      fc.property(instantArb, durationArb, fc.array(opArb, { maxLength: 12 }), (start, offer, ops) => {
        const { s, now, cancelled } = runHistory(start, offer, ops);
        // after the last step, the status over time follows the final dates
        const end = s.endsAt as Date;
        for (const t of [now, plusMs(end, -1), end, plusMs(end, 1), plusMs(end, 400 * DAY_MS)]) {
          if (t.getTime() < now.getTime()) continue;
          expect(statusAt(s, t)).toBe(expectedStatus(end, cancelled, t));
        }
      }),
      RUNS
    );
  });

  it('days/hours: the access granted never exceeds what was bought, and no bought time is lost', () => {
    fc.assert(
      fc.property(
        instantArb,
        durationArb.filter((o) => o.period !== 'months'),
        fc.array(opArb, { maxLength: 12 }),
        (start, offer, ops) => {
          const { payments, granted } = runHistory(start, offer, ops);
          const bought = payments * offer.duration * unitMs(offer);
          expect(granted).toBeLessThanOrEqual(bought);
          expect(granted).toBe(bought);
        }
      ),
      RUNS
    );
  });

  it('months: each paid month grants between 28 and 31 days of access', () => {
    fc.assert(
      fc.property(
        instantArb,
        durationArb.filter((o) => o.period === 'months'),
        fc.array(opArb, { maxLength: 12 }),
        (start, offer, ops) => {
          const { payments, granted } = runHistory(start, offer, ops);
          const monthsBought = payments * offer.duration;
          expect(granted).toBeLessThanOrEqual(monthsBought * 31 * DAY_MS);
          expect(granted).toBeGreaterThanOrEqual(monthsBought * 28 * DAY_MS);
        }
      ),
      RUNS
    );
  });
});

/* ---------- any operation, at any time: the stored status is the one the dates give ---------- */

type AnyOp =
  | { kind: 'renew'; stepH: number }
  | { kind: 'cancel'; stepH: number }
  | { kind: 'refund'; stepH: number }
  | { kind: 'editEnd'; stepH: number; endH: number | null }
  | { kind: 'editStart'; stepH: number; startH: number }
  | { kind: 'grace'; stepH: number };

const anyOpArb: fc.Arbitrary<AnyOp> = fc.oneof(
  fc.record({ kind: fc.constant('renew' as const), stepH: fc.nat({ max: 2000 }) }),
  fc.record({ kind: fc.constant('cancel' as const), stepH: fc.nat({ max: 2000 }) }),
  fc.record({ kind: fc.constant('refund' as const), stepH: fc.nat({ max: 2000 }) }),
  fc.record({
    kind: fc.constant('editEnd' as const),
    stepH: fc.nat({ max: 2000 }),
    endH: fc.option(fc.integer({ min: -3000, max: 3000 }), { nil: null, freq: 8 }),
  }),
  fc.record({ kind: fc.constant('editStart' as const), stepH: fc.nat({ max: 2000 }), startH: fc.integer({ min: -3000, max: 3000 }) }),
  fc.record({ kind: fc.constant('grace' as const), stepH: fc.nat({ max: 2000 }) })
);

describe('status consistency (property)', () => {
  it('after every operation the status equals statusAt(dates, now) and the dates stay ordered', () => {
    fc.assert(
      fc.property(
        instantArb,
        fc.oneof(durationArb, fc.constant({ duration: 0, period: 'months' as const })),
        fc.integer({ min: -2000, max: 2000 }),
        fc.array(anyOpArb, { maxLength: 10 }),
        (purchase, offer, startH, ops) => {
          let now = purchase;
          let s = subscribe(offer, now, { startsAt: plusMs(now, startH * HOUR_MS) });
          expect(s.status).toBe(statusAt(s, now));
          for (const op of ops) {
            now = plusMs(now, op.stepH * HOUR_MS);
            const refunded = s.status === 'refunded';
            switch (op.kind) {
              case 'renew':
                if (refunded) {
                  expect(() => renew(s, offer, now)).toThrow(DomainError);
                  continue;
                }
                s = renew(s, offer, now);
                break;
              case 'cancel':
                if (refunded) {
                  expect(() => cancel(s, now)).toThrow(DomainError);
                  continue;
                }
                if (s.cancelledAt) continue; // no-op, guarded by the service
                s = cancel(s, now);
                break;
              case 'refund':
                if (refunded) continue;
                s = refund(s, now);
                expect(s.status).toBe('refunded');
                break;
              case 'editEnd': {
                const endsAt = op.endH === null ? null : plusMs(now, op.endH * HOUR_MS);
                if (endsAt && endsAt.getTime() < s.startsAt.getTime()) {
                  let error: unknown;
                  try {
                    editDates(s, { endsAt }, now);
                  } catch (e) {
                    error = e;
                  }
                  // refused, naming endsAt (or dueAt when an explicit due date is the one out of order)
                  expect(error).toBeInstanceOf(DomainError);
                  expect(['endsAt', 'dueAt']).toContain((error as DomainError).field);
                  continue;
                }
                try {
                  s = editDates(s, { endsAt }, now);
                } catch (e) {
                  // only an older due date that now falls before the start may be refused
                  expect((e as DomainError).field).toBe('dueAt');
                  continue;
                }
                break;
              }
              case 'editStart': {
                const startsAt = plusMs(now, op.startH * HOUR_MS);
                const limit = Math.min(s.endsAt?.getTime() ?? Infinity, s.dueAt?.getTime() ?? Infinity);
                if (startsAt.getTime() > limit) {
                  expect(() => editDates(s, { startsAt }, now)).toThrow(DomainError);
                  continue;
                }
                s = editDates(s, { startsAt }, now);
                break;
              }
              case 'grace':
                if (refunded) continue;
                // only ever applied past a due date, hence after the start
                if (now.getTime() < s.startsAt.getTime()) continue;
                s = endForGrace(s, now);
                break;
            }
            expect(s.status).toBe(statusAt(s, now));
            expect(() => assertDatesOrdered(s)).not.toThrow();
            if (s.status === 'refunded') expect(statusAt(s, plusMs(now, -1))).toBe('refunded');
          }
        }
      ),
      RUNS
    );
  });
});
