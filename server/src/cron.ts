import type { Core } from '@strapi/strapi';
import type { PluginConfig } from './config';
import { getService } from './utils/plugin';

export const CRON_JOB_NAME = 'subscriptions-scheduler';

/**
 * Registers the scheduled work with Strapi cron (it runs in every process; the scheduler makes
 * that safe). Off when the plugin config says `cron.enabled: false`; Strapi's own
 * `server.cron.enabled` must also be on for any job to fire.
 */
export const registerCron = (strapi: Core.Strapi) => {
  const cron = (strapi.plugin('subscriptions').config('cron') ?? {}) as Partial<PluginConfig['cron']>;
  if (cron.enabled === false) return;
  strapi.cron.add({
    [CRON_JOB_NAME]: {
      task: () => getService(strapi, 'scheduler').tick(),
      options: { rule: cron.rule ?? '*/1 * * * *' },
    },
  });
};
