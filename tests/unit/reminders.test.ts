/**
 * Which reminders are due: examples at month ends and after downtime, and properties that tie
 * the indexed query range to the exact rule (no due reminder is ever outside the range read).
 */
import fc from 'fast-check';
import {
  endRangeFor,
  reminderDecision,
  reminderInstant,
  reminderKey,
  type ReminderRule,
} from '../../server/src/domain/reminders';
import { DAY_MS, HOUR_MS, addUnits, at, durationArb, instantArb, plusMs } from './support';

const rule = (amount: number, period: ReminderRule['period'], when: ReminderRule['when']): ReminderRule => ({ id: 7, amount, period, when });
const sub = (endsAt: Date | null, status: 'active' | 'expired' | 'refunded' | 'pending' = 'active') => ({ id: 3, status, endsAt });

describe('reminder instants', () => {
  it('counts "before" and "after" offsets from the end, months clamped to the month end', () => {
    expect(reminderInstant(at('2024-03-31T10:00:00Z'), rule(1, 'months', 'before')).toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(reminderInstant(at('2023-03-31T10:00:00Z'), rule(1, 'months', 'before')).toISOString()).toBe('2023-02-28T10:00:00.000Z');
    expect(reminderInstant(at('2024-01-31T10:00:00Z'), rule(1, 'months', 'after')).toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(reminderInstant(at('2024-05-10T00:00:00Z'), rule(7, 'days', 'before')).toISOString()).toBe('2024-05-03T00:00:00.000Z');
    expect(reminderInstant(at('2024-05-10T00:00:00Z'), rule(36, 'hours', 'after')).toISOString()).toBe('2024-05-11T12:00:00.000Z');
  });

  it('keys an occurrence by subscription, rule and end: a renewal (new end) makes a new key', () => {
    const end = at('2024-05-10T00:00:00Z');
    expect(reminderKey(3, 7, end)).toBe('reminder:3:7:2024-05-10T00:00:00.000Z');
    expect(reminderKey(3, 7, plusMs(end, DAY_MS))).not.toBe(reminderKey(3, 7, end));
  });
});

describe('reminder decisions', () => {
  const end = at('2024-05-10T12:00:00Z');
  const before = rule(2, 'days', 'before');
  const after = rule(1, 'days', 'after');

  it('waits until the instant, then sends', () => {
    expect(reminderDecision(sub(end), before, at('2024-05-08T11:59:59.999Z')).action).toBe('wait');
    expect(reminderDecision(sub(end), before, at('2024-05-08T12:00:00Z')).action).toBe('send');
    expect(reminderDecision(sub(end, 'expired'), after, at('2024-05-11T11:59:00Z')).action).toBe('wait');
    expect(reminderDecision(sub(end, 'expired'), after, at('2024-05-11T12:00:00Z')).action).toBe('send');
  });

  it('after downtime: a late "after" reminder is still sent, a "before" one whose end passed is skipped with a reason', () => {
    expect(reminderDecision(sub(end, 'expired'), after, at('2024-06-30T00:00:00Z')).action).toBe('send');
    expect(reminderDecision(sub(end), before, at('2024-05-10T11:59:00Z')).action).toBe('send');
    const late = reminderDecision(sub(end, 'expired'), before, at('2024-05-10T12:00:00Z'));
    expect(late).toMatchObject({ action: 'skip' });
    expect(late.action === 'skip' && late.reason).toMatch(/already ended/);
  });

  it('never reminds of an instant before the subscription started (a 3-day pass and a "7 days before" rule)', () => {
    const pass = { id: 3, status: 'active' as const, startsAt: at('2024-05-07T12:00:00Z'), endsAt: end };
    expect(reminderDecision(pass, rule(7, 'days', 'before'), at('2024-05-08T00:00:00Z'))).toMatchObject({ action: 'none' });
    expect(reminderDecision(pass, rule(2, 'days', 'before'), at('2024-05-08T12:00:00Z'))).toMatchObject({ action: 'send' });
  });

  it('has nothing to say for an unlimited or a refunded subscription', () => {
    expect(reminderDecision(sub(null), before, end).action).toBe('none');
    expect(reminderDecision(sub(end, 'refunded'), after, at('2025-01-01T00:00:00Z')).action).toBe('none');
  });
});

const ruleArb: fc.Arbitrary<ReminderRule> = fc
  .record({ d: durationArb, when: fc.constantFrom<'before' | 'after'>('before', 'after'), amount0: fc.boolean() })
  .map(({ d, when, amount0 }) => ({ id: 1, amount: amount0 ? 0 : d.duration, period: d.period, when }));

describe('reminder properties', () => {
  it('every reminder whose instant lies in (from, now] has its end inside the range the scheduler reads', () => {
    fc.assert(
      fc.property(ruleArb, instantArb, fc.integer({ min: 1, max: 40 * DAY_MS }), fc.integer({ min: 0, max: 60 * DAY_MS }), (r, from, window, lead) => {
        const now = plusMs(from, window);
        // An end chosen so that its instant falls in (from, now] (when the offset allows it).
        const guess = r.when === 'before' ? addUnits(plusMs(from, lead % window || 1), r.amount, r.period) : plusMs(from, lead % window || 1);
        const end = r.when === 'before' ? guess : new Date(guess.getTime() - (reminderInstant(guess, r).getTime() - guess.getTime()));
        const instant = reminderInstant(end, r);
        fc.pre(instant.getTime() > from.getTime() && instant.getTime() <= now.getTime());
        const range = endRangeFor(r, from, now);
        expect(end.getTime()).toBeGreaterThan(range.after.getTime());
        expect(end.getTime()).toBeLessThanOrEqual(range.upTo.getTime());
      }),
      { numRuns: 2000 }
    );
  });

  it('the range never reaches far past what is due: at most the rest of a month at month ends, else nothing', () => {
    fc.assert(
      fc.property(ruleArb, instantArb, (r, now) => {
        const { upTo } = endRangeFor(r, plusMs(now, -HOUR_MS), now);
        // The latest end whose reminder is due by now. "after": the end `amount` periods back,
        // then (month ends clamp: 31 Jan + 1 month = 28 Feb) any of the next days at the same
        // time of day whose reminder instant has also come.
        let lastDueEnd = r.when === 'before' ? addUnits(now, r.amount, r.period) : addUnits(now, -r.amount, r.period);
        if (r.when === 'after') {
          for (let k = 1; k <= 3; k += 1) {
            const later = plusMs(lastDueEnd, DAY_MS);
            if (reminderInstant(later, r).getTime() > now.getTime()) break;
            lastDueEnd = later;
          }
        }
        const slack = upTo.getTime() - lastDueEnd.getTime();
        expect(slack).toBeLessThanOrEqual(r.period === 'months' ? 4 * DAY_MS : 31 * DAY_MS);
        if (r.period !== 'months') expect(slack).toBe(0);
      }),
      { numRuns: 1000 }
    );
  });

  // Not true at any granularity: month clamping maps 30 Jan 23:00 to 29 Feb 23:00 but 31 Jan
  // 00:00 to 29 Feb 00:00. The range query's soundness is the property above; this one holds
  // for ends moved by whole days (the same time of day).
  it('a reminder instant never moves earlier when the end moves later by whole days', () => {
    fc.assert(
      fc.property(ruleArb, instantArb, fc.integer({ min: 0, max: 90 }).map((days) => days * DAY_MS), (r, end, later) => {
        expect(reminderInstant(plusMs(end, later), r).getTime()).toBeGreaterThanOrEqual(reminderInstant(end, r).getTime());
      }),
      { numRuns: 1000 }
    );
  });

  it('sends or skips exactly when the instant has come; skips only "before" reminders whose end has passed', () => {
    fc.assert(
      fc.property(ruleArb, instantArb, fc.integer({ min: -400 * DAY_MS, max: 400 * DAY_MS }), (r, end, offset) => {
        const now = plusMs(end, offset);
        const decision = reminderDecision(sub(end), r, now);
        const due = reminderInstant(end, r).getTime() <= now.getTime();
        expect(decision.action === 'send' || decision.action === 'skip').toBe(due);
        expect(decision.action === 'skip').toBe(due && r.when === 'before' && now.getTime() >= end.getTime());
      }),
      { numRuns: 1000 }
    );
  });
});
