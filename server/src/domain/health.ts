/**
 * Is the scheduled work running? Pure: the caller gives `now`, the cron interval and the last
 * completed run; the answer says healthy or not, and why (each problem with what the admin
 * needs to fix it).
 */

/** No run completed for this many cron intervals: the scheduler is considered stopped. */
export const STALE_INTERVALS = 3;

export type HealthProblemCode = 'strapi-cron-disabled' | 'plugin-cron-disabled' | 'invalid-cron-rule' | 'no-run' | 'stale';

export interface HealthProblem {
  code: HealthProblemCode;
  /** For `stale`: when the last completed run finished, and since when it counts as stale. */
  lastRunAt?: Date;
  staleSince?: Date;
}

export interface HealthInput {
  now: Date;
  /** The longest time between two runs the cron rules ask for, in ms; null when a rule cannot be read. */
  intervalMs: number | null;
  /** When the last run that completed (in any process) finished; null when none did. */
  lastCompletedAt: Date | null;
  /** Strapi's `server.cron.enabled`. */
  strapiCronEnabled: boolean;
  /** The plugin's `cron.enabled` (false also when every step is switched off). */
  pluginCronEnabled: boolean;
}

export interface HealthDecision {
  ok: boolean;
  problems: HealthProblem[];
  /** How old the last completed run may be before it is stale, in ms (null: no readable rule). */
  staleAfterMs: number | null;
}

export const healthDecision = (input: HealthInput): HealthDecision => {
  if (input.intervalMs !== null && (!Number.isFinite(input.intervalMs) || input.intervalMs <= 0)) {
    throw new RangeError(`intervalMs must be a positive number of ms (got ${input.intervalMs})`);
  }
  const staleAfterMs = input.intervalMs === null ? null : STALE_INTERVALS * input.intervalMs;
  const problems: HealthProblem[] = [];
  if (!input.strapiCronEnabled) problems.push({ code: 'strapi-cron-disabled' });
  if (!input.pluginCronEnabled) problems.push({ code: 'plugin-cron-disabled' });
  // Strapi does not schedule a rule it cannot read: no run will come from it.
  if (staleAfterMs === null) problems.push({ code: 'invalid-cron-rule' });
  if (!input.lastCompletedAt) {
    problems.push({ code: 'no-run' });
  } else if (staleAfterMs !== null) {
    // A run stamped a little ahead of `now` (another process's clock) is recent, not stale.
    const staleSince = new Date(input.lastCompletedAt.getTime() + staleAfterMs);
    if (input.now.getTime() > staleSince.getTime()) {
      problems.push({ code: 'stale', lastRunAt: input.lastCompletedAt, staleSince });
    }
  }
  return { ok: problems.length === 0, problems, staleAfterMs };
};
