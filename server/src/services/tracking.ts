import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { UID } from '../content-types';
import { statusAt, type Status } from '../domain';
import { toDate } from '../utils/dates';
import { getService } from '../utils/plugin';

/**
 * What the admin's Tracking page reads: figures, a chart and filtered, paginated lists of
 * subscriptions. Everything is computed from the subscriptions' dates with SQL (indexed range
 * conditions, COUNT/GROUP BY, LIMIT/OFFSET), never by loading every row, and never from stored
 * counters. "Active at t" means startsAt ≤ t < endsAt (or no end): the same rule as the domain's
 * statusAt, so a status the scheduler has not caught up with yet does not skew the figures.
 */

export const LISTS = ['active', 'pending', 'ended', 'all'] as const;
export type List = (typeof LISTS)[number];
export const FILTER_STATUSES = ['active', 'pending', 'expired', 'cancelled', 'refunded'] as const;

export interface ListQuery {
  list: List;
  search?: string;
  offer?: string; // documentId
  status?: (typeof FILTER_STATUSES)[number];
  source?: string;
  from?: Date; // end date range (inclusive start)
  to?: Date; // end date range (exclusive end)
  page: number;
  pageSize: number;
}

export interface SubscriptionListItem {
  documentId: string;
  status: Status;
  storedStatus: Status;
  startsAt: string | null;
  dueAt: string | null;
  endsAt: string | null;
  cancelledAt: string | null;
  source: string;
  user: { id: number; documentId: string; email: string; username: string } | null;
  offer: { id: number; documentId: string; title: string; duration: number; period: string } | null;
}

const DAY_MS = 86_400_000;

const iso = (value: unknown): string | null => toDate(value)?.toISOString() ?? null;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = (): Knex => strapi.db.connection as unknown as Knex;
  const client = () => strapi.db.dialect.client as string;
  const table = (uid: string) => strapi.db.metadata.get(uid as never).tableName;
  const link = (uid: string, attribute: string) => {
    const attr = strapi.db.metadata.get(uid as never).attributes[attribute] as any;
    const jt = attr.joinTable;
    return { name: jt.name as string, own: jt.joinColumn.name as string, other: jt.inverseJoinColumn.name as string };
  };

  /** A date as the column stores it: SQLite keeps epoch milliseconds, the others datetimes. */
  const dbDate = (date: Date): Date | number => (client() === 'sqlite' ? date.getTime() : date);

  /** Epoch milliseconds of a datetime column, in each dialect's SQL. */
  const epochMs = (column: string): string => {
    if (client() === 'sqlite') return column;
    if (client() === 'postgres') return `(EXTRACT(EPOCH FROM ${column}) * 1000)`;
    return `(UNIX_TIMESTAMP(${column}) * 1000)`;
  };

  /**
   * Subscriptions joined to their user and offer (the link tables Strapi 5 keeps relations in).
   * Counts join only what their filter needs: a COUNT over a million rows should not pay for
   * four joins it does not use.
   */
  const base = (joins: { user: boolean; offer: boolean } = { user: true, offer: true }) => {
    const s = table(UID.subscription);
    const q = knex().from({ s });
    if (joins.user) {
      const su = link(UID.subscription, 'user');
      q.leftJoin({ su: su.name }, `su.${su.own}`, 's.id').leftJoin({ u: table(UID.user) }, 'u.id', `su.${su.other}`);
    }
    if (joins.offer) {
      const so = link(UID.subscription, 'offer');
      q.leftJoin({ so: so.name }, `so.${so.own}`, 's.id').leftJoin({ o: table(UID.offer) }, 'o.id', `so.${so.other}`);
    }
    return q;
  };

  /** The conditions of statusAt(), in SQL, at `now`. */
  const whereStatus = (q: Knex.QueryBuilder, status: string, now: Date) => {
    const n = dbDate(now);
    switch (status) {
      case 'active':
        return q.where('s.starts_at', '<=', n).where((w) => w.whereNull('s.ends_at').orWhere('s.ends_at', '>', n));
      case 'pending':
        return q.where('s.starts_at', '>', n).whereNot('s.status', 'refunded');
      case 'ended':
        return q.where('s.ends_at', '<=', n);
      case 'expired':
        return q.where('s.ends_at', '<=', n).whereNot('s.status', 'refunded').whereNull('s.cancelled_at');
      case 'cancelled':
        return q.where('s.ends_at', '<=', n).whereNot('s.status', 'refunded').whereNotNull('s.cancelled_at');
      case 'refunded':
        return q.where('s.status', 'refunded');
      default:
        return q;
    }
  };

  const applyFilters = (q: Knex.QueryBuilder, query: ListQuery, now: Date) => {
    if (query.list !== 'all') whereStatus(q, query.list, now);
    if (query.status) whereStatus(q, query.status, now);
    if (query.offer) q.where('o.document_id', query.offer);
    if (query.source) q.where('s.source', query.source);
    if (query.from) q.where('s.ends_at', '>=', dbDate(query.from));
    if (query.to) q.where('s.ends_at', '<', dbDate(query.to));
    if (query.search) {
      // '!' as the LIKE escape: a backslash means different things in MySQL and the others.
      const like = `%${query.search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
      // Users first, then their subscriptions: a substring match cannot use an index, so it
      // scans the (smaller) users table once instead of once per subscription row.
      const su = link(UID.subscription, 'user');
      const users = knex()
        .from(table(UID.user))
        .select('id')
        .whereRaw(`LOWER(email) LIKE ? ESCAPE '!'`, [like])
        .orWhereRaw(`LOWER(username) LIKE ? ESCAPE '!'`, [like]);
      q.whereIn('s.id', knex().from(su.name).select(su.own).whereIn(su.other, users));
    }
    return q;
  };

  const COLUMNS = [
    's.id as id',
    's.document_id as documentId',
    's.status as status',
    's.starts_at as startsAt',
    's.due_at as dueAt',
    's.ends_at as endsAt',
    's.cancelled_at as cancelledAt',
    's.source as source',
    'u.id as userId',
    'u.document_id as userDocumentId',
    'u.email as userEmail',
    'u.username as userUsername',
    'o.id as offerId',
    'o.document_id as offerDocumentId',
    'o.title as offerTitle',
    'o.duration as offerDuration',
    'o.period as offerPeriod',
  ];

  const toItem = (row: any, now: Date): SubscriptionListItem => {
    const startsAt = toDate(row.startsAt) ?? new Date(0);
    const endsAt = toDate(row.endsAt);
    return {
      documentId: row.documentId,
      status: statusAt({ status: row.status, startsAt, endsAt, cancelledAt: toDate(row.cancelledAt) }, now),
      storedStatus: row.status,
      startsAt: iso(row.startsAt),
      dueAt: iso(row.dueAt),
      endsAt: iso(row.endsAt),
      cancelledAt: iso(row.cancelledAt),
      source: row.source,
      user: row.userId
        ? { id: Number(row.userId), documentId: row.userDocumentId, email: row.userEmail, username: row.userUsername }
        : null,
      offer: row.offerId
        ? {
            id: Number(row.offerId),
            documentId: row.offerDocumentId,
            title: row.offerTitle,
            duration: Number(row.offerDuration),
            period: row.offerPeriod,
          }
        : null,
    };
  };

  /** Ended lists show the most recent end first; the others the nearest end first (no end last). */
  const ordered = (q: Knex.QueryBuilder, list: List) =>
    list === 'ended'
      ? q.orderBy('s.ends_at', 'desc').orderBy('s.id', 'desc')
      : q.orderBy('s.ends_at', 'asc', 'last').orderBy('s.id', 'asc');

  const list = async (query: ListQuery) => {
    const now = getService(strapi, 'clock').now();
    const rows = await ordered(applyFilters(base().select(COLUMNS), query, now), query.list)
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    const joins = { user: false, offer: Boolean(query.offer) };
    const [{ total }] = await applyFilters(base(joins).count({ total: 's.id' }), query, now);
    return {
      data: rows.map((row: any) => toItem(row, now)),
      meta: {
        pagination: {
          page: query.page,
          pageSize: query.pageSize,
          total: Number(total),
          pageCount: Math.ceil(Number(total) / query.pageSize),
        },
      },
    };
  };

  /** Every row of a filter, a batch at a time (for the CSV export). */
  async function* each(query: Omit<ListQuery, 'page' | 'pageSize'>, batch = 1000) {
    const now = getService(strapi, 'clock').now();
    for (let offset = 0; ; offset += batch) {
      const rows = await ordered(applyFilters(base().select(COLUMNS), { ...query, page: 1, pageSize: batch }, now), query.list)
        .limit(batch)
        .offset(offset);
      for (const row of rows) yield toItem(row, now);
      if (rows.length < batch) return;
    }
  }

  const count = async (build: (q: Knex.QueryBuilder) => unknown, distinctUsers = false) => {
    const q = distinctUsers
      ? base({ user: true, offer: false }).countDistinct({ n: `su.${link(UID.subscription, 'user').other}` })
      : base({ user: false, offer: false }).count({ n: 's.id' });
    build(q);
    const [{ n }] = await q;
    return Number(n);
  };

  /** The figures at a glance, at `now`. */
  const figures = async (now: Date) => {
    const n = dbDate(now);
    const inDays = (days: number) => dbDate(new Date(now.getTime() + days * DAY_MS));
    const monthStart = dbDate(DateTime.fromJSDate(now, { zone: 'utc' }).startOf('month').toJSDate());
    const endingWithin = (days: number) =>
      count((q) => whereStatus(q, 'active', now).where('s.ends_at', '<=', inDays(days)));
    return {
      activeSubscribers: await count((q) => whereStatus(q, 'active', now), true),
      activeSubscriptions: await count((q) => whereStatus(q, 'active', now)),
      endingIn7Days: await endingWithin(7),
      endingIn30Days: await endingWithin(30),
      expiredThisMonth: await count((q) =>
        q.where('s.ends_at', '>=', monthStart).where('s.ends_at', '<=', n).whereNot('s.status', 'refunded')
      ),
    };
  };

  /** Counts per UTC day (index from `from`) of a date column within [from, to). */
  const perDay = async (column: 'starts_at' | 'ends_at', from: Date, to: Date, extra?: (q: Knex.QueryBuilder) => void) => {
    const dayExpr = `FLOOR((${epochMs(`s.${column}`)} - ${from.getTime()}) / ${DAY_MS})`;
    const q = knex()
      .from({ s: table(UID.subscription) })
      .select(knex().raw(`${dayExpr} as day`))
      .count({ n: 's.id' })
      .where(`s.${column}`, '>=', dbDate(from))
      .where(`s.${column}`, '<', dbDate(to))
      .groupByRaw(dayExpr);
    extra?.(q);
    const rows = (await q) as { day: number | string; n: number | string }[];
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  };

  /**
   * Active subscriptions at the end of each UTC day of the last 12 months, and starts and
   * expiries per month: one count at the window's start plus starts and ends grouped by day.
   */
  const chart = async (now: Date) => {
    const today = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('day');
    const first = today.startOf('month').minus({ months: 11 });
    const from = first.toJSDate();
    const to = today.plus({ days: 1 }).toJSDate();
    const activeAtStart = await count((q) => whereStatus(q, 'active', new Date(from.getTime() - 1)));
    const starts = await perDay('starts_at', from, to);
    const ends = await perDay('ends_at', from, to);
    const expiries = await perDay('ends_at', from, to, (q) => q.whereNot('s.status', 'refunded'));
    const days: { date: string; active: number }[] = [];
    const months = new Map<string, { month: string; starts: number; expiries: number }>();
    for (let m = first; m <= today; m = m.plus({ months: 1 })) {
      months.set(m.toFormat('yyyy-MM'), { month: m.toFormat('yyyy-MM'), starts: 0, expiries: 0 });
    }
    let active = activeAtStart;
    const dayCount = Math.round(today.diff(first, 'days').days) + 1;
    for (let i = 0; i < dayCount; i += 1) {
      const date = first.plus({ days: i });
      // Active at the end of the day: everything started minus everything ended so far.
      active += (starts.get(i) ?? 0) - (ends.get(i) ?? 0);
      const isToday = i === dayCount - 1;
      days.push({ date: date.toISODate() as string, active: isToday ? -1 : active });
      const month = months.get(date.toFormat('yyyy-MM'));
      if (month) {
        month.starts += starts.get(i) ?? 0;
        month.expiries += expiries.get(i) ?? 0;
      }
    }
    // Today is not over: its point is the count now, not a projection of later starts and ends.
    days[days.length - 1].active = await count((q) => whereStatus(q, 'active', now));
    return { days, months: [...months.values()] };
  };

  return { list, each, figures, chart };
};
