import type { DataResponse } from './common';

/**
 * The scheduler's health: `GET /subscriptions/health` (admin: the banner and the Tracking page)
 * and `GET /api/subscriptions/health` (content API, for monitoring: 200 healthy, 503 not).
 */

/** What is wrong (each has a fix the admin and README describe). */
export type HealthProblemCode = 'strapi-cron-disabled' | 'plugin-cron-disabled' | 'invalid-cron-rule' | 'no-run' | 'stale';

export interface HealthProblem {
  code: HealthProblemCode;
  /** A sentence in English saying what is wrong and how to fix it (the admin translates by `code`). */
  message: string;
  /** For `stale`: when the last completed run finished, and since when that counts as too old. */
  lastRunAt?: string;
  staleSince?: string;
}

export interface SchedulerRunSummary {
  startedAt: string | null;
  finishedAt: string | null;
  /** The process that ran it. */
  host: string;
  pid: number;
  steps: string[];
  figures: Record<string, number>;
  errors: number;
  /** The run stopped on an error (its message: admin only). */
  failed: boolean;
  failure?: string | null;
}

export interface OutboxBacklog {
  /** Messages waiting to be sent (new, or being sent). */
  pending: number;
  /** Messages whose last try failed (retried after a back-off while attempts are left). */
  failed: number;
  /** Failed messages with no attempt left. */
  failedForGood: number;
  oldestPendingAt: string | null;
  /** Age of the oldest waiting message, in seconds (null when none waits). */
  oldestPendingAgeSeconds: number | null;
}

export interface HealthReport {
  ok: boolean;
  now: string;
  /** The last run that finished (completed or failed), in any process. */
  lastRun: SchedulerRunSummary | null;
  /** The last run that completed. */
  lastCompletedRun: SchedulerRunSummary | null;
  backlog: OutboxBacklog;
  problems: HealthProblem[];
  cron: {
    strapiCronEnabled: boolean;
    pluginCronEnabled: boolean;
    rules: string[];
    /** The longest interval between runs the rules ask for, in seconds (null: a rule cannot be read). */
    intervalSeconds: number | null;
    /** No completed run for this long (3 intervals) is a problem, in seconds. */
    staleAfterSeconds: number | null;
  };
}

/** `GET /subscriptions/health` (admin). */
export type HealthResponse = DataResponse<HealthReport>;
