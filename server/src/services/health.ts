import type { Core } from '@strapi/strapi';
import { healthDecision, type HealthProblem as DomainProblem } from '../domain';
import { cronState } from '../cron';
import { schedulerRunRepository, type SchedulerRunRow } from '../repositories/scheduler-runs';
import { messageRepository } from '../repositories/messages';
import { toDate } from '../utils/dates';
import { getService } from '../utils/plugin';
import { MAX_ATTEMPTS } from './messages';
import type { HealthProblem, HealthReport, SchedulerRunSummary } from '../contract';

const iso = (value: unknown): string | null => toDate(value)?.toISOString() ?? null;

/** What is wrong and how to fix it, in English (the admin shows its own translation of each code). */
const MESSAGES: Record<DomainProblem['code'], string> = {
  'strapi-cron-disabled':
    "Strapi's cron is off (server.cron.enabled is false): no scheduled work runs. Set cron: { enabled: true } in config/server and restart.",
  'plugin-cron-disabled':
    "The plugin's cron is off (subscriptions config cron.enabled is false, or every step is switched off): set cron.enabled to true in config/plugins and restart, or make sure another process runs the scheduler.",
  'invalid-cron-rule':
    'A cron rule of the subscriptions plugin (cron.rule or cron.jobs.<step>.rule in config/plugins) cannot be read, so Strapi does not schedule it: fix the rule (e.g. "*/1 * * * *") and restart.',
  'no-run':
    'The scheduler has never completed a run: subscriptions are not activated or ended, reminders and e-mails are not sent. Check that cron is on and read the server log for "subscriptions scheduler".',
  stale:
    'No scheduler run has completed for more than 3 cron intervals: subscriptions are not activated or ended, reminders and e-mails are not sent. Check that the server runs, that cron is on, and read the server log for "subscriptions scheduler".',
};

const summary = (row: SchedulerRunRow | null, withFailure: boolean): SchedulerRunSummary | null =>
  row
    ? {
        startedAt: iso(row.startedAt),
        finishedAt: iso(row.finishedAt),
        host: row.host,
        pid: Number(row.pid),
        steps: row.steps ?? [],
        figures: row.figures ?? {},
        errors: Number(row.errors ?? 0),
        failed: row.failure !== null && row.failure !== undefined,
        ...(withFailure ? { failure: row.failure ?? null } : {}),
      }
    : null;

/**
 * The scheduler's health: the last runs (from the run log every run writes), the outbox backlog,
 * and the domain's decision from the cron configuration of this process.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runs = schedulerRunRepository(strapi);
  const outbox = messageRepository(strapi);

  /**
   * The report at `now` (the clock's unless given). `withFailure`: include the error message of a
   * failed run (the admin); the content API leaves it out (it may name rows or members).
   */
  const report = async (options: { now?: Date; withFailure?: boolean } = {}): Promise<HealthReport> => {
    const now = options.now ?? getService(strapi, 'clock').now();
    const cron = cronState(strapi, now);
    const [{ last, lastCompleted }, backlog] = await Promise.all([runs.latest(), outbox.backlog(MAX_ATTEMPTS)]);
    const decision = healthDecision({
      now,
      intervalMs: cron.intervalMs,
      lastCompletedAt: toDate(lastCompleted?.finishedAt),
      strapiCronEnabled: cron.strapiCronEnabled,
      pluginCronEnabled: cron.pluginCronEnabled,
    });
    const oldest = toDate(backlog.oldestPendingAt);
    const problems: HealthProblem[] = decision.problems.map((p) => ({
      code: p.code,
      message: MESSAGES[p.code],
      ...(p.lastRunAt ? { lastRunAt: p.lastRunAt.toISOString() } : {}),
      ...(p.staleSince ? { staleSince: p.staleSince.toISOString() } : {}),
    }));
    return {
      ok: decision.ok,
      now: now.toISOString(),
      lastRun: summary(last, !!options.withFailure),
      lastCompletedRun: summary(lastCompleted, !!options.withFailure),
      backlog: {
        pending: backlog.pending,
        failed: backlog.failed,
        failedForGood: backlog.failedForGood,
        oldestPendingAt: oldest?.toISOString() ?? null,
        oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : null,
      },
      problems,
      cron: {
        strapiCronEnabled: cron.strapiCronEnabled,
        pluginCronEnabled: cron.pluginCronEnabled,
        rules: cron.rules,
        intervalSeconds: cron.intervalMs === null ? null : Math.round(cron.intervalMs / 1000),
        staleAfterSeconds: decision.staleAfterMs === null ? null : Math.round(decision.staleAfterMs / 1000),
      },
    };
  };

  return { report };
};
