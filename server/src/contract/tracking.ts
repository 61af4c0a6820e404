import type { DataResponse, PageQuery, PagedResponse, SubscriptionSource, SubscriptionStatus } from './common';

/** The Tracking page: `GET /subscriptions/overview`, `GET /subscriptions/subscriptions[/export]`. */

export interface Figures {
  activeSubscribers: number;
  activeSubscriptions: number;
  endingIn7Days: number;
  endingIn30Days: number;
  expiredThisMonth: number;
}

export interface Chart {
  /** Active subscriptions at the end of each UTC day (today: now), ISO date `yyyy-MM-dd`. */
  days: { date: string; active: number }[];
  /** Starts and expiries per month, `yyyy-MM`. */
  months: { month: string; starts: number; expiries: number }[];
}

/** `GET /subscriptions/overview`. */
export type OverviewResponse = DataResponse<{ now: string; figures: Figures; chart: Chart }>;

export type SubscriptionList = 'active' | 'pending' | 'ended' | 'all';

/** The filter of the lists and of the CSV export (`from`/`to`: ISO instants bounding the end). */
export interface SubscriptionFilterQuery {
  list?: SubscriptionList;
  search?: string;
  /** An offer's documentId. */
  offer?: string;
  status?: SubscriptionStatus;
  source?: SubscriptionSource;
  from?: string;
  to?: string;
}

/**
 * `GET /subscriptions/subscriptions/export`: the filter's subscriptions as CSV, or with
 * `history: true` their history entries (one row per entry) as a second CSV.
 */
export type SubscriptionExportQuery = SubscriptionFilterQuery & { history?: boolean };

/** `GET /subscriptions/subscriptions`. */
export type SubscriptionListQuery = SubscriptionFilterQuery & PageQuery;

/** A row of the lists: its status as of now, and its member and offer. */
export interface SubscriptionListItem {
  documentId: string;
  status: SubscriptionStatus;
  /** The stored status (the scheduler may not have caught up with `status` yet). */
  storedStatus: SubscriptionStatus;
  startsAt: string | null;
  dueAt: string | null;
  endsAt: string | null;
  cancelledAt: string | null;
  source: string;
  user: { id: number; documentId: string; email: string; username: string } | null;
  offer: { id: number; documentId: string; title: string; duration: number; period: string } | null;
}

export type SubscriptionListResponse = PagedResponse<SubscriptionListItem>;

/** `GET /subscriptions/revenue?from=&to=`: figures from the payment ledger (what Click2Sell sent). */
export interface RevenueQuery {
  /** ISO instant; default: the start of the UTC month 11 months before `to`'s. */
  from?: string;
  /** ISO instant (exclusive); default: now. */
  to?: string;
}

/** An amount in one currency: `amount` in major units (exact: summed in cents), `count` ledger rows. */
export interface Money {
  currency: string;
  amount: number;
  count: number;
}

export interface RevenueMonth {
  /** `yyyy-MM` (UTC). Every month of the range is present. */
  month: string;
  /** Payments received, one entry per currency of the report (0 when none that month). */
  revenue: Money[];
  /** Refunds recorded, one entry per currency of the report (0 when none that month). */
  refunds: Money[];
  /** Members whose first subscription started this month. */
  newMembers: number;
  /** Members whose last subscription ended this month (none open-ended, the end past). */
  churnedMembers: number;
}

export interface Revenue {
  from: string;
  to: string;
  /** Every currency of the range's payments and refunds, and of the MRR, sorted. */
  currencies: string[];
  months: RevenueMonth[];
  /** Totals over the range per currency. */
  totals: { revenue: Money[]; refunds: Money[] };
  /** Monthly recurring revenue at `now`: open-ended recurring subscriptions' latest payments brought to a month (`count`: subscriptions). */
  mrr: Money[];
}

export type RevenueResponse = DataResponse<Revenue>;
