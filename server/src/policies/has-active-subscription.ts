import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { getService } from '../utils/plugin';

export interface HasActiveSubscriptionConfig {
  /** Offers that qualify, by document id, id or Click2Sell product id; any offer when omitted. */
  offers?: (string | number)[];
}

/**
 * Route policy `plugin::subscriptions.has-active-subscription`: lets the request through only
 * for an authenticated user holding an active subscription (to one of `config.offers`).
 *
 *   config: { policies: [{ name: 'plugin::subscriptions.has-active-subscription', config: { offers: ['1002'] } }] }
 */
const hasActiveSubscription = async (
  policyContext: { state: { user?: { id: number } } },
  config: HasActiveSubscriptionConfig | undefined,
  { strapi }: { strapi: Core.Strapi }
) => {
  const user = policyContext.state.user;
  if (!user) throw new errors.PolicyError('An active subscription is required: log in first', { policy: 'has-active-subscription' });
  const offers = config?.offers && config.offers.length > 0 ? config.offers : undefined;
  const active = await getService(strapi, 'subscriptions').isActive(user.id, { offers });
  if (!active) {
    throw new errors.PolicyError(
      offers
        ? `An active subscription to one of these offers is required: ${offers.join(', ')}`
        : 'An active subscription is required',
      { policy: 'has-active-subscription' }
    );
  }
  return true;
};

export default hasActiveSubscription;
