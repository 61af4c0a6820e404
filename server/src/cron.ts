import type { Core } from '@strapi/strapi';
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
