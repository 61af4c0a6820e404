/**
 * The scheduler's health decision (domain/health.ts) and the cron interval it is given
 * (cron.ts: the longest gap between two runs of a rule, read the way Strapi's cron reads it).
 */
import fc from 'fast-check';
import { healthDecision, STALE_INTERVALS, type HealthInput } from '../../server/src/domain/health';
import { cronIntervalMs, cronJobsFor } from '../../server/src/cron';
import { at, plusMs } from './support';

const MINUTE = 60_000;
const RUNS = { numRuns: 400 };

const healthy: HealthInput = {
  now: at('2031-03-10T12:00:00Z'),
  intervalMs: MINUTE,
  lastCompletedAt: at('2031-03-10T11:59:30Z'),
  strapiCronEnabled: true,
  pluginCronEnabled: true,
};
const codes = (input: Partial<HealthInput>) => healthDecision({ ...healthy, ...input }).problems.map((p) => p.code);

describe('health decision', () => {
  it('is healthy with cron on and a run within the interval', () => {
    expect(healthDecision(healthy)).toEqual({ ok: true, problems: [], staleAfterMs: 3 * MINUTE });
  });

  it('names "no-run" when no run has ever completed', () => {
    expect(codes({ lastCompletedAt: null })).toEqual(['no-run']);
    expect(healthDecision({ ...healthy, lastCompletedAt: null }).ok).toBe(false);
  });

  it('turns stale only after 3 intervals: exactly 3 is still fine, a millisecond more is not', () => {
    const now = healthy.now;
    expect(codes({ lastCompletedAt: plusMs(now, -3 * MINUTE) })).toEqual([]);
    const last = plusMs(now, -3 * MINUTE - 1);
    expect(healthDecision({ ...healthy, lastCompletedAt: last }).problems).toEqual([
      { code: 'stale', lastRunAt: last, staleSince: plusMs(last, 3 * MINUTE) },
    ]);
  });

  it('counts the interval the rule gives: an hourly rule tolerates 3 hours', () => {
    const hour = 60 * MINUTE;
    expect(codes({ intervalMs: hour, lastCompletedAt: plusMs(healthy.now, -2.5 * hour) })).toEqual([]);
    expect(codes({ intervalMs: hour, lastCompletedAt: plusMs(healthy.now, -3.5 * hour) })).toEqual(['stale']);
  });

  it('does not call a run stamped ahead of now (another process, its clock ahead) stale', () => {
    expect(codes({ lastCompletedAt: plusMs(healthy.now, 2 * MINUTE) })).toEqual([]);
  });

  it('names each cron switch that is off, together with the run problem', () => {
    expect(codes({ strapiCronEnabled: false })).toEqual(['strapi-cron-disabled']);
    expect(codes({ pluginCronEnabled: false })).toEqual(['plugin-cron-disabled']);
    expect(codes({ strapiCronEnabled: false, pluginCronEnabled: false, lastCompletedAt: null })).toEqual([
      'strapi-cron-disabled',
      'plugin-cron-disabled',
      'no-run',
    ]);
  });

  it('names "invalid-cron-rule" when a rule cannot be read; a run then never counts as stale', () => {
    expect(codes({ intervalMs: null })).toEqual(['invalid-cron-rule']);
    expect(codes({ intervalMs: null, lastCompletedAt: null })).toEqual(['invalid-cron-rule', 'no-run']);
    expect(healthDecision({ ...healthy, intervalMs: null }).staleAfterMs).toBeNull();
  });

  it('refuses an interval that is not a positive number of ms', () => {
    for (const intervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => healthDecision({ ...healthy, intervalMs })).toThrow(/intervalMs/);
    }
  });

  const inputArb = fc.record({
    now: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }).map((ms) => new Date(ms)),
    intervalMs: fc.integer({ min: 1_000, max: 7 * 24 * 60 * MINUTE }),
    // How long before `now` the last run finished (negative: a clock ahead), or none.
    age: fc.option(fc.integer({ min: -10 * MINUTE, max: 60 * 24 * 60 * MINUTE }), { nil: null }),
    strapiCronEnabled: fc.boolean(),
    pluginCronEnabled: fc.boolean(),
  });
  type Generated = Omit<HealthInput, 'lastCompletedAt'> & { age: number | null };
  const inputOf = ({ age, ...rest }: Generated): HealthInput => ({
    ...rest,
    lastCompletedAt: age === null ? null : plusMs(rest.now, -age),
  });

  it('property: healthy exactly when both cron switches are on and the last run is at most 3 intervals old', () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf(generated);
        const expected =
          input.strapiCronEnabled && input.pluginCronEnabled && generated.age !== null && generated.age <= STALE_INTERVALS * input.intervalMs;
        const decision = healthDecision(input);
        expect(decision.ok).toBe(expected);
        expect(decision.ok).toBe(decision.problems.length === 0);
        expect(new Set(decision.problems.map((p) => p.code)).size).toBe(decision.problems.length);
      }),
      RUNS
    );
  });

  it('property: a later run never makes it less healthy, a later now never makes it more healthy', () => {
    fc.assert(
      fc.property(inputArb, fc.integer({ min: 0, max: 30 * 24 * 60 * MINUTE }), (generated, shift) => {
        const input = inputOf(generated);
        const bad = (i: HealthInput) => healthDecision(i).problems.length;
        if (input.lastCompletedAt) {
          expect(bad({ ...input, lastCompletedAt: plusMs(input.lastCompletedAt, shift) })).toBeLessThanOrEqual(bad(input));
        }
        expect(bad({ ...input, now: plusMs(input.now, shift) })).toBeGreaterThanOrEqual(bad(input));
      }),
      RUNS
    );
  });

  it('property: a stale problem says when the run was and since when it is stale', () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf(generated);
        for (const problem of healthDecision(input).problems.filter((p) => p.code === 'stale')) {
          expect(problem.lastRunAt).toEqual(input.lastCompletedAt);
          expect(problem.staleSince!.getTime()).toBe(input.lastCompletedAt!.getTime() + 3 * input.intervalMs);
          expect(problem.staleSince!.getTime()).toBeLessThan(input.now.getTime());
        }
      }),
      RUNS
    );
  });
});

describe('cron interval of a rule', () => {
  const from = at('2031-03-12T10:17:00Z'); // a Wednesday

  it('is the time between two runs of a regular rule', () => {
    expect(cronIntervalMs('*/1 * * * *', from)).toBe(MINUTE);
    expect(cronIntervalMs('*/5 * * * *', from)).toBe(5 * MINUTE);
    expect(cronIntervalMs('0 * * * *', from)).toBe(60 * MINUTE);
    expect(cronIntervalMs('*/30 * * * * *', from)).toBe(30_000);
  });

  it('is the longest gap of an irregular rule (weekdays only: Friday to Monday)', () => {
    // Hour 12 is 12:00 in the process's time zone; the gap is 3 days whatever the zone (no DST change in March 12-24 in most zones).
    expect(cronIntervalMs('0 12 * * 1-5', from)).toBe(3 * 24 * 60 * MINUTE);
  });

  it('reads ranges the way Strapi does (numeric-prefix steps such as 5/15)', () => {
    expect(cronIntervalMs('5/15 * * * *', from)).toBe(15 * MINUTE);
  });

  it('refuses a rule it cannot read', () => {
    expect(() => cronIntervalMs('every minute', from)).toThrow();
  });

  it('is the rule each registered job runs on: the longest one counts for the health check', () => {
    const rules = cronJobsFor({ rule: '*/1 * * * *', jobs: { reminders: { rule: '0 * * * *' } } }).map((job) => job.rule);
    expect(Math.max(...rules.map((rule) => cronIntervalMs(rule, from)))).toBe(60 * MINUTE);
  });
});
