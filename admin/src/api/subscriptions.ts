import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, segment, useGet } from './client';
import type { EditDatesInput, HistoryResponse, SubscriptionAction, SubscriptionRecord, SubscriptionResponse } from './contract';

/** One subscription's changes: renew, cancel, refund, and its dates. Each answers it as saved. */

const subscriptionPath = (documentId: string) => `/subscriptions/${segment(documentId)}`;

export const useSubscriptionActions = () => {
  const { post, put } = useFetchClient();
  return {
    apply: async (action: SubscriptionAction, documentId: string): Promise<SubscriptionRecord> =>
      (await post<SubscriptionResponse>(apiPath(`${subscriptionPath(documentId)}/${action}`))).data.data,
    editDates: async (documentId: string, input: EditDatesInput): Promise<SubscriptionRecord> =>
      (await put<SubscriptionResponse>(apiPath(`${subscriptionPath(documentId)}/dates`), input)).data.data,
  };
};

/** A subscription's history, newest first (none read while `documentId` is null). */
export const useSubscriptionHistory = (documentId: string | null) =>
  useGet<HistoryResponse>(documentId ? apiPath(`${subscriptionPath(documentId)}/history`) : null);
