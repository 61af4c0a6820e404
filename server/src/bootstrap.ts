import type { Core } from '@strapi/strapi';
import { SUBSCRIPTION_EVENTS } from './services/subscriptions';
import { ADMIN_ACTIONS } from './permissions';
import { grantDefaultPermissions, grantPermissionsToOfferRoles } from './default-permissions';
import { ensureIndexes } from './database/indexes';
import { ensureLockTable } from './database/locks';
import { useReadCommittedOnMysql } from './database/isolation';
import { registerCron } from './cron';

const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  useReadCommittedOnMysql(strapi);
  await ensureIndexes(strapi);
  await ensureLockTable(strapi);

  // Offer the plugin's events in Settings → Webhooks.
  const webhookStore = strapi.get('webhookStore') as { addAllowedEvent(key: string, value: string): void };
  for (const event of SUBSCRIPTION_EVENTS) {
    webhookStore.addAllowedEvent(event.replace(/^subscriptions\./, 'SUBSCRIPTIONS_').replace(/\./g, '_').toUpperCase(), event);
  }

  await strapi.service('admin::permission').actionProvider.registerMany(ADMIN_ACTIONS as never);
  await grantDefaultPermissions(strapi);
  await grantPermissionsToOfferRoles(strapi);
  registerCron(strapi);
};

export default bootstrap;
