/** What several areas of the admin API share. */

export type Period = 'months' | 'days' | 'hours';

/** A subscription's status (domain/lifecycle.ts: STATUSES). */
export type SubscriptionStatus = 'pending' | 'active' | 'expired' | 'cancelled' | 'refunded';

/** Where a subscription came from (domain/lifecycle.ts: SOURCES). */
export type SubscriptionSource = 'manual' | 'click2sell' | 'api' | 'self';

/** An answer with one value, or a list, under `data`. */
export interface DataResponse<T> {
  data: T;
}

/** Server-side pagination: `pageCount` is 0 for an empty list. */
export interface Pagination {
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

/** One page of a list. */
export interface PagedResponse<T> {
  data: T[];
  meta: { pagination: Pagination };
}

/** The page a paginated list is asked for (page from 1; the server's default size is 20). */
export interface PageQuery {
  page?: number;
  pageSize?: number;
}
