import type { Core } from '@strapi/strapi';

/** The link table behind a relation attribute, as Strapi's metadata describes it. */
export interface JoinTable {
  name: string;
  joinColumn: { name: string };
  inverseJoinColumn: { name: string };
}

/**
 * For the few writes done with plain statements where Strapi's relation update would unlink,
 * relink and reorder (a member's role, a new ledger row's or outbox row's links).
 */
export const joinTableOf = (strapi: Core.Strapi, uid: string, attribute: string): JoinTable =>
  (strapi.db.metadata.get(uid as never).attributes as Record<string, any>)[attribute].joinTable as JoinTable;
