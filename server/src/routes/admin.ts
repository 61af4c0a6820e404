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
    // A subscription's history (issue 17): every change, before → after, and why.
    {
      method: 'GET',
      path: '/subscriptions/:documentId/history',
      handler: 'subscriptions.history',
      config: guard(ACTIONS.read),
    },
    // A member's personal data (GDPR): one JSON file of everything held about them, and erasure.
    { method: 'GET', path: '/members/:id/export', handler: 'members.exportData', config: guard(ACTIONS.membersGdpr) },
    { method: 'POST', path: '/members/:id/erase', handler: 'members.erase', config: guard(ACTIONS.membersGdpr) },
    { method: 'GET', path: '/email-templates', handler: 'emails.templates', config: guard(ACTIONS.settingsRead) },
    // Admin panel pages (issue 5): tracking, offers' subscribers and rules, logs, e-mail tools.
    // Scheduler health (issue 16): the banner of every page and the Tracking page's last run.
    { method: 'GET', path: '/health', handler: 'health.admin', config: guard(ACTIONS.read) },
    { method: 'GET', path: '/overview', handler: 'tracking.overview', config: guard(ACTIONS.read) },
    { method: 'GET', path: '/subscriptions', handler: 'tracking.list', config: guard(ACTIONS.read) },
    { method: 'GET', path: '/subscriptions/export', handler: 'tracking.export', config: guard(ACTIONS.read) },
    // Revenue figures (issue 17): payments, refunds, MRR, new and churned members per month.
    { method: 'GET', path: '/subscriptions/revenue', handler: 'tracking.revenue', config: guard(ACTIONS.read) },
    // CSV import (issue 17): dry run by default, then apply; the CSV is the body (text/csv).
    { method: 'POST', path: '/import', handler: 'import.run', config: guard(ACTIONS.subscribersManage) },
    // What happens next (issue 16): the scheduler's transitions and reminders of a window, read-only.
    { method: 'GET', path: '/preview', handler: 'preview.preview', config: guard(ACTIONS.read) },
    {
      method: 'PUT',
      path: '/subscriptions/:documentId/dates',
      handler: 'offerAdmin.editDates',
      config: guard(ACTIONS.subscribersManage),
    },
    { method: 'GET', path: '/offers', handler: 'offerAdmin.list', config: guard(ACTIONS.read) },
    { method: 'GET', path: '/offers/:documentId', handler: 'offerAdmin.detail', config: guard(ACTIONS.read) },
    {
      method: 'POST',
      path: '/offers/:documentId/subscribers',
      handler: 'offerAdmin.addSubscriber',
      config: guard(ACTIONS.subscribersManage),
    },
    {
      method: 'POST',
      path: '/offers/:documentId/rules',
      handler: 'offerAdmin.createRule',
      config: guard(ACTIONS.subscribersManage),
    },
    {
      method: 'PUT',
      path: '/offers/:documentId/rules/:ruleId',
      handler: 'offerAdmin.updateRule',
      config: guard(ACTIONS.subscribersManage),
    },
    {
      method: 'DELETE',
      path: '/offers/:documentId/rules/:ruleId',
      handler: 'offerAdmin.deleteRule',
      config: guard(ACTIONS.subscribersManage),
    },
    { method: 'GET', path: '/users', handler: 'offerAdmin.searchUsers', config: guard(ACTIONS.subscribersManage) },
    { method: 'GET', path: '/roles', handler: 'offerAdmin.roles', config: guard(ACTIONS.settingsRead) },
    { method: 'GET', path: '/payment-events', handler: 'logs.paymentEvents', config: guard(ACTIONS.read) },
    // Re-apply a payment event an admin fixed (an unmapped product, once mapped): once per event.
    { method: 'POST', path: '/payment-events/:id/replay', handler: 'logs.replay', config: guard(ACTIONS.manage) },
    { method: 'GET', path: '/messages', handler: 'logs.messages', config: guard(ACTIONS.read) },
    { method: 'POST', path: '/settings/preview', handler: 'emails.preview', config: guard(ACTIONS.settingsRead) },
    { method: 'POST', path: '/settings/test-email', handler: 'emails.sendTest', config: guard(ACTIONS.settingsUpdate) },
    // Staging safe mode (issue 16): its state for the banner, and "this is the live site".
    { method: 'GET', path: '/safe-mode', handler: 'safeMode.state', config: guard(ACTIONS.read) },
    { method: 'POST', path: '/safe-mode/confirm', handler: 'safeMode.confirm', config: guard(ACTIONS.settingsUpdate) },
  ],
};
