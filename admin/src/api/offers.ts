import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, segment, useGet } from './client';
import type {
  AddSubscriberInput,
  NotificationRule,
  NotificationRuleInput,
  NotificationRuleResponse,
  OfferDetailResponse,
  OffersResponse,
  SubscriptionRecord,
  SubscriptionResponse,
  UserHit,
  UsersResponse,
} from './contract';

/** The Offers pages: offers, an offer's notification rules, and adding a subscriber to it. */

const offerPath = (offer: string) => `/offers/${segment(offer)}`;
const rulePath = (offer: string, rule?: string) => `${offerPath(offer)}/rules${rule ? `/${segment(rule)}` : ''}`;

/** The offers (not read while `enabled` is false). */
export const useOffers = (enabled = true) => useGet<OffersResponse>(enabled ? apiPath('/offers') : null);

export const useOffer = (documentId: string) => useGet<OfferDetailResponse>(apiPath(offerPath(documentId)));

export const useOfferActions = () => {
  const { get, post, put, del } = useFetchClient();
  return {
    /** Creates a rule, or changes the rule `rule` names. */
    saveRule: async (offer: string, rule: string | undefined, input: NotificationRuleInput): Promise<NotificationRule> =>
      (rule
        ? await put<NotificationRuleResponse>(apiPath(rulePath(offer, rule)), input)
        : await post<NotificationRuleResponse>(apiPath(rulePath(offer)), input)
      ).data.data,
    deleteRule: async (offer: string, rule: string): Promise<void> => {
      await del(apiPath(rulePath(offer, rule)));
    },
    /** Users whose e-mail or username contains `search`. */
    searchUsers: async (search: string): Promise<UserHit[]> =>
      (await get<UsersResponse>(apiPath('/users', { search }))).data.data,
    /** Subscribes a user to the offer: the dates come from the offer. */
    addSubscriber: async (offer: string, input: AddSubscriberInput): Promise<SubscriptionRecord> =>
      (await post<SubscriptionResponse>(apiPath(`${offerPath(offer)}/subscribers`), input)).data.data,
  };
};
