import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { OfferRow } from './mappers';

/** Every query on `plugin::subscriptions.offer` the write path and the content API run. */
export const offerRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.offer);

  const findByRef = async (ref: number | string | { id?: number; documentId?: string }): Promise<OfferRow | null> => {
    const where =
      typeof ref === 'object'
        ? ref.id !== undefined
          ? { id: ref.id }
          : { documentId: ref.documentId }
        : typeof ref === 'number' || /^\d+$/.test(ref)
          ? { id: Number(ref) }
          : { documentId: ref };
    return (await query().findOne({ where, populate: { role: { select: ['id'] } } })) as OfferRow | null;
  };

  const findByProductId = async (productId: string): Promise<OfferRow | null> =>
    (await query().findOne({ where: { click2sellProductId: productId }, populate: { role: { select: ['id'] } } })) as OfferRow | null;

  /** Every role some offer grants. */
  const grantedRoleIds = async (): Promise<number[]> => {
    const offers = (await query().findMany({ select: ['id'], populate: { role: { select: ['id'] } } })) as { role?: { id: number } | null }[];
    return [...new Set(offers.map((o) => o.role?.id).filter((id): id is number => typeof id === 'number'))];
  };

  /** Available offers with the fields a pricing page shows. */
  const listPublic = async (fields: readonly string[]) =>
    (await query().findMany({
      where: { available: true },
      select: [...fields],
      orderBy: [{ price: 'asc' }, { id: 'asc' }],
    })) as Record<string, unknown>[];

  return { findByRef, findByProductId, grantedRoleIds, listPublic };
};

export type OfferRepository = ReturnType<typeof offerRepository>;
