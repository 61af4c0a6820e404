/** The plugin's admin actions, as the server registers them (server/src/permissions.ts). */
const action = (uid: string) => [{ action: `plugin::subscriptions.${uid}`, subject: null }];

export const PERMISSIONS = {
  read: action('read'),
  manage: action('manage'),
  subscribers: action('subscribers.manage'),
  membersGdpr: action('members.gdpr'),
  settingsRead: action('settings.read'),
  settingsUpdate: action('settings.update'),
};
