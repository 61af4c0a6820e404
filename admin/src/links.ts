/** Addresses the plugin's pages link to or show: none is typed in a component. */

/** The Content Manager's pages. */
export const CONTENT_MANAGER = {
  newOffer: '/admin/content-manager/collection-types/plugin::subscriptions.offer/create',
  user: (documentId: string) =>
    `/admin/content-manager/collection-types/plugin::users-permissions.user/${documentId}`,
};

/** The URL to give Click2Sell (server/src/routes/content-api.ts), on this server. */
export const click2sellNotificationUrl = () =>
  `${(window.strapi as unknown as { backendURL: string }).backendURL}/api/subscriptions/click2sell`;
