import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { UID } from '../content-types';
import type { SubscriptionRow } from './mappers';
import { joinTableOf } from '../database/links';
import { REPLAYABLE_OUTCOMES } from '../domain';

/**
 * The admin's read-only queries: the Tracking page's figures, chart and subscription lists, the
 * payment-event log, the Offers page's list, the user search and the role list. Tracking reads
 * subscriptions with SQL (indexed range conditions, COUNT/GROUP BY, LIMIT/OFFSET), never by
 * loading every row, and never from stored counters.
 */

/** Which subscriptions a Tracking list shows, by the dates at `now` ("all": no condition). */
export type SubscriptionList = 'active' | 'pending' | 'ended' | 'all';
/** The status filter: the statuses `statusAt` gives at `now`. */
export type StatusFilter = 'active' | 'pending' | 'expired' | 'cancelled' | 'refunded';

export interface SubscriptionFilter {
  list: SubscriptionList;
  search?: string;
  offer?: string; // documentId
  status?: StatusFilter;
  source?: string;
  from?: Date; // end date range (inclusive start)
  to?: Date; // end date range (exclusive end)
}

/** A subscription of a Tracking list, with its member and offer, as the database returns it. */
export interface SubscriptionListRow
  extends Pick<SubscriptionRow, 'id' | 'documentId' | 'status' | 'startsAt' | 'dueAt' | 'endsAt' | 'cancelledAt' | 'source'> {
  userId: number | string | null;
  userDocumentId: string | null;
  userEmail: string | null;
  userUsername: string | null;
  offerId: number | string | null;
  offerDocumentId: string | null;
  offerTitle: string | null;
  offerDuration: number | string | null;
  offerPeriod: string | null;
}

export interface PaymentEventLogFilter {
  page: number;
  pageSize: number;
  search?: string;
  outcome?: string;
  /** Only the rows an admin can fix and re-apply that were not re-applied yet. */
  needsAttention?: boolean;
}

/** A payment event as the log reads it (its payload still whole: the caller strips secrets). */
export interface PaymentEventLogRow {
  id: number;
  receivedAt?: unknown;
  createdAt?: unknown;
  transactionType?: string | null;
  transactionId?: string | null;
  paymentStatus?: string | null;
  email?: string | null;
  productId?: string | null;
  outcome?: string | null;
  reason?: string | null;
  payload?: unknown;
  user?: { id: number; email: string } | null;
  subscription?: { documentId: string } | null;
  replayedAt?: unknown;
  replayedBy?: string | null;
  replayOutcome?: string | null;
  replayedAs?: number | null;
  replayOf?: number | null;
}

export interface OfferListRow {
  id: number;
  documentId: string;
  title: string;
  duration: number;
  period: string;
  price: number | string | null;
  currency: string | null;
  available: boolean | null;
}

export interface UserSearchRow {
  id: number;
  documentId: string;
  email: string;
  username: string;
}

export interface RoleListRow {
  id: number;
  name: string;
  type: string;
}

const DAY_MS = 86_400_000;

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

export const reportRepository = (strapi: Core.Strapi) => {
  const knex = (): Knex => strapi.db.connection as unknown as Knex;
  const client = () => strapi.db.dialect.client as string;
  const table = (uid: string) => strapi.db.metadata.get(uid as never).tableName;
  const link = (uid: string, attribute: string) => {
    const jt = joinTableOf(strapi, uid, attribute);
    return { name: jt.name, own: jt.joinColumn.name, other: jt.inverseJoinColumn.name };
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

  /**
   * The conditions of the domain's statusAt(), in SQL, at `now`: "active at t" means
   * startsAt ≤ t < endsAt (or no end), so a status the scheduler has not caught up with yet does
   * not skew the figures.
   */
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

  const applyFilters = (q: Knex.QueryBuilder, filter: SubscriptionFilter, now: Date) => {
    if (filter.list !== 'all') whereStatus(q, filter.list, now);
    if (filter.status) whereStatus(q, filter.status, now);
    if (filter.offer) q.where('o.document_id', filter.offer);
    if (filter.source) q.where('s.source', filter.source);
    if (filter.from) q.where('s.ends_at', '>=', dbDate(filter.from));
    if (filter.to) q.where('s.ends_at', '<', dbDate(filter.to));
    if (filter.search) {
      // '!' as the LIKE escape: a backslash means different things in MySQL and the others.
      const like = `%${filter.search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
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

  /** Ended lists show the most recent end first; the others the nearest end first (no end last). */
  const ordered = (q: Knex.QueryBuilder, list: SubscriptionList) =>
    list === 'ended'
      ? q.orderBy('s.ends_at', 'desc').orderBy('s.id', 'desc')
      : q.orderBy('s.ends_at', 'asc', 'last').orderBy('s.id', 'asc');

  /** One page of a Tracking list, in the list's order. */
  const listSubscriptions = async (
    filter: SubscriptionFilter,
    now: Date,
    page: { limit: number; offset: number }
  ): Promise<SubscriptionListRow[]> =>
    (await ordered(applyFilters(base().select(COLUMNS), filter, now), filter.list)
      .limit(page.limit)
      .offset(page.offset)) as SubscriptionListRow[];

  /** How many subscriptions a Tracking list holds. */
  const countSubscriptions = async (filter: SubscriptionFilter, now: Date): Promise<number> => {
    // The search reads the user link table by itself; only the offer filter needs a join.
    const joins = { user: false, offer: Boolean(filter.offer) };
    const [{ total }] = await applyFilters(base(joins).count({ total: 's.id' }), filter, now);
    return Number(total);
  };

  const count = async (build: (q: Knex.QueryBuilder) => unknown, distinctUsers = false) => {
    const q = distinctUsers
      ? base({ user: true, offer: false }).countDistinct({ n: `su.${link(UID.subscription, 'user').other}` })
      : base({ user: false, offer: false }).count({ n: 's.id' });
    build(q);
    const [{ n }] = await q;
    return Number(n);
  };

  /** Subscriptions active at `at` (members holding one, with `distinctMembers`). */
  const countActive = (at: Date, options: { distinctMembers?: boolean } = {}) =>
    count((q) => whereStatus(q, 'active', at), options.distinctMembers ?? false);

  /** Subscriptions active at `at` whose end is at `endsBy` or before. */
  const countActiveEndingBy = (at: Date, endsBy: Date) =>
    count((q) => whereStatus(q, 'active', at).where('s.ends_at', '<=', dbDate(endsBy)));

  /** Subscriptions, refunded ones aside, that ended within [from, upTo]. */
  const countEndedBetween = (from: Date, upTo: Date) =>
    count((q) => q.where('s.ends_at', '>=', dbDate(from)).where('s.ends_at', '<=', dbDate(upTo)).whereNot('s.status', 'refunded'));

  /**
   * Counts per UTC day (index from `from`) of a date column within [from, to); refunded
   * subscriptions left out with `excludeRefunded`.
   */
  const countPerDay = async (
    column: 'startsAt' | 'endsAt',
    from: Date,
    to: Date,
    options: { excludeRefunded?: boolean } = {}
  ): Promise<Map<number, number>> => {
    const name = column === 'startsAt' ? 'starts_at' : 'ends_at';
    const dayExpr = `FLOOR((${epochMs(`s.${name}`)} - ${from.getTime()}) / ${DAY_MS})`;
    const q = knex()
      .from({ s: table(UID.subscription) })
      .select(knex().raw(`${dayExpr} as day`))
      .count({ n: 's.id' })
      .where(`s.${name}`, '>=', dbDate(from))
      .where(`s.${name}`, '<', dbDate(to))
      .groupByRaw(dayExpr);
    if (options.excludeRefunded) q.whereNot('s.status', 'refunded');
    const rows = (await q) as { day: number | string; n: number | string }[];
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  };

  /** The payment-event log: newest first, filtered and paginated in SQL. */
  const paymentEventLog = async (filter: PaymentEventLogFilter): Promise<{ rows: PaymentEventLogRow[]; total: number }> => {
    const conditions: Record<string, unknown>[] = [
      ...(filter.outcome ? [{ outcome: filter.outcome }] : []),
      ...(filter.needsAttention ? [{ outcome: { $in: [...REPLAYABLE_OUTCOMES] }, replayedAt: { $null: true } }] : []),
      ...(filter.search ? [{ $or: ['email', 'productId', 'transactionId'].map((f) => ({ [f]: { $containsi: filter.search } })) }] : []),
    ];
    const where = conditions.length === 1 ? conditions[0] : conditions.length > 1 ? { $and: conditions } : {};
    const [rows, total] = await Promise.all([
      strapi.db.query(UID.paymentEvent).findMany({
        where,
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        limit: filter.pageSize,
        offset: (filter.page - 1) * filter.pageSize,
        populate: { user: { select: ['id', 'email'] }, subscription: { select: ['documentId'] } },
      }),
      strapi.db.query(UID.paymentEvent).count({ where }),
    ]);
    return { rows: rows as PaymentEventLogRow[], total: Number(total) };
  };

  /** The Offers page: up to 500 offers by title. */
  const offers = async (): Promise<OfferListRow[]> =>
    (await strapi.db.query(UID.offer).findMany({
      select: ['id', 'documentId', 'title', 'duration', 'period', 'price', 'currency', 'available'],
      orderBy: [{ title: 'asc' }, { id: 'asc' }],
      limit: 500,
    })) as OfferListRow[];

  /** Users whose e-mail or username contains `search` (any user when empty), ten by e-mail. */
  const searchUsers = async (search: string): Promise<UserSearchRow[]> =>
    (await strapi.db.query(UID.user).findMany({
      where: search ? { $or: [{ email: { $containsi: search } }, { username: { $containsi: search } }] } : {},
      select: ['id', 'documentId', 'email', 'username'],
      orderBy: [{ email: 'asc' }],
      limit: 10,
    })) as UserSearchRow[];

  /** The users-permissions roles by name. */
  const roles = async (): Promise<RoleListRow[]> =>
    (await strapi.db.query(UID.role).findMany({ select: ['id', 'name', 'type'], orderBy: [{ name: 'asc' }] })) as RoleListRow[];

  return {
    listSubscriptions,
    countSubscriptions,
    countActive,
    countActiveEndingBy,
    countEndedBetween,
    countPerDay,
    paymentEventLog,
    offers,
    searchUsers,
    roles,
  };
};

export type ReportRepository = ReturnType<typeof reportRepository>;
