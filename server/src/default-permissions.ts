import type { Core } from '@strapi/strapi';

/**
 * On first install, open the offers list and "my subscriptions" to Public and Authenticated.
 * "My subscriptions" is open to Public only so that an anonymous caller gets the route's own
 * 401 ("log in") rather than users-permissions' 403; it never shows anything without a user. Done once per role (remembered in the plugin store), so an admin who revokes
 * them later is not overruled on the next restart.
 *
 * On a brand-new database this plugin may boot before users-permissions has created its roles;
 * the grant then happens when users-permissions creates them.
 */
const GRANTS: Record<string, string[]> = {
  public: ['plugin::subscriptions.offers.find', 'plugin::subscriptions.me.find'],
  authenticated: ['plugin::subscriptions.offers.find', 'plugin::subscriptions.me.find'],
};

const ROLE = 'plugin::users-permissions.role';
const PERMISSION = 'plugin::users-permissions.permission';

export const grantDefaultPermissions = async (strapi: Core.Strapi) => {
  const store = strapi.store({ type: 'plugin', name: 'subscriptions', key: 'default-permissions' });
  const done = ((await store.get()) ?? {}) as Record<string, string>;

  const grant = async (role: { id: number; type: string }) => {
    for (const action of GRANTS[role.type] ?? []) {
      const exists = await strapi.db.query(PERMISSION).findOne({ where: { action, role: { id: role.id } } });
      if (!exists) await strapi.db.query(PERMISSION).create({ data: { action, role: role.id } });
    }
    done[role.type] = new Date().toISOString();
    await store.set({ value: done });
  };

  const pending = new Set(Object.keys(GRANTS).filter((type) => !done[type]));
  for (const type of [...pending]) {
    const role = await strapi.db.query(ROLE).findOne({ where: { type } });
    if (role) {
      await grant(role);
      pending.delete(type);
    }
  }
  if (pending.size === 0) return;
  strapi.db.lifecycles.subscribe({
    models: [ROLE],
    async afterCreate(event: { result?: { id: number; type: string } }) {
      const role = event.result;
      if (role && pending.has(role.type)) {
        pending.delete(role.type);
        await grant(role);
      }
    },
  });
};
