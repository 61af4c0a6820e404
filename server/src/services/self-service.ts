import type { Core } from '@strapi/strapi';
import { checkMemberCancel, decideFreeTake, DomainError, isFree, SelfServiceRefusal, type OwnSubscription, type Source } from '../domain';
import { getService } from '../utils/plugin';
import { datesOf, type SubscriptionRow } from '../repositories/mappers';
import { subscriptionRepository } from '../repositories/subscriptions';
import { offerRepository } from '../repositories/offers';
import { memberRepository } from '../repositories/members';
import { offerOf } from './member-changes';

const ownOf = (row: SubscriptionRow): OwnSubscription => ({
  ...datesOf(row),
  offerId: row.offer?.id ?? null,
  source: row.source as Source,
  freeTakes: row.freeTakes ?? null,
});

/** A subscription a member names in a URL: theirs, by documentId; anything else answers the same "not found". */
const notYours = (documentId: string) => new DomainError('subscription', `no subscription ${JSON.stringify(documentId)}`, 'not_found');

/**
 * What members do by themselves over the content API: take a free offer, cancel their own
 * subscription. Each takes the member's lock, reads their subscriptions under it, asks the domain
 * (domain/self-service.ts) and hands the change to the one write path (member-changes), in the
 * same transaction: two takes at once give one subscription.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = subscriptionRepository(strapi);
  const offers = offerRepository(strapi);
  const members = memberRepository(strapi);
  const changes = () => getService(strapi, 'memberChanges');
  const clock = () => getService(strapi, 'clock');
  const settings = () => getService(strapi, 'settings');

  /**
   * The member takes a free offer: create-or-renew (renewed within the renewal window), source
   * `self`. Unknown or unavailable offer: not found; a paid one: refused naming `offer` with its
   * checkout page; held beyond the renewal window, or the cap reached: a conflict.
   */
  const takeFreeOffer = async (userId: number, offerDocumentId: string) => {
    const offer = await offers.findByRef({ documentId: offerDocumentId });
    if (!offer || offer.available !== true) throw new DomainError('offer', `no offer ${JSON.stringify(offerDocumentId)}`, 'not_found');
    if (!isFree(offer.price)) {
      const checkoutUrl = offer.checkoutUrl ?? null;
      throw new SelfServiceRefusal(
        'offer',
        `offer: this offer is paid${checkoutUrl ? `; buy it at ${checkoutUrl}` : ' and has no checkout page yet'}`,
        'invalid',
        { checkoutUrl }
      );
    }
    return strapi.db.transaction(async () => {
      await members.lock([userId]);
      const now = clock().now();
      const config = await settings().get();
      const held = (await rows.snapshotOf([userId])).get(userId)?.rows ?? [];
      const take = decideFreeTake({
        held: held.map(ownOf),
        offerId: offer.id,
        now,
        renewalWindowHours: config.renewalWindowHours,
        cap: config.freeSubscriptionsPerMember,
      });
      const applied = await changes().apply(
        {
          userId,
          event: { type: 'create-or-renew', offer: offerOf(offer), recurring: false, source: 'self' },
          extra: { freeTakes: take },
        },
        { now }
      );
      return { action: applied.result.action === 'renewed' ? ('renewed' as const) : ('created' as const), subscription: applied.subscription!, now };
    });
  };

  /**
   * The member cancels one of their subscriptions: access lasts to the paid end, then
   * `cancelled` (the lifecycle's cancel). Another member's subscription is "not found", like an
   * unknown one; a Click2Sell one is refused (Click2Sell keeps billing) with where to stop it;
   * one already cancelled is answered as it is.
   */
  const cancelOwn = async (userId: number, documentId: string) =>
    strapi.db.transaction(async () => {
      // A documentId, never a row id: ids are guessable, and a member names only their own.
      if (/^\d+$/.test(documentId)) throw notYours(documentId);
      await members.lock([userId]);
      const now = clock().now();
      const row = await rows.findByRef(documentId);
      if (!row || row.user?.id !== userId) throw notYours(documentId);
      const { providerManageUrl } = await settings().get();
      if (!checkMemberCancel({ ...datesOf(row), source: row.source }, now, providerManageUrl)) return { subscription: row, now };
      const applied = await changes().apply({ userId, event: { type: 'cancel', subscriptionId: row.id } }, { now });
      return { subscription: applied.subscription ?? row, now };
    });

  return { takeFreeOffer, cancelOwn };
};
