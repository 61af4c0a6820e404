import type { DataResponse, Period } from './common';

/**
 * The Offers pages: `GET /subscriptions/offers[/:documentId]`, the notification rules
 * (`POST|PUT|DELETE /subscriptions/offers/:documentId/rules[/:ruleId]`), "add a subscriber"
 * (`POST /subscriptions/offers/:documentId/subscribers`, answered with a SubscriptionResponse)
 * and its user search (`GET /subscriptions/users?search=`).
 */

/** An offer of the list, with how many subscriptions to it are active now. */
export interface OfferSummary {
  id: number;
  documentId: string;
  title: string;
  duration: number;
  period: string;
  price: number | null;
  currency: string | null;
  available: boolean | null;
  activeSubscriptions: number;
}

/** `GET /subscriptions/offers`. */
export type OffersResponse = DataResponse<OfferSummary[]>;

export type RuleWhen = 'before' | 'after';

/** A notification rule: a reminder `amount` `period`s `when` the end. */
export interface NotificationRule {
  id: number;
  documentId: string;
  amount: number;
  period: Period;
  when: RuleWhen;
}

/** `POST` and `PUT …/rules`. */
export interface NotificationRuleInput {
  amount: number;
  period: Period;
  when: RuleWhen;
}

/** `POST` (201) and `PUT …/rules`. */
export type NotificationRuleResponse = DataResponse<NotificationRule>;

/** `DELETE …/rules/:ruleId`. */
export type DeleteResponse = DataResponse<null>;

/** One offer with its role and its notification rules (before the end first). */
export interface OfferDetail {
  id: number;
  documentId: string;
  title: string;
  duration: number;
  period: Period;
  price: number | null;
  currency: string | null;
  available: boolean | null;
  level: number | null;
  click2sellProductId: string | null;
  role?: { id: number; name: string } | null;
  notificationRules: NotificationRule[];
}

/** `GET /subscriptions/offers/:documentId`. */
export type OfferDetailResponse = DataResponse<OfferDetail>;

/** `POST …/subscribers`: a user's id; the start defaults to now, the ends come from the offer. */
export interface AddSubscriberInput {
  user: number;
  startsAt?: string;
}

/** A user found by e-mail or username. */
export interface UserHit {
  id: number;
  documentId: string;
  email: string;
  username: string;
}

/** `GET /subscriptions/users?search=`: ten users at most, by e-mail. */
export type UsersResponse = DataResponse<UserHit[]>;
