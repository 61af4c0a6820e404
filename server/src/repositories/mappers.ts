import type { SubscriptionDates, Status, HeldSubscription, RoleGrant } from '../domain';
import { toDate, toRequiredDate } from '../utils/dates';

/** A subscription row as `strapi.db.query` returns it with its offer (and the offer's role). */
export interface SubscriptionRow {
  id: number;
  documentId: string;
  status: Status;
  startsAt: unknown;
  dueAt: unknown;
  endsAt: unknown;
  cancelledAt: unknown;
  anchorDay: number | null;
  source: string;
  lastPurchaseId?: string | null;
  lastPurchaseAt?: unknown;
  affiliate?: string | null;
  freeTakes?: number | null;
  createdAt?: unknown;
  user?: { id: number; documentId?: string; email?: string; username?: string } | null;
  offer?: OfferRow | null;
}

export interface OfferRow {
  id: number;
  documentId: string;
  title: string;
  duration: number;
  period: 'months' | 'days' | 'hours';
  level: number | null;
  available?: boolean;
  click2sellProductId?: string | null;
  price?: number | string | null;
  checkoutUrl?: string | null;
  role?: { id: number } | null;
}

export const datesOf = (row: SubscriptionRow): SubscriptionDates => ({
  status: row.status,
  startsAt: toRequiredDate(row.startsAt, toDate(row.createdAt) ?? new Date(0)),
  dueAt: toDate(row.dueAt),
  endsAt: toDate(row.endsAt),
  cancelledAt: toDate(row.cancelledAt),
  anchorDay: row.anchorDay ?? null,
});

/** The columns a lifecycle change writes. */
export const columnsOf = (dates: SubscriptionDates) => ({
  status: dates.status,
  startsAt: dates.startsAt,
  dueAt: dates.dueAt,
  endsAt: dates.endsAt,
  cancelledAt: dates.cancelledAt,
  anchorDay: dates.anchorDay,
});

export const heldOf = (row: SubscriptionRow): HeldSubscription => ({
  ...datesOf(row),
  id: row.id,
  offerId: row.offer?.id ?? -1,
  roleId: row.offer?.role?.id ?? null,
});

export const grantOf = (row: SubscriptionRow): RoleGrant => ({
  ...datesOf(row),
  roleId: row.offer?.role?.id ?? null,
  level: row.offer?.level ?? 0,
});

export const SUBSCRIPTION_POPULATE = {
  offer: { populate: { role: { select: ['id'] } } },
  user: { select: ['id', 'documentId', 'email', 'username'] },
} as const;
