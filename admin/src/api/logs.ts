import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, segment, useGet } from './client';
import type { MessagesQuery, MessagesResponse, PaymentEventsQuery, PaymentEventsResponse, ReplayResponse, ReplayResult } from './contract';

/** The Logs page: payment events (every Click2Sell call) and messages (every e-mail). */

/** A page of payment events; again when `key` changes (after a re-apply). */
export const usePaymentEvents = (query: PaymentEventsQuery, key: unknown = null) =>
  useGet<PaymentEventsResponse>(apiPath('/payment-events', query), key);

export const useMessages = (query: MessagesQuery) => useGet<MessagesResponse>(apiPath('/messages', query));

/** Re-applies a payment event an admin fixed (an unmapped product, now mapped): once per event. */
export const usePaymentEventActions = () => {
  const { post } = useFetchClient();
  return {
    replay: async (id: number): Promise<ReplayResult> =>
      (await post<ReplayResponse>(apiPath(`/payment-events/${segment(String(id))}/replay`))).data.data,
  };
};
