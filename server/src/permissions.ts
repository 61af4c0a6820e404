/** Admin panel actions (RBAC). Each admin route names the one it needs. */
export const ACTIONS = {
  read: 'plugin::subscriptions.read',
  manage: 'plugin::subscriptions.manage',
  settingsRead: 'plugin::subscriptions.settings.read',
  settingsUpdate: 'plugin::subscriptions.settings.update',
  subscribersManage: 'plugin::subscriptions.subscribers.manage',
} as const;

export const ADMIN_ACTIONS = [
  { section: 'plugins', displayName: 'Read subscriptions and logs', uid: 'read', pluginName: 'subscriptions' },
  {
    section: 'plugins',
    displayName: 'Renew, cancel and refund subscriptions; re-apply payment events',
    uid: 'manage',
    pluginName: 'subscriptions',
  },
  {
    section: 'plugins',
    displayName: "Manage offers' subscribers and notification rules",
    uid: 'subscribers.manage',
    pluginName: 'subscriptions',
  },
  {
    section: 'plugins',
    displayName: 'Read settings',
    uid: 'settings.read',
    subCategory: 'settings',
    pluginName: 'subscriptions',
  },
  {
    section: 'plugins',
    displayName: 'Change settings',
    uid: 'settings.update',
    subCategory: 'settings',
    pluginName: 'subscriptions',
  },
];
