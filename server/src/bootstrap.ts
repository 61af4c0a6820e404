import type { Core } from '@strapi/strapi';
import { SUBSCRIPTION_EVENTS } from './services/subscriptions';
import { ADMIN_ACTIONS } from './permissions';
import { grantDefaultPermissions } from './default-permissions';
import { ensureIndexes } from './database/indexes';
import { registerCron } from './cron';

const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  await ensureIndexes(strapi);

  // Offer the plugin's events in Settings → Webhooks.
  const webhookStore = strapi.get('webhookStore') as { addAllowedEvent(key: string, value: string): void };
  for (const event of SUBSCRIPTION_EVENTS) {
    webhookStore.addAllowedEvent(event.replace(/^subscriptions\./, 'SUBSCRIPTIONS_').replace(/\./g, '_').toUpperCase(), event);
  }

  await strapi.service('admin::permission').actionProvider.registerMany(ADMIN_ACTIONS as never);
  await grantDefaultPermissions(strapi);
  registerCron(strapi);
};

export default bootstrap;
