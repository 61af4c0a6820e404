export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/offers', handler: 'offers.find', config: { policies: [] } },
    { method: 'GET', path: '/me', handler: 'me.find', config: { policies: [] } },
  ],
};
