import type { DataResponse, PageQuery, PagedResponse } from './common';

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
  /** Only the events an admin can fix and re-apply (unmapped products) not re-applied yet. */
  needsAttention?: boolean;
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
  /** An admin with `manage` may re-apply it (`POST /subscriptions/payment-events/:id/replay`). */
  replayable: boolean;
  /** When it was re-applied, by whom (the admin's e-mail), what that did, and the ledger row it wrote. */
  replayedAt: string | null;
  replayedBy: string | null;
  /** A PaymentEventOutcome. */
  replayOutcome: string | null;
  replayedAs: number | null;
  /** On a row a replay wrote: the id of the row it re-applied. */
  replayOf: number | null;
}

/** `POST /subscriptions/payment-events/:id/replay`: what re-applying the event did. */
export interface ReplayResult {
  /** The re-applied event. */
  id: number;
  /** A PaymentEventOutcome (always `applied`: anything else is refused). */
  outcome: string;
  message: string;
  /** The ledger row the replay wrote. */
  replayedAs: number;
}

export type ReplayResponse = DataResponse<ReplayResult>;

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
