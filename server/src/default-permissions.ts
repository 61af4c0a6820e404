import type { Core } from '@strapi/strapi';
import { offerRepository } from './repositories/offers';
import { permissionRepository } from './repositories/permissions';

/**
 * On first install, open the offers list, "my subscriptions" and member self-service (take a
 * free offer, cancel one's subscription) to Public and Authenticated. The member routes are open
 * to Public only so that an anonymous caller gets the route's own 401 ("log in") rather than
 * users-permissions' 403; they never show or change anything without a user.
 * Each action is granted once per role (remembered in the plugin store), so an admin who revokes
 * one later is not overruled on the next restart, and an action a new version adds is granted
 * once on the upgrade. The health check (`plugin::subscriptions.health.check`) is granted to no
 * role: monitoring gets it through an API token made for it.
 */
const MEMBER_ACTIONS = [
  'plugin::subscriptions.offers.find',
  'plugin::subscriptions.me.find',
  'plugin::subscriptions.offers.subscribe',
  'plugin::subscriptions.me.cancel',
];

const GRANTS: Record<string, string[]> = { public: MEMBER_ACTIONS, authenticated: MEMBER_ACTIONS };

/** What versions before self-service granted, remembered then as one date per role. */
const FIRST_ACTIONS = MEMBER_ACTIONS.slice(0, 2);

/** The actions of `actions` not yet granted to `key` (a role type or id) by this plugin. */
const notYetGranted = (done: Record<string, string>, key: string, actions: string[]) =>
  actions.filter((action) => !done[`${key} ${action}`] && !(done[key] && FIRST_ACTIONS.includes(action)));

/**
 * Members hold the roles offers grant, not Authenticated: each such role gets the same
 * member routes ("my subscriptions", the offers list) the first time an offer grants it.
 */
export const grantMemberPermissions = async (strapi: Core.Strapi, roleId: number) => {
  const store = strapi.store({ type: 'plugin', name: 'subscriptions', key: 'member-role-permissions' });
  const done = ((await store.get()) ?? {}) as Record<string, string>;
  const pending = notYetGranted(done, String(roleId), MEMBER_ACTIONS);
  if (pending.length === 0) return;
  const permissions = permissionRepository(strapi);
  const at = new Date().toISOString();
  for (const action of pending) {
    await permissions.ensurePermission(roleId, action);
    done[`${roleId} ${action}`] = at;
  }
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
  const pending = Object.keys(GRANTS).filter((type) => notYetGranted(done, type, GRANTS[type]).length > 0);
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
    const at = new Date().toISOString();
    for (const action of notYetGranted(done, type, GRANTS[type])) {
      await permissions.ensurePermission(roleId, action);
      done[`${type} ${action}`] = at;
    }
  }
  await store.set({ value: done });
};
