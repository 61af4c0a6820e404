import type { Core } from '@strapi/strapi';
import { Cron } from 'croner';
import type { PluginConfig } from './config';
import { getService } from './utils/plugin';
import { SCHEDULER_STEPS, type SchedulerStep } from './services/scheduler';

export const CRON_JOB_NAME = 'subscriptions-scheduler';

/** The cron jobs to register: steps that share a rule run as one job, in their usual order. */
export const cronJobsFor = (cron: Partial<PluginConfig['cron']>): { name: string; rule: string; steps: SchedulerStep[] }[] => {
  const byRule = new Map<string, SchedulerStep[]>();
  for (const step of SCHEDULER_STEPS) {
    const own = cron.jobs?.[step] ?? {};
    if (!(own.enabled ?? cron.enabled ?? true)) continue;
    const rule = own.rule ?? cron.rule ?? '*/1 * * * *';
    byRule.set(rule, [...(byRule.get(rule) ?? []), step]);
  }
  return [...byRule.entries()].map(([rule, steps]) => ({
    name: steps.length === SCHEDULER_STEPS.length ? CRON_JOB_NAME : `${CRON_JOB_NAME}-${steps.join('-')}`,
    rule,
    steps,
  }));
};

/** Occurrences looked at to find a rule's longest gap (a weekday rule: Friday to Monday). */
const LOOKAHEAD_RUNS = 16;

/**
 * The longest time between two runs `rule` asks for, read the way Strapi's cron reads it
 * (croner, the process's time zone), over its next occurrences after `from`.
 */
export const cronIntervalMs = (rule: string, from: Date): number => {
  const runs = new Cron(rule, { paused: true, sloppyRanges: true }).nextRuns(LOOKAHEAD_RUNS, from);
  let longest = 0;
  for (let i = 1; i < runs.length; i += 1) longest = Math.max(longest, runs[i].getTime() - runs[i - 1].getTime());
  if (runs.length > 0) longest = Math.max(longest, runs[0].getTime() - from.getTime());
  if (longest <= 0) throw new Error(`cron rule "${rule}" never fires again`);
  return longest;
};

/** What the health check needs of the cron configuration of this process. */
export interface CronState {
  strapiCronEnabled: boolean;
  pluginCronEnabled: boolean;
  /** The rule of every job the plugin registers (or, none registered, the configured `cron.rule`). */
  rules: string[];
  /** The longest interval of those rules, in ms; null when one cannot be read (Strapi does not schedule it). */
  intervalMs: number | null;
}

const readableInterval = (rule: string, now: Date): number | null => {
  try {
    return cronIntervalMs(rule, now);
  } catch {
    return null;
  }
};

export const cronState = (strapi: Core.Strapi, now: Date): CronState => {
  const cron = (strapi.plugin('subscriptions').config('cron') ?? {}) as Partial<PluginConfig['cron']>;
  const jobs = cronJobsFor(cron);
  const rules = jobs.length > 0 ? [...new Set(jobs.map((job) => job.rule))] : [cron.rule ?? '*/1 * * * *'];
  return {
    // Strapi's own default (providers/cron.js) when server.cron.enabled is not set.
    strapiCronEnabled: strapi.config.get<unknown>('server.cron.enabled', true) !== false,
    pluginCronEnabled: jobs.length > 0,
    rules,
    intervalMs: rules.reduce<number | null>((longest, rule) => {
      const interval = readableInterval(rule, now);
      return longest === null || interval === null ? null : Math.max(longest, interval);
    }, 0),
  };
};

const registered: string[] = [];

/**
 * Registers the scheduled work with Strapi cron (it runs in every process; the scheduler makes
 * that safe): by default one job running every step every minute. The plugin config switches it
 * off (`cron.enabled: false`) or gives a step its own switch and rule (`cron.jobs.<step>`);
 * Strapi's own `server.cron.enabled` must also be on for any job to fire.
 */
export const registerCron = (strapi: Core.Strapi) => {
  const cron = (strapi.plugin('subscriptions').config('cron') ?? {}) as Partial<PluginConfig['cron']>;
  for (const job of cronJobsFor(cron)) {
    strapi.cron.add({
      [job.name]: { task: () => getService(strapi, 'scheduler').tick(job.steps), options: { rule: job.rule } },
    });
    registered.push(job.name);
  }
};

export const unregisterCron = (strapi: Core.Strapi) => {
  for (const name of registered.splice(0)) strapi.cron?.remove?.(name);
};
