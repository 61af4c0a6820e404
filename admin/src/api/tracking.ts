import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, useGet } from './client';
import type {
  OverviewResponse,
  RevenueQuery,
  RevenueResponse,
  SubscriptionExportQuery,
  SubscriptionListQuery,
  SubscriptionListResponse,
} from './contract';

/** The Tracking page: figures and chart, the lists of subscriptions and their CSV export. */

export const useOverview = () => useGet<OverviewResponse>(apiPath('/overview'));

/** Revenue figures from the payment ledger, per month of [from, to) (default: the last 12 months). */
export const useRevenue = (query: RevenueQuery = {}) => useGet<RevenueResponse>(apiPath('/subscriptions/revenue', query));

/** One page of a list; read again when `reloadKey` changes. */
export const useSubscriptionList = (query: SubscriptionListQuery, reloadKey?: unknown) =>
  useGet<SubscriptionListResponse>(apiPath('/subscriptions', query), reloadKey);

/** The CSV of every subscription of a filter, or (`history: true`) of their history entries. */
export const useExportSubscriptions = () => {
  const { get } = useFetchClient();
  return async (filter: SubscriptionExportQuery): Promise<Blob> =>
    (await get(apiPath('/subscriptions/export', filter), { responseType: 'blob' })).data;
};
