import { apiPath, useGet } from './client';
import type { MessagesQuery, MessagesResponse, PaymentEventsQuery, PaymentEventsResponse } from './contract';

/** The Logs page: payment events (every Click2Sell call) and messages (every e-mail). */

export const usePaymentEvents = (query: PaymentEventsQuery) =>
  useGet<PaymentEventsResponse>(apiPath('/payment-events', query));

export const useMessages = (query: MessagesQuery) => useGet<MessagesResponse>(apiPath('/messages', query));
