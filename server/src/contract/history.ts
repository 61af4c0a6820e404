import type { DataResponse, SubscriptionStatus } from './common';

/**
 * A subscription's history: `GET /subscriptions/subscriptions/:documentId/history`, newest first.
 * Every change to a subscription (or a member's role) is one entry, written with the change.
 */

export type HistoryKind =
  | 'created'
  | 'renewed'
  | 'dates-edited'
  | 'cancelled'
  | 'refunded'
  | 'activated'
  | 'expired'
  | 'grace-ended'
  | 'deleted'
  | 'role-changed'
  | 'erased';

/** Why: a payment (ref: its payment-log id), an admin or the Content Manager (ref: the admin user id, label: their e-mail), the scheduler (ref: its run), a member (ref: their user id), the service API. */
export type HistoryCauseKind = 'payment' | 'admin' | 'content-manager' | 'scheduler' | 'member' | 'api';

/** A subscription's dates on one side of a change (all null: it did not exist). */
export interface HistorySide {
  status: SubscriptionStatus | null;
  startsAt: string | null;
  /** End of the paid period. */
  dueAt: string | null;
  /** Hard end (null: open-ended). */
  endsAt: string | null;
}

export interface HistoryEntryRecord {
  id: number;
  /** When the change happened (the plugin's clock). */
  at: string;
  kind: HistoryKind;
  userId: number | null;
  subscriptionId: number | null;
  subscriptionDocumentId: string | null;
  before: HistorySide;
  after: HistorySide;
  /** Role changes: the member's users-permissions role ids. */
  roleBefore: number | null;
  roleAfter: number | null;
  cause: { kind: HistoryCauseKind; ref: string | null; label: string | null };
}

export type HistoryResponse = DataResponse<HistoryEntryRecord[]>;
