import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { Source, SubscriptionDates } from '../domain';
import { columnsOf, SUBSCRIPTION_POPULATE, type OfferRow, type SubscriptionRow } from './mappers';
import { checkColumn, chunks, columnOf, dialectOf, entityFrom, linkOf, run, scalarColumns, selectAs, tableOf, toColumns } from './sql';

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
/** Due subscriptions per page (and per transaction) of the lifecycle step (activation, expiry, grace). */
export const LIFECYCLE_PAGE_SIZE = 1000;

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
    // Strapi's create writes the links (and the offer's ordering); its row comes back without
    // relations: the write path attaches the member and the offer it already holds.
    (await query().create({
      data: { ...columnsOf(input.dates), user: input.userId, offer: input.offerId, source: input.source, ...(input.purchase ?? {}) },
    })) as SubscriptionRow;

  /** Writes what the caller computed; nothing is read back. */
  const update = async (id: number, dates: SubscriptionDates, extra: Record<string, unknown> = {}) => {
    await query().update({ where: { id }, data: { ...columnsOf(dates), ...extra }, select: ['id'] });
  };

  const remove = async (id: number) => {
    await query().delete({ where: { id } });
  };

  /**
   * Keyset pages of the subscriptions matching `where`, with their member and offer, in the order
   * of the date `by` (then id). Ordering by the date the range is on lets the database walk its
   * (status, date) index and stop at the end of the range: ordered by id, PostgreSQL chose, at
   * 1,000,000 rows of which 1% had ended, to walk the whole primary key looking for 500 matches
   * (a run with nothing due: 150–475 ms instead of under 1 ms).
   */
  const pages = async (
    where: Record<string, unknown>,
    visit: (rows: SubscriptionRow[]) => Promise<void>,
    shape: { select?: string[]; populate?: Record<string, unknown>; size?: number },
    by: 'startsAt' | 'endsAt' | 'dueAt' | 'updatedAt'
  ) => {
    const size = shape.size ?? PAGE_SIZE;
    let last: { at: Date; id: number } | null = null;
    for (;;) {
      const after = last ? { $or: [{ [by]: { $gt: last.at } }, { [by]: last.at, id: { $gt: last.id } }] } : {};
      const rows = (await query().findMany({
        where: last ? { $and: [where, after] } : where,
        ...(shape.select ? { select: shape.select.includes(by) ? shape.select : [...shape.select, by] } : {}),
        populate: shape.populate ?? SUBSCRIPTION_POPULATE,
        orderBy: [{ [by]: 'asc' }, { id: 'asc' }],
        limit: size,
      })) as SubscriptionRow[];
      if (rows.length > 0) await visit(rows);
      if (rows.length < size) return;
      const tail = rows[rows.length - 1] as unknown as Record<string, unknown>;
      last = { at: new Date(tail[by] as string), id: Number(tail.id) };
    }
  };

  /**
   * The lifecycle's candidates: only what decides whether a row is due (its dates) and whose it
   * is. The write path reads the members' whole state again under their locks, so a page can be
   * large: each page is one transaction whose writes are a few set-based statements.
   */
  const candidates = { select: ['id', 'status', 'startsAt', 'dueAt', 'endsAt', 'cancelledAt', 'anchorDay', 'createdAt'], populate: { user: { select: ['id'] } }, size: LIFECYCLE_PAGE_SIZE };

  /** What a reminder reads of a subscription: its dates, its member's address, its offer's title. */
  const reminderShape = {
    select: ['id', 'status', 'startsAt', 'dueAt', 'endsAt', 'cancelledAt', 'anchorDay', 'createdAt'],
    populate: { user: { select: ['id', 'email', 'username'] }, offer: { select: ['id', 'documentId', 'title'] } },
  };

  /** Those of these subscriptions that have no member, read again (the scheduler's orphans, in the write's transaction). */
  const withoutMember = async (ids: readonly number[]): Promise<SubscriptionRow[]> => {
    const found: SubscriptionRow[] = [];
    for (const part of chunks([...new Set(ids)], 500)) {
      const rows = (await query().findMany({ where: { id: { $in: part } }, select: candidates.select, populate: candidates.populate, orderBy: { id: 'asc' } })) as SubscriptionRow[];
      found.push(...rows.filter((row) => !row.user));
    }
    return found;
  };

  /** The scheduler's candidates: indexed ranges on status and one date. */
  const due = {
    activation: (now: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ status: 'pending', startsAt: { $lte: now } }, visit, candidates, 'startsAt'),
    expiry: (now: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ status: 'active', endsAt: { $notNull: true, $lte: now } }, visit, candidates, 'endsAt'),
    grace: (paidBefore: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ status: 'active', dueAt: { $notNull: true, $lt: paidBefore } }, visit, candidates, 'dueAt'),
    /** Subscriptions to `offerId` in `statuses` whose end lies in (after, upTo]. */
    endingBetween: (offerId: number, statuses: string[], after: Date, upTo: Date, visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ offer: { id: offerId }, status: { $in: statuses }, endsAt: { $notNull: true, $gt: after, $lte: upTo } }, visit, reminderShape, 'endsAt'),
    /** Subscriptions written since `from` (updated_at, the wall clock) with an end. */
    writtenSince: (from: Date, statuses: string[], visit: (rows: SubscriptionRow[]) => Promise<void>) =>
      pages({ updatedAt: { $gt: from }, status: { $in: statuses }, endsAt: { $notNull: true } }, visit, reminderShape, 'updatedAt'),
  };

  /** The first `limit` rows matching `where` by `column` (then id): one indexed range, bounded. */
  const firstBy = async (where: Record<string, unknown>, column: 'startsAt' | 'endsAt' | 'dueAt', limit: number) =>
    (await query().findMany({
      where,
      select: ['documentId', ...reminderShape.select],
      populate: reminderShape.populate,
      orderBy: [{ [column]: 'asc' }, { id: 'asc' }],
      limit,
    })) as SubscriptionRow[];

  /**
   * The scheduler's preview: the same candidates as `due`, up to an instant, ordered by the date
   * that makes them due and bounded (the caller learns where a cut list stops being complete).
   */
  const upcoming = {
    /** Pending subscriptions starting by `upTo` (activations, and whatever follows them). */
    starts: (upTo: Date, limit: number) => firstBy({ status: 'pending', startsAt: { $lte: upTo } }, 'startsAt', limit),
    /** Active subscriptions whose hard end is at or before `upTo`. */
    ends: (upTo: Date, limit: number) => firstBy({ status: 'active', endsAt: { $notNull: true, $lte: upTo } }, 'endsAt', limit),
    /** Active subscriptions whose paid end is before `paidBefore` (grace). */
    paidEnds: (paidBefore: Date, limit: number) => firstBy({ status: 'active', dueAt: { $notNull: true, $lt: paidBefore } }, 'dueAt', limit),
    /** Subscriptions to `offerId` in `statuses` whose end lies in (after, upTo] (a rule's reminders). */
    endingBetween: (offerId: number, statuses: string[], after: Date, upTo: Date, limit: number) =>
      firstBy({ offer: { id: offerId }, status: { $in: statuses }, endsAt: { $notNull: true, $gt: after, $lte: upTo } }, 'endsAt', limit),
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

  /**
   * Some members as the write path reads them under their locks, in one joined query: each
   * member's own row, current role, and subscriptions (ordered as `listForMember`) with their
   * offers and the role each offer grants. A member missing from the map does not exist.
   */
  const snapshotOf = async (userIds: readonly number[]): Promise<Map<number, MemberSnapshot>> => {
    const users = tableOf(strapi, UID.user);
    const subs = tableOf(strapi, UID.subscription);
    const offers = tableOf(strapi, UID.offer);
    const userRole = linkOf(strapi, UID.user, 'role');
    const subUser = linkOf(strapi, UID.subscription, 'user');
    const subOffer = linkOf(strapi, UID.subscription, 'offer');
    const offerRole = linkOf(strapi, UID.offer, 'role');
    const found = new Map<number, MemberSnapshot>();
    for (const part of chunks([...new Set(userIds)], 500)) {
      const rows = (await run(strapi, (knex) => knex(`${users} as u`)
        .leftJoin(`${userRole.name} as ur`, `ur.${userRole.joinColumn.name}`, 'u.id')
        .leftJoin(`${subUser.name} as su`, `su.${subUser.inverseJoinColumn.name}`, 'u.id')
        .leftJoin(`${subs} as s`, 's.id', `su.${subUser.joinColumn.name}`)
        .leftJoin(`${subOffer.name} as so`, `so.${subOffer.joinColumn.name}`, 's.id')
        .leftJoin(`${offers} as o`, 'o.id', `so.${subOffer.inverseJoinColumn.name}`)
        .leftJoin(`${offerRole.name} as orl`, `orl.${offerRole.joinColumn.name}`, 'o.id')
        .select([
          ...selectAs(strapi, UID.user, 'u', 'u', USER_FIELDS),
          `ur.${userRole.inverseJoinColumn.name} as u__roleId`,
          ...selectAs(strapi, UID.subscription, 's', 's'),
          ...selectAs(strapi, UID.offer, 'o', 'o'),
          `orl.${offerRole.inverseJoinColumn.name} as o__roleId`,
        ])
        .whereIn('u.id', part)
        .orderBy([{ column: 'u.id' }, { column: 's.starts_at' }, { column: 's.id' }]))) as Record<string, unknown>[];
      for (const row of rows) {
        const userId = Number(row.u__id);
        let member = found.get(userId);
        if (!member) {
          const user = entityFrom<MemberSnapshot['user']>(strapi, UID.user, row, 'u', USER_FIELDS)!;
          member = { user, roleId: row.u__roleId === null || row.u__roleId === undefined ? null : Number(row.u__roleId), rows: [] };
          found.set(userId, member);
        }
        const sub = entityFrom<SubscriptionRow>(strapi, UID.subscription, row, 's');
        if (!sub || member.rows.some((r) => r.id === sub.id)) continue;
        const offer = entityFrom<OfferRow>(strapi, UID.offer, row, 'o');
        if (offer) offer.role = row.o__roleId === null || row.o__roleId === undefined ? null : { id: Number(row.o__roleId) };
        member.rows.push({ ...sub, offer, user: member.user });
      }
    }
    return found;
  };

  /**
   * Writes what the write path computed, nothing read back: one statement per group of rows that
   * take the same values (a scheduler page's expiries are one statement). `expect` is what each
   * row held when it was read under the member's lock; a row that no longer holds it is not
   * written, and the call throws (the caller's transaction is rolled back, nothing half-done).
   * Relations (an editor moving a subscription to another offer) go through Strapi's update.
   */
  const writeMany = async (writes: readonly SubscriptionWrite[]) => {
    if (writes.length === 0) return;
    const table = tableOf(strapi, UID.subscription);
    const scalar = new Set(scalarColumns(strapi, UID.subscription).map((c) => c.attribute));
    const groups = new Map<string, { set: Record<string, unknown>; status: string; ids: number[] }>();
    for (const w of writes) {
      if (Object.keys(w.set).some((k) => !scalar.has(k))) {
        await query().update({ where: { id: w.id }, data: w.set, select: ['id'] });
        continue;
      }
      const key = JSON.stringify([w.expectStatus, Object.entries(w.set).map(([k, v]) => [k, v instanceof Date ? v.getTime() : v])]);
      const group = groups.get(key) ?? { set: w.set, status: w.expectStatus, ids: [] };
      group.ids.push(w.id);
      groups.set(key, group);
    }
    const updatedAt = new Date();
    await strapi.db.transaction(async ({ trx }) => {
      for (const group of groups.values()) {
        const columns = toColumns(strapi, UID.subscription, { ...group.set, updatedAt });
        for (const ids of chunks(group.ids, 500)) {
          const status = columnOf(strapi, UID.subscription, 'status');
          const statement = trx(table).whereIn('id', ids).andWhere(checkColumn(strapi, trx as unknown as Parameters<typeof checkColumn>[1], status, group.status)).update(columns);
          // MySQL has no RETURNING and counts only rows whose values changed: its check is the lock alone.
          if (dialectOf(strapi) === 'mysql') {
            await statement;
            continue;
          }
          const written = ((await statement.returning('id')) as unknown[]).length;
          if (written !== ids.length) {
            throw new Error(`subscriptions ${ids.join(', ')}: ${ids.length - written} changed since they were read under the member's lock`);
          }
        }
      }
    });
  };

  /**
   * Anonymises the subscriptions of members being deleted: their member link removed and the
   * buyer's name cleared. Returns how many subscriptions lost their member.
   */
  const unlinkMembers = async (userIds: readonly number[]): Promise<number> => {
    if (userIds.length === 0) return 0;
    const link = linkOf(strapi, UID.subscription, 'user');
    const table = tableOf(strapi, UID.subscription);
    return run(strapi, async (knex) => {
      let unlinked = 0;
      for (const part of chunks([...new Set(userIds)], 500)) {
        const ids = ((await knex(link.name).select(link.joinColumn.name).whereIn(link.inverseJoinColumn.name, part)) as Record<string, unknown>[]).map(
          (r) => Number(r[link.joinColumn.name])
        );
        for (const some of chunks(ids, 500)) {
          await knex(table).whereIn('id', some).update(toColumns(strapi, UID.subscription, { buyerName: null, updatedAt: new Date() }));
        }
        await knex(link.name).whereIn(link.inverseJoinColumn.name, part).delete();
        unlinked += ids.length;
      }
      return unlinked;
    });
  };

  return { unlinkMembers, withoutMember, findByRef, memberOf, listForMember, listForMembers, snapshotOf, insert, update, writeMany, remove, due, upcoming, membersOfOffer };
};

const USER_FIELDS = ['id', 'documentId', 'email', 'username'] as const;

/** A member as `snapshotOf` reads them. */
export interface MemberSnapshot {
  user: { id: number; documentId: string; email: string; username: string };
  /** The member's users-permissions role now (null: none). */
  roleId: number | null;
  rows: SubscriptionRow[];
}

/** One subscription's change: the attributes to set, and the status it must still have. */
export interface SubscriptionWrite {
  id: number;
  expectStatus: string;
  set: Record<string, unknown>;
}

export type SubscriptionRepository = ReturnType<typeof subscriptionRepository>;
