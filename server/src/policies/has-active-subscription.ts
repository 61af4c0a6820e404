import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { getService } from '../utils/plugin';
import type { OfferSelector } from '../services/subscriptions';

export interface HasActiveSubscriptionConfig {
  /**
   * Offers that qualify; any offer when omitted. `{ documentIds: [...] }` or
   * `{ click2sellProductIds: [...] }` (both may be given); a bare list is document ids.
   */
  offers?: OfferSelector | string[];
}

const selectorOf = (config: HasActiveSubscriptionConfig | undefined): OfferSelector | undefined => {
  const offers = config?.offers;
  if (offers === undefined || offers === null) return undefined;
  if (Array.isArray(offers)) return offers.length > 0 ? { documentIds: offers.map(String) } : undefined;
  if (typeof offers !== 'object') throw new Error('has-active-subscription: config.offers must be { documentIds } or { click2sellProductIds }');
  const unknown = Object.keys(offers).filter((k) => !['documentIds', 'click2sellProductIds'].includes(k));
  if (unknown.length > 0) {
    throw new Error(`has-active-subscription: config.offers takes documentIds or click2sellProductIds, not ${unknown.join(', ')}`);
  }
  return {
    documentIds: (offers.documentIds ?? []).map(String),
    click2sellProductIds: (offers.click2sellProductIds ?? []).map(String),
  };
};

const describe = (s: OfferSelector) =>
  [
    ...(s.documentIds?.length ? [`offers ${s.documentIds.join(', ')}`] : []),
    ...(s.click2sellProductIds?.length ? [`Click2Sell products ${s.click2sellProductIds.join(', ')}`] : []),
  ].join(' or ');

/**
 * Route policy `plugin::subscriptions.has-active-subscription`: lets the request through only
 * for an authenticated user holding an active subscription (to one of `config.offers`).
 *
 *   config: { policies: [{ name: 'plugin::subscriptions.has-active-subscription',
 *                          config: { offers: { click2sellProductIds: ['1002'] } } }] }
 */
const hasActiveSubscription = async (
  policyContext: { state: { user?: { id: number } } },
  config: HasActiveSubscriptionConfig | undefined,
  { strapi }: { strapi: Core.Strapi }
) => {
  const user = policyContext.state.user;
  if (!user) throw new errors.PolicyError('An active subscription is required: log in first', { policy: 'has-active-subscription' });
  const offers = selectorOf(config);
  const active = await getService(strapi, 'subscriptions').isActive(user.id, { offers });
  if (!active) {
    throw new errors.PolicyError(
      offers ? `An active subscription to one of these is required: ${describe(offers)}` : 'An active subscription is required',
      { policy: 'has-active-subscription' }
    );
  }
  return true;
};

export default hasActiveSubscription;
