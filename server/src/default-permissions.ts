import type { Core } from '@strapi/strapi';
import { offerRepository } from './repositories/offers';
import { permissionRepository } from './repositories/permissions';

/**
 * On first install, open the offers list and "my subscriptions" to Public and Authenticated.
 * "My subscriptions" is open to Public only so that an anonymous caller gets the route's own
 * 401 ("log in") rather than users-permissions' 403; it never shows anything without a user.
 * Done once per role (remembered in the plugin store), so an admin who revokes them later is
 * not overruled on the next restart. The health check (`plugin::subscriptions.health.check`) is
 * granted to no role: monitoring gets it through an API token made for it.
 */
const GRANTS: Record<string, string[]> = {
  public: ['plugin::subscriptions.offers.find', 'plugin::subscriptions.me.find'],
  authenticated: ['plugin::subscriptions.offers.find', 'plugin::subscriptions.me.find'],
};

const MEMBER_ACTIONS = GRANTS.authenticated;

/**
 * Members hold the roles offers grant, not Authenticated: each such role gets the same
 * member routes ("my subscriptions", the offers list) the first time an offer grants it.
 */
export const grantMemberPermissions = async (strapi: Core.Strapi, roleId: number) => {
  const store = strapi.store({ type: 'plugin', name: 'subscriptions', key: 'member-role-permissions' });
  const done = ((await store.get()) ?? {}) as Record<string, string>;
  if (done[String(roleId)]) return;
  const permissions = permissionRepository(strapi);
  for (const action of MEMBER_ACTIONS) await permissions.ensurePermission(roleId, action);
  done[String(roleId)] = new Date().toISOString();
  await store.set({ value: done });
};

export const grantPermissionsToOfferRoles = async (strapi: Core.Strapi) => {
  for (const roleId of await offerRepository(strapi).grantedRoleIds()) {
    await grantMemberPermissions(strapi, roleId);
  }
};

export const grantDefaultPermissions = async (strapi: Core.Strapi) => {
  const store = strapi.store({ type: 'plugin', name: 'subscriptions', key: 'default-permissions' });
  const done = ((await store.get()) ?? {}) as Record<string, string>;
  const pending = Object.keys(GRANTS).filter((type) => !done[type]);
  if (pending.length === 0) return;
  const permissions = permissionRepository(strapi);

  // On a new database this plugin can boot before users-permissions has created its roles.
  // Let users-permissions initialise itself first (it is idempotent): it only seeds its own
  // default permissions (login, register…) when it finds no permission at all, so granting
  // ours first would leave a fresh site without a login route.
  if ((await permissions.countRolesOfTypes(pending)) < pending.length) {
    await strapi.plugin('users-permissions').service('users-permissions').initialize();
  }

  for (const type of pending) {
    const roleId = await permissions.roleIdOfType(type);
    if (roleId === null) continue;
    for (const action of GRANTS[type]) await permissions.ensurePermission(roleId, action);
    done[type] = new Date().toISOString();
  }
  await store.set({ value: done });
};
