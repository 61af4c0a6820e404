export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/offers', handler: 'offers.find', config: { policies: [] } },
    { method: 'GET', path: '/me', handler: 'me.find', config: { policies: [] } },
    // Monitoring: an API token (or a role) with plugin::subscriptions.health.check; no role has it by default.
    { method: 'GET', path: '/health', handler: 'health.check', config: { policies: [] } },
    // Member self-service (users-permissions JWT): take a free offer, cancel one's own subscription.
    { method: 'POST', path: '/offers/:documentId/subscribe', handler: 'offers.subscribe', config: { policies: [] } },
    { method: 'POST', path: '/me/subscriptions/:documentId/cancel', handler: 'me.cancel', config: { policies: [] } },
    // Called by Click2Sell, authenticated by the checksum, not by a user.
    { method: 'POST', path: '/click2sell', handler: 'click2sell.notify', config: { auth: false } },
    ...(['GET', 'PUT', 'PATCH', 'DELETE'] as const).map((method) => ({
      method,
      path: '/click2sell',
      handler: 'click2sell.methodNotAllowed',
      config: { auth: false },
    })),
  ],
};
