import fc from 'fast-check';
import { settleDueAt, settled } from '../../server/src/domain/member';
import { statusAt, type SubscriptionDates } from '../../server/src/domain/lifecycle';
import { HOUR_MS, at, plusDays, plusHours, plusMs } from './support';

/**
 * `settleDueAt` is what the scheduler's preview says a transition's instant is: it must be the
 * exact first instant at which `settled` (the scheduler's rule) has something to do.
 */
const base: SubscriptionDates = {
  status: 'active',
  startsAt: at('2030-01-01T00:00:00Z'),
  dueAt: at('2030-02-01T00:00:00Z'),
  endsAt: at('2030-02-01T00:00:00Z'),
  cancelledAt: null,
  anchorDay: 1,
};

describe('settleDueAt', () => {
  it('is the start of a pending subscription, the end of an active one, just past the grace of an open-ended one', () => {
    const pending = { ...base, status: 'pending' as const };
    expect(settleDueAt(pending, 48)?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(settleDueAt(base, 48)?.toISOString()).toBe('2030-02-01T00:00:00.000Z');
    const open = { ...base, endsAt: null };
    expect(settleDueAt(open, 48)?.toISOString()).toBe(plusMs(plusHours(base.dueAt!, 48), 1).toISOString());
    expect(settled(open, plusHours(base.dueAt!, 48), 48)).toBeNull();
  });

  it('is null when nothing will ever be due: ended, refunded, unlimited', () => {
    expect(settleDueAt({ ...base, status: 'expired' }, 48)).toBeNull();
    expect(settleDueAt({ ...base, status: 'refunded' }, 48)).toBeNull();
    expect(settleDueAt({ ...base, dueAt: null, endsAt: null }, 48)).toBeNull();
  });

  it('is the first instant settled() answers, for any stored dates and grace (property)', () => {
    // Stored dates as the plugin writes them: the status the dates gave at some instant `t0`
    // (refunded and grace-ended rows included); from then on, settled() is due exactly from
    // settleDueAt() on (or, when that is before t0, already at t0).
    const instant = fc.integer({ min: 0, max: 400 * 24 }).map((h) => plusHours(at('2030-01-01T00:00:00Z'), h));
    const stored = fc
      .record({
        start: instant,
        dueOffset: fc.option(fc.integer({ min: 0, max: 90 * 24 * 60 }), { nil: null }),
        endOffset: fc.option(fc.integer({ min: 0, max: 90 * 24 * 60 }), { nil: null }),
        cancelled: fc.boolean(),
        refunded: fc.boolean(),
        t0Hours: fc.integer({ min: -30 * 24, max: 120 * 24 }),
      })
      .map(({ start, dueOffset, endOffset, cancelled, refunded, t0Hours }) => {
        const dates: SubscriptionDates = {
          status: 'active',
          startsAt: start,
          dueAt: dueOffset === null ? null : plusMs(start, dueOffset * 60_000),
          endsAt: endOffset === null ? null : plusMs(start, endOffset * 60_000),
          cancelledAt: cancelled ? start : null,
          anchorDay: null,
        };
        const t0 = plusHours(start, t0Hours);
        return { dates: { ...dates, status: refunded ? ('refunded' as const) : statusAt(dates, t0) }, t0 };
      });
    fc.assert(
      fc.property(stored, fc.constantFrom(0, 2, 48, 0.5), fc.integer({ min: 0, max: 200 * 24 * 60 }), ({ dates: d, t0 }, grace, probeMinutes) => {
        const due = settleDueAt(d, grace);
        const probe = plusMs(t0, probeMinutes * 60_000);
        if (due === null) {
          expect(settled(d, probe, grace)).toBeNull();
          expect(settled(d, plusDays(t0, 10_000), grace)).toBeNull();
          return;
        }
        expect(settled(d, due, grace)).not.toBeNull();
        if (due.getTime() > t0.getTime()) expect(settled(d, plusMs(due, -1), grace)).toBeNull();
        expect(settled(d, probe, grace) !== null).toBe(probe.getTime() >= due.getTime());
      }),
      { numRuns: 2000 }
    );
  });
});
