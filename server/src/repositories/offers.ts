import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { OfferRow } from './mappers';
import { entityFrom, linkOf, run, selectAs, tableOf, toColumns } from './sql';

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
    return findOne(where);
  };

  /** One offer with the role it grants, in one joined query. */
  const findOne = async (where: Record<string, unknown>): Promise<OfferRow | null> => {
    const role = linkOf(strapi, UID.offer, 'role');
    const row = (await run(strapi, (knex) =>
      knex(`${tableOf(strapi, UID.offer)} as o`)
        .leftJoin(`${role.name} as r`, `r.${role.joinColumn.name}`, 'o.id')
        .select([...selectAs(strapi, UID.offer, 'o', 'o'), `r.${role.inverseJoinColumn.name} as role_id`])
        .where(Object.fromEntries(Object.entries(toColumns(strapi, UID.offer, where)).map(([k, v]) => [`o.${k}`, v])))
        .orderBy('o.id')
        .first()
    )) as Record<string, unknown> | undefined;
    if (!row) return null;
    const offer = entityFrom<OfferRow>(strapi, UID.offer, row, 'o')!;
    offer.role = row.role_id === null || row.role_id === undefined ? null : { id: Number(row.role_id) };
    return offer;
  };

  const findByProductId = async (productId: string): Promise<OfferRow | null> => findOne({ click2sellProductId: productId });

  /** The oldest offer with this exact title (titles are not unique: a CSV import names offers by title too). */
  const findByTitle = async (title: string): Promise<OfferRow | null> => findOne({ title });

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

  return { findByRef, findByProductId, findByTitle, grantedRoleIds, listPublic };
};

export type OfferRepository = ReturnType<typeof offerRepository>;
