import type { Core } from '@strapi/strapi';
import { SUBSCRIPTION_EVENTS } from './services/subscriptions';
import { ADMIN_ACTIONS } from './permissions';
import { grantDefaultPermissions, grantPermissionsToOfferRoles } from './default-permissions';
import { ensureIndexes } from './database/indexes';
import { ensureLockTable } from './database/locks';
import { useReadCommittedOnMysql } from './database/isolation';
import { registerCron } from './cron';
import { UID } from './content-types';
import { getService } from './utils/plugin';

const bootstrap = async ({ strapi }: { strapi: Core.Strapi }) => {
  useReadCommittedOnMysql(strapi);
  await ensureIndexes(strapi);
  await ensureLockTable(strapi);
  await getService(strapi, 'click2sell').backfillMeanings();
  await getService(strapi, 'click2sell').backfillPrices();

  // Offer the plugin's events in Settings → Webhooks.
  const webhookStore = strapi.get('webhookStore') as { addAllowedEvent(key: string, value: string): void };
  for (const event of SUBSCRIPTION_EVENTS) {
    webhookStore.addAllowedEvent(event.replace(/^subscriptions\./, 'SUBSCRIPTIONS_').replace(/\./g, '_').toUpperCase(), event);
  }

  await strapi.service('admin::permission').actionProvider.registerMany(ADMIN_ACTIONS as never);
  await grantDefaultPermissions(strapi);
  await grantPermissionsToOfferRoles(strapi);
  // Staging safe mode: the first production boot records the live site's host.
  await getService(strapi, 'safeMode').recordFirstBoot();
  registerCron(strapi);

  // The roles service caches which roles offers grant and the fallback role: any write to an
  // offer or a role (Content Manager, admin API, another plugin's db query) drops that cache.
  const invalidate = () => getService(strapi, 'roles').invalidate();
  strapi.db.lifecycles.subscribe({
    models: [UID.offer, UID.role],
    afterCreate: invalidate,
    afterCreateMany: invalidate,
    afterUpdate: invalidate,
    afterUpdateMany: invalidate,
    afterDelete: invalidate,
    afterDeleteMany: invalidate,
  });

  // A users-permissions user deleted by any path (Content Manager, /api/users/:id, another
  // plugin's document or query delete) ends or deletes their subscriptions before the row goes.
  const forgetUsers = async (event: { params?: { where?: unknown } }) => {
    const deleted = getService(strapi, 'deletedMembers');
    await deleted.forget(await deleted.usersWhere(event.params?.where));
  };
  strapi.db.lifecycles.subscribe({
    models: [UID.user],
    beforeDelete: forgetUsers,
    beforeDeleteMany: forgetUsers,
  });
};

export default bootstrap;
