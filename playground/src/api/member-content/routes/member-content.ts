/**
 * Example routes guarded by the plugin's policy: any active subscription, or one to the
 * "Yearly premium" offer (Click2Sell product 1002). The users-permissions role must also be
 * allowed to call them (Settings → Users & Permissions → Roles).
 */
export default {
  routes: [
    {
      method: 'GET',
      path: '/member-content',
      handler: 'member-content.find',
      config: { policies: ['plugin::subscriptions.has-active-subscription'] },
    },
    {
      method: 'GET',
      path: '/member-content/premium',
      handler: 'member-content.premium',
      config: {
        policies: [{ name: 'plugin::subscriptions.has-active-subscription', config: { offers: { click2sellProductIds: ['1002'] } } }],
      },
    },
  ],
};
