/** Admin panel actions (RBAC). Each admin route names the one it needs. */
export const ACTIONS = {
  read: 'plugin::subscriptions.read',
  manage: 'plugin::subscriptions.manage',
  settingsRead: 'plugin::subscriptions.settings.read',
  settingsUpdate: 'plugin::subscriptions.settings.update',
  subscribersManage: 'plugin::subscriptions.subscribers.manage',
  membersGdpr: 'plugin::subscriptions.members.gdpr',
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
    // Its own action (not `manage`): exporting and erasing a member's personal data is rarer and
    // weightier than renewing a subscription, and a data-protection officer may hold only this.
    section: 'plugins',
    displayName: "Export and erase a member's personal data (GDPR)",
    uid: 'members.gdpr',
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
