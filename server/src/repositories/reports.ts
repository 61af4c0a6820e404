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

/** A sum of ledger amounts of one month and currency (`month`: `yyyy-MM`, UTC). */
export interface MonthlySumRow {
  month: string;
  currency: string;
  cents: number;
  count: number;
}

/** Open-ended recurring subscriptions' latest payments, summed by currency and plan length. */
export interface RecurringSumRow {
  currency: string;
  duration: number;
  period: string;
  cents: number;
  subscriptions: number;
}

/** Members who joined or left in one month (`yyyy-MM`, UTC). */
export interface MemberMonthRow {
  month: string;
  count: number;
}

/** Ledger rows that took money in: applied (or unmapped: paid, no offer) purchases and re-bills, replays of them aside. */
const REVENUE_OUTCOMES = ['applied', 'unmapped'];
/** Refunds recorded: applied, or waiting for the payment they concern (the money went back all the same). */
const REFUND_OUTCOMES = ['applied', 'pending'];

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

  /** `yyyy-MM` (UTC) of a datetime column, in each dialect's SQL. */
  const monthOf = (column: string): string => {
    if (client() === 'sqlite') return `strftime('%Y-%m', ${column} / 1000, 'unixepoch')`;
    if (client() === 'postgres') return `to_char(to_timestamp(EXTRACT(EPOCH FROM ${column})) AT TIME ZONE 'UTC', 'YYYY-MM')`;
    return `DATE_FORMAT(${column}, '%Y-%m')`;
  };

  /**
   * The ledger's amounts per UTC month of arrival and currency within [from, to): payments
   * (`revenue`) or refunds. Rows whose price could not be read (null amount) are left out;
   * an admin's replay of an unmapped payment is not counted again (the original row counts).
   */
  const ledgerSumsByMonth = async (kind: 'revenue' | 'refunds', from: Date, to: Date): Promise<MonthlySumRow[]> => {
    const month = monthOf('e.received_at');
    const q = knex()
      .from({ e: table(UID.paymentEvent) })
      .select(knex().raw(`${month} as month`), 'e.currency as currency')
      .sum({ cents: 'e.amount_cents' })
      .count({ n: 'e.id' })
      .whereIn('e.meaning', kind === 'revenue' ? ['purchase', 'rebill'] : ['refund'])
      .where('e.received_at', '>=', dbDate(from))
      .where('e.received_at', '<', dbDate(to))
      .whereIn('e.outcome', kind === 'revenue' ? REVENUE_OUTCOMES : REFUND_OUTCOMES)
      .whereNotNull('e.amount_cents')
      .whereNull('e.replay_of')
      .groupByRaw(`${month}, e.currency`);
    const rows = (await q) as { month: string; currency: string; cents: number | string | null; n: number | string }[];
    return rows.map((r) => ({ month: String(r.month), currency: r.currency, cents: Math.abs(Number(r.cents ?? 0)), count: Number(r.n) }));
  };

  /**
   * Monthly recurring revenue's input: subscriptions active at `at` with no hard end (a recurring
   * plan not cancelled) whose latest applied payment was a Click2Sell `Subscription`, that
   * payment's amount summed by currency and by the offer's plan length (the caller brings each
   * length to a month).
   */
  const recurringSums = async (at: Date): Promise<RecurringSumRow[]> => {
    const e = table(UID.paymentEvent);
    const es = link(UID.paymentEvent, 'subscription');
    const so = link(UID.subscription, 'offer');
    // The latest paying ledger row of each subscription (ids grow with time).
    const latest = knex()
      .from({ l: es.name })
      .join({ p: e }, 'p.id', `l.${es.own}`)
      .max({ id: 'p.id' })
      .whereRaw(`l.${es.other} = s.id`)
      .whereIn('p.meaning', ['purchase', 'rebill'])
      .where('p.outcome', 'applied')
      .whereNotNull('p.amount_cents');
    const q = knex()
      .from({ s: table(UID.subscription) })
      .join({ so: so.name }, `so.${so.own}`, 's.id')
      .join({ o: table(UID.offer) }, 'o.id', `so.${so.other}`)
      .join({ e }, (on) => on.on('e.id', '=', knex().raw('(?)', [latest])))
      .select('e.currency as currency', 'o.duration as duration', 'o.period as period')
      .sum({ cents: 'e.amount_cents' })
      .count({ n: 's.id' })
      .where('s.starts_at', '<=', dbDate(at))
      .whereNull('s.ends_at')
      .whereNot('s.status', 'refunded')
      .where('e.transaction_type', 'Subscription')
      .groupBy('e.currency', 'o.duration', 'o.period');
    const rows = (await q) as { currency: string; duration: number | string; period: string; cents: number | string | null; n: number | string }[];
    return rows.map((r) => ({ currency: r.currency, duration: Number(r.duration), period: r.period, cents: Number(r.cents ?? 0), subscriptions: Number(r.n) }));
  };

  /**
   * New and churned members per UTC month within [from, to): a member is new in the month of
   * their first subscription's start, and churned in the month their last subscription ended
   * (refunded ones included) when none is open-ended and that end is at or before `now`.
   */
  const membersByMonth = async (from: Date, to: Date, now: Date): Promise<{ joined: MemberMonthRow[]; churned: MemberMonthRow[] }> => {
    const su = link(UID.subscription, 'user');
    // One pass over the subscriptions (a CTE read twice): each member's first start, last end,
    // and how many of their subscriptions are open-ended.
    const perMember = knex()
      .from({ s: table(UID.subscription) })
      .join({ su: su.name }, `su.${su.own}`, 's.id')
      .select(`su.${su.other} as member`)
      .min({ first_start: 's.starts_at' })
      .max({ last_end: 's.ends_at' })
      .select(knex().raw('SUM(CASE WHEN s.ends_at IS NULL THEN 1 ELSE 0 END) as open_ended'))
      .groupBy(`su.${su.other}`);
    const joinedMonth = monthOf('m.first_start');
    const churnedMonth = monthOf('m.last_end');
    const joined = knex()
      .from({ m: 'members' })
      .select(knex().raw(`'joined' as kind, ${joinedMonth} as month`))
      .count({ n: '*' })
      .where('m.first_start', '>=', dbDate(from))
      .where('m.first_start', '<', dbDate(to))
      .groupByRaw(joinedMonth);
    const churned = knex()
      .from({ m: 'members' })
      .select(knex().raw(`'churned' as kind, ${churnedMonth} as month`))
      .count({ n: '*' })
      .where('m.open_ended', 0)
      .where('m.last_end', '>=', dbDate(from))
      .where('m.last_end', '<', dbDate(to))
      .where('m.last_end', '<=', dbDate(now))
      .groupByRaw(churnedMonth);
    // Raw, as knex would wrap each side of the UNION in parentheses, which SQLite refuses.
    const parts = [perMember.toSQL(), joined.toSQL(), churned.toSQL()];
    const result = await knex().raw(
      `WITH members AS (${parts[0].sql}) ${parts[1].sql} UNION ALL ${parts[2].sql}`,
      parts.flatMap((p) => [...p.bindings]) as Knex.ValueDict[keyof Knex.ValueDict][]
    );
    // Each driver answers a raw query its own way: rows (SQLite), { rows } (PostgreSQL), [rows, fields] (MySQL).
    const rows = (client() === 'postgres' ? result.rows : client() === 'sqlite' ? result : result[0]) as { kind: string; month: string; n: number | string }[];
    const of = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => ({ month: String(r.month), count: Number(r.n) }));
    return { joined: of('joined'), churned: of('churned') };
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
    ledgerSumsByMonth,
    recurringSums,
    membersByMonth,
    paymentEventLog,
    offers,
    searchUsers,
    roles,
  };
};

export type ReportRepository = ReturnType<typeof reportRepository>;
