import type { Core } from '@strapi/strapi';
import { DateTime } from 'luxon';
import { DomainError, monthlyCents, statusAt, type Status } from '../domain';
import { reportRepository, type MonthlySumRow, type SubscriptionFilter, type SubscriptionListRow } from '../repositories/reports';
import type { Money, Revenue } from '../contract/tracking';
import { toDate } from '../utils/dates';
import { getService } from '../utils/plugin';

/**
 * What the admin's Tracking page reads: figures, a chart and filtered, paginated lists of
 * subscriptions. Everything is counted from the subscriptions' dates in SQL (the report
 * repository), never by loading every row, and never from stored counters. "Active at t" means
 * startsAt ≤ t < endsAt (or no end): the same rule as the domain's statusAt, so a status the
 * scheduler has not caught up with yet does not skew the figures.
 */

export const LISTS = ['active', 'pending', 'ended', 'all'] as const;
export type List = (typeof LISTS)[number];
export const FILTER_STATUSES = ['active', 'pending', 'expired', 'cancelled', 'refunded'] as const;

export interface ListQuery extends SubscriptionFilter {
  list: List;
  status?: (typeof FILTER_STATUSES)[number];
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
/** The longest range the revenue figures cover at once. */
export const REVENUE_MAX_MONTHS = 60;

/** Cents to major units, exactly (cents are whole numbers). */
const major = (cents: number) => Math.round(cents) / 100;

const iso = (value: unknown): string | null => toDate(value)?.toISOString() ?? null;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const reports = reportRepository(strapi);

  const toItem = (row: SubscriptionListRow, now: Date): SubscriptionListItem => {
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
        ? {
            id: Number(row.userId),
            documentId: row.userDocumentId as string,
            email: row.userEmail as string,
            username: row.userUsername as string,
          }
        : null,
      offer: row.offerId
        ? {
            id: Number(row.offerId),
            documentId: row.offerDocumentId as string,
            title: row.offerTitle as string,
            duration: Number(row.offerDuration),
            period: row.offerPeriod as string,
          }
        : null,
    };
  };

  const list = async (query: ListQuery) => {
    const now = getService(strapi, 'clock').now();
    const rows = await reports.listSubscriptions(query, now, {
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const total = await reports.countSubscriptions(query, now);
    return {
      data: rows.map((row) => toItem(row, now)),
      meta: {
        pagination: {
          page: query.page,
          pageSize: query.pageSize,
          total,
          pageCount: Math.ceil(total / query.pageSize),
        },
      },
    };
  };

  /** Every row of a filter, a batch at a time (for the CSV export). */
  async function* each(query: Omit<ListQuery, 'page' | 'pageSize'>, batch = 1000) {
    const now = getService(strapi, 'clock').now();
    for (let offset = 0; ; offset += batch) {
      const rows = await reports.listSubscriptions(query, now, { limit: batch, offset });
      for (const row of rows) yield toItem(row, now);
      if (rows.length < batch) return;
    }
  }

  /** The figures at a glance, at `now`. */
  const figures = async (now: Date) => {
    const inDays = (days: number) => new Date(now.getTime() + days * DAY_MS);
    const monthStart = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('month').toJSDate();
    return {
      activeSubscribers: await reports.countActive(now, { distinctMembers: true }),
      activeSubscriptions: await reports.countActive(now),
      endingIn7Days: await reports.countActiveEndingBy(now, inDays(7)),
      endingIn30Days: await reports.countActiveEndingBy(now, inDays(30)),
      expiredThisMonth: await reports.countEndedBetween(monthStart, now),
    };
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
    const activeAtStart = await reports.countActive(new Date(from.getTime() - 1));
    const starts = await reports.countPerDay('startsAt', from, to);
    const ends = await reports.countPerDay('endsAt', from, to);
    const expiries = await reports.countPerDay('endsAt', from, to, { excludeRefunded: true });
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
    days[days.length - 1].active = await reports.countActive(now);
    return { days, months: [...months.values()] };
  };

  /**
   * Revenue figures from the payment ledger (amounts and currencies as Click2Sell sent them, never
   * offer prices), per UTC month of [from, to): payments and refunds per currency, new and churned
   * members; and the MRR at `now`. Every month of the range is present, and every currency in
   * each month (zero when nothing happened).
   */
  const revenue = async (range: { from?: Date; to?: Date }, now: Date): Promise<Revenue> => {
    const to = range.to ?? now;
    const from = range.from ?? DateTime.fromJSDate(to, { zone: 'utc' }).minus({ milliseconds: 1 }).startOf('month').minus({ months: 11 }).toJSDate();
    if (to.getTime() <= from.getTime()) throw new DomainError('to', 'to: must be after from');
    const first = DateTime.fromJSDate(from, { zone: 'utc' }).startOf('month');
    const last = DateTime.fromJSDate(new Date(to.getTime() - 1), { zone: 'utc' }).startOf('month');
    if (last.diff(first, 'months').months >= REVENUE_MAX_MONTHS) {
      throw new DomainError('from', `from: the range may cover at most ${REVENUE_MAX_MONTHS} months`);
    }
    const payments = await reports.ledgerSumsByMonth('revenue', from, to);
    const refunds = await reports.ledgerSumsByMonth('refunds', from, to);
    const members = await reports.membersByMonth(from, to, now);
    const recurring = await reports.recurringSums(now);

    const mrrCents = new Map<string, { cents: number; count: number }>();
    for (const row of recurring) {
      const monthly = monthlyCents(row.cents, row.duration, row.period);
      if (monthly === null) continue;
      const entry = mrrCents.get(row.currency) ?? { cents: 0, count: 0 };
      mrrCents.set(row.currency, { cents: entry.cents + monthly, count: entry.count + row.subscriptions });
    }
    const currencies = [...new Set([...payments, ...refunds].map((r) => r.currency).concat([...mrrCents.keys()]))].sort();
    const index = (rows: MonthlySumRow[]) => new Map(rows.map((r) => [`${r.month}|${r.currency}`, r]));
    const paid = index(payments);
    const refunded = index(refunds);
    const perCurrency = (rows: Map<string, MonthlySumRow>, month: string): Money[] =>
      currencies.map((currency) => {
        const row = rows.get(`${month}|${currency}`);
        return { currency, amount: major(row?.cents ?? 0), count: row?.count ?? 0 };
      });
    const joined = new Map(members.joined.map((r) => [r.month, r.count]));
    const churned = new Map(members.churned.map((r) => [r.month, r.count]));
    const months: Revenue['months'] = [];
    for (let m = first; m <= last; m = m.plus({ months: 1 })) {
      const month = m.toFormat('yyyy-MM');
      months.push({
        month,
        revenue: perCurrency(paid, month),
        refunds: perCurrency(refunded, month),
        newMembers: joined.get(month) ?? 0,
        churnedMembers: churned.get(month) ?? 0,
      });
    }
    const total = (rows: MonthlySumRow[]): Money[] =>
      currencies.map((currency) => {
        const mine = rows.filter((r) => r.currency === currency);
        return { currency, amount: major(mine.reduce((sum, r) => sum + r.cents, 0)), count: mine.reduce((sum, r) => sum + r.count, 0) };
      });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      currencies,
      months,
      totals: { revenue: total(payments), refunds: total(refunds) },
      mrr: [...mrrCents].sort(([a], [b]) => a.localeCompare(b)).map(([currency, { cents, count }]) => ({ currency, amount: major(cents), count })),
    };
  };

  return { list, each, figures, chart, revenue };
};
