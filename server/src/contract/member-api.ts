import type { DataResponse, Period, SubscriptionSource, SubscriptionStatus } from './common';

/**
 * The content API members and the member site call (`/api/subscriptions/…`, routes/content-api.ts):
 * the public offers, "my subscriptions", taking a free offer and cancelling one's subscription.
 * Errors come in Strapi's shape (`{ data: null, error: { status, name, message, details } }`);
 * `details.errors[0].path` names the field at fault, and the refusals below add what the member
 * needs to act on them in `details`.
 */

/** `GET /api/subscriptions/offers`: an available offer, public fields only (price ascending). */
export interface PublicOffer {
  documentId: string;
  title: string;
  description: string | null;
  duration: number;
  period: Period;
  price: number | null;
  currency: string | null;
  /** Where the offer is bought (Click2Sell: the product's order form); null: none given. */
  checkoutUrl: string | null;
  /** Price 0: taken with `POST /api/subscriptions/offers/:documentId/subscribe`. */
  free: boolean;
}

export type PublicOffersResponse = DataResponse<PublicOffer[]>;

/** One of the member's subscriptions, as they see it. */
export interface MySubscription {
  documentId: string;
  offer: { documentId: string; title: string } | null;
  status: SubscriptionStatus;
  source: SubscriptionSource | string;
  startsAt: string;
  /** End of the paid period; null: unlimited. */
  dueAt: string | null;
  /** When access ends; null: open-ended. */
  endsAt: string | null;
  cancelledAt: string | null;
  /** Grants access now. */
  active: boolean;
  /** `POST /api/subscriptions/me/subscriptions/:documentId/cancel` would stop it (not Click2Sell's, not cancelled, not ended). */
  cancellable: boolean;
  /** Where to renew it: the offer's checkout page, else the settings' renewal link; null: none. */
  renewUrl: string | null;
}

/** `GET /api/subscriptions/me`. */
export type MeResponse = DataResponse<{
  /** The member's effective role (what the plugin's role rule gives them now). */
  role: { id: number; name: string; type: string } | null;
  subscriptions: MySubscription[];
}>;

/** `POST /api/subscriptions/me/subscriptions/:documentId/cancel` (200). */
export type MySubscriptionResponse = DataResponse<MySubscription>;

/** `POST /api/subscriptions/offers/:documentId/subscribe` (201): created, or renewed within the renewal window. */
export type FreeOfferResponse = DataResponse<MySubscription> & { meta: { action: 'created' | 'renewed' } };

/**
 * What a refusal adds in `error.details`:
 * - 400 (a paid offer): `checkoutUrl`;
 * - 409 (free offer held beyond the renewal window): `endsAt`, `renewableFrom`;
 * - 409 (free offer cap reached): `freeSubscriptionsPerMember`, `taken`;
 * - 409 (cancelling a Click2Sell subscription): `providerManageUrl`;
 * - 409 (cancelling an ended subscription): `status`.
 */
export interface MemberRefusalDetails {
  checkoutUrl?: string | null;
  endsAt?: string | null;
  renewableFrom?: string;
  freeSubscriptionsPerMember?: number;
  taken?: number;
  providerManageUrl?: string | null;
  status?: SubscriptionStatus;
}
