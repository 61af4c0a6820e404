import { ACTIONS } from '../permissions';

const guard = (action: string) => ({
  policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [action] } }],
});

export default {
  type: 'admin',
  routes: [
    { method: 'GET', path: '/settings', handler: 'settings.get', config: guard(ACTIONS.settingsRead) },
    { method: 'PUT', path: '/settings', handler: 'settings.update', config: guard(ACTIONS.settingsUpdate) },
    {
      method: 'POST',
      path: '/subscriptions/:documentId/renew',
      handler: 'subscriptions.renew',
      config: guard(ACTIONS.manage),
    },
    {
      method: 'POST',
      path: '/subscriptions/:documentId/cancel',
      handler: 'subscriptions.cancel',
      config: guard(ACTIONS.manage),
    },
    {
      method: 'POST',
      path: '/subscriptions/:documentId/refund',
      handler: 'subscriptions.refund',
      config: guard(ACTIONS.manage),
    },
    { method: 'GET', path: '/messages', handler: 'messages.list', config: guard(ACTIONS.read) },
    { method: 'GET', path: '/email-templates', handler: 'messages.templates', config: guard(ACTIONS.settingsRead) },
  ],
};
