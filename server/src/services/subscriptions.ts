import type { Core } from '@strapi/strapi';
import { decideRole, DomainError, isActiveAt, type DatesPatch, type HistoryCause, type MemberEvent, type Source } from '../domain';
import { getService } from '../utils/plugin';
import { datesOf, grantOf, type OfferRow, type SubscriptionRow } from '../repositories/mappers';
import { subscriptionRepository, type PurchaseInfo, type Ref } from '../repositories/subscriptions';
import { offerRepository } from '../repositories/offers';
import { memberRepository } from '../repositories/members';
import { offerOf, SUBSCRIPTION_EVENTS, type SubscriptionEvent } from './member-changes';

/** Which offers qualify: by document id, row id or Click2Sell product id, each matched only as what it is. */
export interface OfferSelector {
  documentIds?: string[];
  ids?: number[];
  click2sellProductIds?: string[];
}

export { SUBSCRIPTION_EVENTS, type SubscriptionEvent, type PurchaseInfo, type Ref };

/**
 * The service API other plugins, the admin API and the member API call. Every change goes
 * through the one write path (member-changes): these methods only name the member and the event.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = subscriptionRepository(strapi);
  const offers = offerRepository(strapi);
  const members = memberRepository(strapi);
  const changes = () => getService(strapi, 'memberChanges');
  const clock = () => getService(strapi, 'clock');

  const findOffer = async (ref: Ref, field = 'offer'): Promise<OfferRow> => {
    const offer = await offers.findByRef(ref);
    if (!offer) throw new DomainError(field, `${field}: no offer ${JSON.stringify(ref)}`, 'not_found');
    return offer;
  };

  const findUserId = async (ref: Ref, field = 'user'): Promise<number> => {
    const id = await members.findIdByRef(ref);
    if (id === null) throw new DomainError(field, `${field}: no user ${JSON.stringify(ref)}`, 'not_found');
    return id;
  };

  const findSubscription = async (ref: Ref): Promise<SubscriptionRow> => {
    const row = await rows.findByRef(ref);
    if (!row) throw new DomainError('subscription', `no subscription ${JSON.stringify(ref)}`, 'not_found');
    return row;
  };

  /** Applies an event to the member a subscription belongs to, and returns the row after it. */
  const onSubscription = async (ref: Ref, event: (id: number) => MemberEvent, now?: Date, cause?: HistoryCause): Promise<SubscriptionRow> => {
    const owner = await rows.memberOf(ref);
    if (!owner) throw new DomainError('subscription', `no subscription ${JSON.stringify(ref)}`, 'not_found');
    if (owner.userId === null) throw new DomainError('user', 'the subscription has no member');
    const applied = await changes().apply({ userId: owner.userId, event: event(owner.subscriptionId), cause }, { now });
    return applied.subscription ?? findSubscription(owner.subscriptionId);
  };

  /** Subscribe a member to an offer: start defaults to now, end = start + the offer's duration. */
  const subscribe = async (input: {
    user: Ref;
    offer: Ref;
    startsAt?: Date | null;
    source?: Source;
    purchase?: PurchaseInfo;
    now?: Date;
    /** Why, for the history (default: the service API). */
    cause?: HistoryCause;
  }): Promise<SubscriptionRow> => {
    const userId = await findUserId(input.user);
    const offer = await findOffer(input.offer);
    const applied = await changes().apply(
      {
        userId,
        event: { type: 'subscribe', offer: offerOf(offer), startsAt: input.startsAt ?? null, source: input.source ?? 'api' },
        purchase: input.purchase,
        cause: input.cause,
      },
      { now: input.now }
    );
    return applied.subscription!;
  };

  /**
   * What a payment triggers, without a payment record (the service API): renew the member's
   * subscription to the same offer when it is active or ended less than the renewal window ago,
   * otherwise create one (parallel or queued, per the stacking setting).
   */
  const createOrRenew = async (input: {
    user: Ref;
    offer: Ref;
    source?: Source;
    purchase?: PurchaseInfo;
    recurring?: boolean;
    now?: Date;
    cause?: HistoryCause;
  }): Promise<{ action: 'created' | 'renewed'; subscription: SubscriptionRow }> => {
    const userId = await findUserId(input.user);
    const offer = await findOffer(input.offer);
    const applied = await changes().apply(
      {
        userId,
        event: { type: 'create-or-renew', offer: offerOf(offer), recurring: input.recurring ?? false, source: input.source ?? 'api' },
        purchase: input.purchase,
        cause: input.cause,
      },
      { now: input.now }
    );
    return { action: applied.result.action === 'renewed' ? 'renewed' : 'created', subscription: applied.subscription! };
  };

  /** Renew: new end = (later of the current paid end and now) + the offer's duration. */
  const renew = (ref: Ref, options: { now?: Date; cause?: HistoryCause } = {}) =>
    onSubscription(ref, (id) => ({ type: 'renew', subscriptionId: id }), options.now, options.cause);

  /** Cancel: no more renewals; access lasts to the end of the paid period. */
  const cancel = (ref: Ref, options: { now?: Date; cause?: HistoryCause } = {}) =>
    onSubscription(ref, (id) => ({ type: 'cancel', subscriptionId: id }), options.now, options.cause);

  /** Refund the whole subscription: access revoked now, its payments marked refunded, role recomputed. */
  const refund = (ref: Ref, options: { now?: Date; cause?: HistoryCause } = {}) =>
    onSubscription(ref, (id) => ({ type: 'refund', subscriptionId: id }), options.now, options.cause);

  /** An editor changes dates by hand; the status follows, an end before the start is refused. */
  const editDates = (ref: Ref, patch: DatesPatch, options: { now?: Date; cause?: HistoryCause } = {}) =>
    onSubscription(ref, (id) => ({ type: 'edit', subscriptionId: id, patch }), options.now, options.cause);

  const listForUser = async (userId: number): Promise<SubscriptionRow[]> => (await rows.snapshotOf([userId])).get(userId)?.rows ?? [];

  /**
   * What `/api/subscriptions/me` shows: the member's subscriptions with their offers (one joined
   * query) and the role the role rule gives them at `now`, computed from those subscriptions.
   * `knownRole`: the member's role as users-permissions' authentication just read it; it is the
   * answer whenever the rule agrees with it (always, but between a change of status and the
   * scheduler's run that writes it), so no role is read again.
   */
  const accessOf = async (userId: number, knownRole: { id: number; name: string; type: string } | null, now: Date) => {
    const snapshot = (await rows.snapshotOf([userId])).get(userId);
    const subscriptionRows = snapshot?.rows ?? [];
    const roleService = getService(strapi, 'roles');
    const decision = decideRole({
      grants: subscriptionRows.map(grantOf),
      currentRoleId: knownRole?.id ?? snapshot?.roleId ?? null,
      fallbackRoleId: await roleService.fallbackRoleId(),
      offerRoleIds: await roleService.offerRoleIds(),
      now,
    });
    const role =
      decision.roleId === null ? null : knownRole && knownRole.id === decision.roleId ? knownRole : await members.roleById(decision.roleId);
    return { rows: subscriptionRows, role };
  };

  /**
   * Whether a member holds an active subscription at `now`, to one of the given offers when
   * asked: by document id, row id, or Click2Sell product id — each matched only as what it is.
   */
  const isActive = async (
    userId: number,
    options: { offers?: OfferSelector | string[]; now?: Date } = {}
  ) => {
    const now = options.now ?? clock().now();
    // A bare list names offers by document id only.
    const wanted = Array.isArray(options.offers) ? { documentIds: options.offers } : options.offers;
    return (await listForUser(userId)).some(
      (row) =>
        isActiveAt(datesOf(row), now) &&
        (!wanted ||
          (wanted.documentIds ?? []).includes(String(row.offer?.documentId)) ||
          (wanted.ids ?? []).includes(Number(row.offer?.id)) ||
          (row.offer?.click2sellProductId != null && (wanted.click2sellProductIds ?? []).includes(row.offer.click2sellProductId)))
    );
  };

  /** The member's role as the plugin sees it now (what `/api/subscriptions/me` reports). */
  const effectiveRole = (userId: number) => members.roleDetails(userId);

  return {
    effectiveRole,
    accessOf,
    subscribe,
    renew,
    createOrRenew,
    cancel,
    refund,
    editDates,
    isActive,
    listForUser,
    findSubscription,
    findOffer,
  };
};
