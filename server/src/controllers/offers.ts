import type { Core } from '@strapi/strapi';
import { offerRepository } from '../repositories/offers';

/** The public fields of an offer: what a pricing page shows, nothing internal. */
export const PUBLIC_OFFER_FIELDS = ['documentId', 'title', 'description', 'duration', 'period', 'price', 'currency'] as const;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    const offers = await offerRepository(strapi).listPublic(PUBLIC_OFFER_FIELDS);
    ctx.body = {
      data: offers.map((o) => ({
        ...Object.fromEntries(PUBLIC_OFFER_FIELDS.map((f) => [f, o[f] ?? null])),
        price: o.price === null || o.price === undefined ? null : Number(o.price),
      })),
    };
  },
});
