import type { DataResponse, SubscriptionStatus } from './common';

/**
 * One subscription's changes: `POST /subscriptions/subscriptions/:documentId/{renew,cancel,refund}`
 * and `PUT /subscriptions/subscriptions/:documentId/dates`; "add a subscriber" answers the same.
 */

export type SubscriptionAction = 'renew' | 'cancel' | 'refund';

/** A subscription as saved, after the change. */
export interface SubscriptionRecord {
  id: number;
  documentId: string;
  status: SubscriptionStatus;
  startsAt: string | null;
  dueAt: string | null;
  /** Empty: unlimited. */
  endsAt: string | null;
  cancelledAt: string | null;
  anchorDay: number | null;
  source: string;
  lastPurchaseId?: string | null;
  lastPurchaseAt?: string | null;
  affiliate?: string | null;
  createdAt?: string | null;
  user?: { id: number; documentId?: string; email?: string; username?: string } | null;
}

export type SubscriptionResponse = DataResponse<SubscriptionRecord>;

/** `PUT …/dates`: the dates to move (null: no end); the user never changes. */
export interface EditDatesInput {
  startsAt?: string;
  dueAt?: string | null;
  endsAt?: string | null;
}
