import type { Core } from '@strapi/strapi';
import { isFree } from '../domain';
import { offerRepository } from '../repositories/offers';
import { getService } from '../utils/plugin';
import { memberHandle } from '../utils/member-errors';
import { memberOf, mySubscriptionOf } from './me';
import type { FreeOfferResponse, PublicOffer, PublicOffersResponse } from '../contract';

/** The public fields of an offer: what a pricing page shows, nothing internal. */
export const PUBLIC_OFFER_FIELDS = ['documentId', 'title', 'description', 'duration', 'period', 'price', 'currency', 'checkoutUrl'] as const;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    const offers = await offerRepository(strapi).listPublic(PUBLIC_OFFER_FIELDS);
    ctx.body = {
      data: offers.map((o) => {
        const price = o.price === null || o.price === undefined ? null : Number(o.price);
        return {
          ...(Object.fromEntries(PUBLIC_OFFER_FIELDS.map((f) => [f, o[f] ?? null])) as Omit<PublicOffer, 'free'>),
          price,
          free: isFree(price),
        };
      }),
    } satisfies PublicOffersResponse;
  },

  /** POST /offers/:documentId/subscribe — a member takes a free offer (201). */
  subscribe: memberHandle(async (ctx: any) => {
    const user = memberOf(ctx, 'Log in to take this offer');
    const { action, subscription, now } = await getService(strapi, 'selfService').takeFreeOffer(user.id, String(ctx.params.documentId));
    ctx.status = 201;
    ctx.body = {
      data: mySubscriptionOf(subscription, now, await getService(strapi, 'settings').get()),
      meta: { action },
    } satisfies FreeOfferResponse;
  }),
});
