import type { PageQuery, PagedResponse } from './common';

/** The Logs page: `GET /subscriptions/payment-events`, `GET /subscriptions/messages`. */

/** What a payment event did (the payment-event content type's `outcome`). */
export type PaymentEventOutcome =
  | 'applied'
  | 'duplicate'
  | 'replay'
  | 'pending'
  | 'rejected'
  | 'unmapped'
  | 'failed-payment'
  | 'error';

export interface PaymentEventsQuery extends PageQuery {
  /** Part of the e-mail, the product id or the transaction id. */
  search?: string;
  outcome?: PaymentEventOutcome;
}

/** A Click2Sell call, its payload without any key named like a secret. */
export interface PaymentEventLogItem {
  id: number;
  receivedAt: string | null;
  transactionType: string | null;
  transactionId: string | null;
  paymentStatus: string | null;
  email: string | null;
  productId: string | null;
  /** A PaymentEventOutcome. */
  outcome: string | null;
  reason: string | null;
  payload: unknown;
  user: { id: number; email: string } | null;
  subscription: { documentId: string } | null;
}

export type PaymentEventsResponse = PagedResponse<PaymentEventLogItem>;

/** The messages the plugin sends (the message content type's `kind`). */
export type MessageKind = 'welcome' | 'reminder' | 'expiry' | 'receipt' | 'test';

export type MessageStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped' | 'held';

export interface MessagesQuery extends PageQuery {
  /** Part of the recipient or the subject. */
  search?: string;
  status?: MessageStatus;
  kind?: MessageKind;
  /** A subscription's id. */
  subscription?: number;
}

/** A message of the outbox, without its `data` (it may carry links meant for the member only). */
export interface MessageLogItem {
  id: number;
  kind: MessageKind;
  /** A MessageStatus. */
  status: string;
  to: string;
  locale: string | null;
  subject: string | null;
  attempts: number;
  sentAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string | null;
  lastError: string | null;
  subscription: { id: number; documentId: string } | null;
  notificationRule: { id: number; amount: number; period: string; when: string } | null;
}

export type MessagesResponse = PagedResponse<MessageLogItem>;
