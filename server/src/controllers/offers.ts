import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';

/** The public fields of an offer: what a pricing page shows, nothing internal. */
export const PUBLIC_OFFER_FIELDS = ['documentId', 'title', 'description', 'duration', 'period', 'price', 'currency'] as const;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    const offers = await strapi.db.query(UID.offer).findMany({
      where: { available: true },
      select: [...PUBLIC_OFFER_FIELDS],
      orderBy: [{ price: 'asc' }, { id: 'asc' }],
    });
    ctx.body = {
      data: offers.map((o: Record<string, unknown>) => ({
        ...Object.fromEntries(PUBLIC_OFFER_FIELDS.map((f) => [f, o[f] ?? null])),
        price: o.price === null || o.price === undefined ? null : Number(o.price),
      })),
    };
  },
});
