import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { Source, SubscriptionDates } from '../domain';
import { columnsOf, SUBSCRIPTION_POPULATE, type SubscriptionRow } from './mappers';

/** A row id (number) or a documentId (string). */
export type Ref = number | string;

export const whereRef = (ref: Ref) =>
  typeof ref === 'number' || /^\d+$/.test(ref) ? { id: Number(ref) } : { documentId: ref };

export interface PurchaseInfo {
  lastPurchaseId?: string | null;
  lastPurchaseAt?: Date | null;
  affiliate?: string | null;
  buyerName?: string | null;
}

/** Rows read per page by the scheduler's keyset pagers. */
export const PAGE_SIZE = 200;

/**
 * Every query on `plugin::subscriptions.subscription`. Inside `strapi.db.transaction` each joins
 * the caller's transaction.
 */
export const subscriptionRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.subscription);

  const findByRef = async (ref: Ref): Promise<SubscriptionRow | null> =>
    (await query().findOne({ where: whereRef(ref), populate: SUBSCRIPTION_POPULATE })) as SubscriptionRow | null;

  /** The member a subscription belongs to (null for an orphan or an unknown ref). */
  const memberOf = async (ref: Ref): Promise<{ subscriptionId: number; userId: number | null } | null> => {
    const row = (await query().findOne({ where: whereRef(ref), select: ['id'], populate: { user: { select: ['id'] } } })) as {
      id: number;
      user?: { id: number } | null;
    } | null;
    return row ? { subscriptionId: row.id, userId: row.user?.id ?? null } : null;
  };

  const listForMember = async (userId: number): Promise<SubscriptionRow[]> =>
    (await query().findMany({
      where: { user: { id: userId } },
      populate: SUBSCRIPTION_POPULATE,
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    })) as SubscriptionRow[];

  /** The subscriptions of several members at once, grouped by member (the scheduler's pages). */
  const listForMembers = async (userIds: readonly number[]): Promise<Map<number, SubscriptionRow[]>> => {
    const byUser = new Map<number, SubscriptionRow[]>(userIds.map((id) => [id, []]));
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = (await query().findMany({
        where: { user: { id: { $in: userIds.slice(i, i + 500) } } },
        populate: SUBSCRIPTION_POPULATE,
        orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
      })) as SubscriptionRow[];
      for (const row of rows) if (row.user) byUser.get(row.user.id)?.push(row);
    }
    return byUser;
  };

  const insert = async (input: {
    userId: number;
    offerId: number;
    dates: SubscriptionDates;
    source: Source;
    purchase?: PurchaseInfo;
  }): Promise<SubscriptionRow> =>
    (await query().create({
      data: { ...columnsOf(input.dates), user: input.userId, offer: input.offerId, source: input.source, ...(input.purchase ?? {}) },
      populate: SUBSCRIPTION_POPULATE,
    })) as SubscriptionRow;

  /** Writes what the caller computed; nothing is read back. */
  const update = async (id: number, dates: SubscriptionDates, extra: Record<string, unknown> = {}) => {
    await query().update({ where: { id }, data: { ...columnsOf(dates), ...extra }, select: ['id'] });
  };

  const remove = async (id: number) => {
    await query().delete({ where: { id } });
  };

  /** Keyset pages of the subscriptions matching `where`, with their member and offer. */
  const pages = async (where: Record<string, unknown>, visit: (rows: SubscriptionRow[]) => Promise<void>) => {
    let lastId = 0;
    for (;;) {
      const rows = (await query().findMany({
        where: { ...where, id: { $gt: lastId } },
        populate: SUBSCRIPTION_POPULATE,
        orderBy: { id: 'asc' },
        limit: PAGE_SIZE,
      })) as SubscriptionRow[];
      if (rows.length > 0) await visit(rows);
      if (rows.length < PAGE_SIZE) return;
      lastId = rows[rows.length - 1].id;
    }
  };

  /** The scheduler's candidates: indexed ranges on status and one date. */
  const due = {
    activation: (now: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ status: 'pending', startsAt: { $lte: now } }, visit),
    expiry: (now: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ status: 'active', endsAt: { $notNull: true, $lte: now } }, visit),
    grace: (paidBefore: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ status: 'active', dueAt: { $notNull: true, $lt: paidBefore } }, visit),
    /** Subscriptions to `offerId` in `statuses` whose end lies in (after, upTo]. */
    endingBetween: (offerId: number, statuses: string[], after: Date, upTo: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ offer: { id: offerId }, status: { $in: statuses }, endsAt: { $notNull: true, $gt: after, $lte: upTo } }, visit),
    /** Subscriptions written since `from` (updated_at, the wall clock) with an end. */
    writtenSince: (from: Date, statuses: string[], visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ updatedAt: { $gt: from }, status: { $in: statuses }, endsAt: { $notNull: true } }, visit),
  };

  /** The members holding a subscription to an offer, a page at a time. */
  const membersOfOffer = async (offerId: number, visit: (userIds: number[]) => Promise<void>) => {
    let lastId = 0;
    for (;;) {
      const rows = (await query().findMany({
        where: { offer: { id: offerId }, id: { $gt: lastId } },
        select: ['id'],
        populate: { user: { select: ['id'] } },
        orderBy: { id: 'asc' },
        limit: 500,
      })) as { id: number; user?: { id: number } | null }[];
      if (rows.length === 0) return;
      lastId = rows[rows.length - 1].id;
      await visit([...new Set(rows.map((r) => r.user?.id).filter((id): id is number => !!id))]);
    }
  };

  return { findByRef, memberOf, listForMember, listForMembers, insert, update, remove, due, membersOfOffer };
};

export type SubscriptionRepository = ReturnType<typeof subscriptionRepository>;
