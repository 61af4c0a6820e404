import type { Core } from '@strapi/strapi';
import {
  DomainError,
  cancel as cancelDates,
  decideCreateOrRenew,
  editDates as editDatesRule,
  extendFromPaidEnd,
  openEnded,
  isActiveAt,
  refund as refundDates,
  renew as renewDates,
  subscribe as subscribeDates,
  type DatesPatch,
  type Source,
  type SubscriptionDates,
} from '../domain';
import { UID } from '../content-types';
import { getService } from '../utils/plugin';
import {
  columnsOf,
  datesOf,
  heldOf,
  SUBSCRIPTION_POPULATE,
  type OfferRow,
  type SubscriptionRow,
} from '../repositories/mappers';

/** A row id (number) or a documentId (string). */
export type Ref = number | string;

export interface PurchaseInfo {
  lastPurchaseId?: string | null;
  lastPurchaseAt?: Date | null;
  affiliate?: string | null;
  buyerName?: string | null;
}

export const SUBSCRIPTION_EVENTS = [
  'subscriptions.subscription.created',
  'subscriptions.subscription.renewed',
  'subscriptions.subscription.activated',
  'subscriptions.subscription.expired',
  'subscriptions.subscription.cancelled',
  'subscriptions.subscription.refunded',
  'subscriptions.user.created',
] as const;
export type SubscriptionEvent = (typeof SUBSCRIPTION_EVENTS)[number];

const whereRef = (ref: Ref) =>
  typeof ref === 'number' || /^\d+$/.test(ref) ? { id: Number(ref) } : { documentId: ref };

/**
 * Applies the lifecycle rules (../domain) to stored subscriptions: read rows, ask the domain,
 * write in one transaction, recompute the member's role, emit events after commit.
 * The Content Manager, the admin API, Click2Sell and other plugins all come through here or
 * through the document middleware that calls the same rules.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const clock = () => getService(strapi, 'clock');
  const roles = () => getService(strapi, 'roles');
  const settings = () => getService(strapi, 'settings');

  const emitAfterCommit = (event: SubscriptionEvent, payload: Record<string, unknown>) => {
    const emit = () => {
      void strapi.eventHub.emit(event, payload);
    };
    if (strapi.db.inTransaction()) strapi.db.transaction(async ({ onCommit }) => onCommit(emit));
    else emit();
  };

  /** Serialises work on one member across processes (PostgreSQL, MySQL); SQLite has one writer. */
  const lockUser = async (userId: number) => {
    const client = strapi.db.dialect.client;
    if (client === 'sqlite') return;
    await strapi.db.transaction(async ({ trx }) => {
      const table = strapi.db.metadata.get(UID.user).tableName;
      await trx(table).select('id').where({ id: userId }).forUpdate();
    });
  };

  const findOffer = async (ref: Ref, field = 'offer'): Promise<OfferRow> => {
    const offer = (await strapi.db.query(UID.offer).findOne({
      where: whereRef(ref),
      populate: { role: { select: ['id'] } },
    })) as OfferRow | null;
    if (!offer) throw new DomainError(field, `${field}: no offer ${JSON.stringify(ref)}`, 'not_found');
    return offer;
  };

  const findUserId = async (ref: Ref, field = 'user'): Promise<number> => {
    const user = (await strapi.db.query(UID.user).findOne({ where: whereRef(ref), select: ['id'] })) as {
      id: number;
    } | null;
    if (!user) throw new DomainError(field, `${field}: no user ${JSON.stringify(ref)}`, 'not_found');
    return user.id;
  };

  const findSubscription = async (ref: Ref): Promise<SubscriptionRow> => {
    const row = (await strapi.db.query(UID.subscription).findOne({
      where: whereRef(ref),
      populate: SUBSCRIPTION_POPULATE,
    })) as SubscriptionRow | null;
    if (!row) throw new DomainError('subscription', `no subscription ${JSON.stringify(ref)}`, 'not_found');
    return row;
  };

  const listForUser = async (userId: number): Promise<SubscriptionRow[]> =>
    (await strapi.db.query(UID.subscription).findMany({
      where: { user: { id: userId } },
      populate: SUBSCRIPTION_POPULATE,
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    })) as SubscriptionRow[];

  const writeDates = async (row: SubscriptionRow, dates: SubscriptionDates, extra: PurchaseInfo = {}) =>
    (await strapi.db.query(UID.subscription).update({
      where: { id: row.id },
      data: { ...columnsOf(dates), ...extra },
      populate: SUBSCRIPTION_POPULATE,
    })) as SubscriptionRow;

  const insert = async (
    userId: number,
    offer: OfferRow,
    dates: SubscriptionDates,
    source: Source,
    purchase: PurchaseInfo
  ): Promise<SubscriptionRow> =>
    (await strapi.db.query(UID.subscription).create({
      data: { ...columnsOf(dates), user: userId, offer: offer.id, source, ...purchase },
      populate: SUBSCRIPTION_POPULATE,
    })) as SubscriptionRow;

  /**
   * The member's role after a change. `held`: the member's subscriptions as read under the
   * member's lock in this transaction, with `changed` (the row just written) replacing or
   * joining them — the role is then decided without reading them again.
   */
  const afterChange = async (userId: number, now: Date, held?: readonly SubscriptionRow[], changed?: SubscriptionRow) => {
    const rows = held && changed ? [...held.filter((r) => r.id !== changed.id), changed] : undefined;
    await roles().recompute(userId, now, [], rows);
  };

  /** Subscribe a member to an offer: start defaults to now, end = start + the offer's duration. */
  const subscribe = async (input: {
    user: Ref;
    offer: Ref;
    startsAt?: Date | null;
    source?: Source;
    purchase?: PurchaseInfo;
    now?: Date;
  }): Promise<SubscriptionRow> => {
    return strapi.db.transaction(async () => {
      const userId = await findUserId(input.user);
      const offer = await findOffer(input.offer);
      await lockUser(userId);
      const now = input.now ?? clock().now();
      const dates = subscribeDates(offer, now, { startsAt: input.startsAt ?? null });
      const row = await insert(userId, offer, dates, input.source ?? 'api', input.purchase ?? {});
      await afterChange(userId, now);
      emitAfterCommit('subscriptions.subscription.created', { subscription: row });
      return row;
    });
  };

  const renewRow = async (row: SubscriptionRow, now: Date, purchase: PurchaseInfo = {}, held?: readonly SubscriptionRow[]) => {
    if (!row.offer) throw new DomainError('offer', 'the subscription has no offer to renew from');
    const before = datesOf(row);
    const dates = renewDates(before, row.offer, now);
    const updated = await writeDates(row, dates, purchase);
    if (row.user) await afterChange(row.user.id, now, held, updated);
    emitAfterCommit('subscriptions.subscription.renewed', { subscription: updated, previous: before });
    return updated;
  };

  /** Renew: new end = (later of the current end and now) + the offer's duration. */
  const renew = async (ref: Ref, options: { now?: Date; purchase?: PurchaseInfo } = {}) => {
    return strapi.db.transaction(async () => {
      const row = await findSubscription(ref);
      if (row.user) await lockUser(row.user.id);
      return renewRow(await findSubscription(ref), options.now ?? clock().now(), options.purchase);
    });
  };

  /**
   * What a payment triggers: renew the member's subscription to the same offer when it is active
   * or ended less than the renewal window ago, otherwise create one (parallel or queued, per the
   * stacking setting).
   */
  const createOrRenew = async (input: {
    user: Ref;
    offer: Ref;
    source?: Source;
    purchase?: PurchaseInfo;
    /** A recurring payment plan: the new subscription has no hard end until it is cancelled. */
    recurring?: boolean;
    now?: Date;
  }): Promise<{ action: 'created' | 'renewed'; subscription: SubscriptionRow }> => {
    const { renewalWindowHours, stackingMode } = await settings().get();
    return strapi.db.transaction(async (): Promise<{ action: 'created' | 'renewed'; subscription: SubscriptionRow }> => {
      const userId = await findUserId(input.user);
      const offer = await findOffer(input.offer);
      await lockUser(userId);
      // Read the time after the lock: a payment that waited for another one must not judge
      // that one's fresh subscription as not started yet.
      const now = input.now ?? clock().now();
      const held = await listForUser(userId);
      const decision = decideCreateOrRenew({
        held: held.map(heldOf),
        offer: { id: offer.id, roleId: offer.role?.id ?? null },
        now,
        renewalWindowHours,
        stackingMode,
      });
      if (decision.action === 'renew') {
        const row = held.find((s) => s.id === decision.subscriptionId) as SubscriptionRow;
        return { action: 'renewed', subscription: await renewRow(row, now, input.purchase, held) };
      }
      const subscribed = subscribeDates(offer, now, { startsAt: decision.startsAt });
      const dates = input.recurring ? openEnded(subscribed, now) : subscribed;
      const row = await insert(userId, offer, dates, input.source ?? 'api', input.purchase ?? {});
      await afterChange(userId, now, held, row);
      emitAfterCommit('subscriptions.subscription.created', { subscription: row });
      return { action: 'created', subscription: row };
    });
  };

  /** Of a member's subscriptions, the latest to an offer that a payment can act on (not refunded). */
  const latestAmong = (held: readonly SubscriptionRow[], offerId: number, purchaseId?: string): SubscriptionRow | null => {
    const rows = held.filter((r) => r.offer?.id === offerId && r.status !== 'refunded');
    if (purchaseId) {
      const exact = rows.find((r) => r.lastPurchaseId === purchaseId);
      if (exact) return exact;
    }
    return rows.sort((a, b) => (datesOf(b).dueAt?.getTime() ?? Infinity) - (datesOf(a).dueAt?.getTime() ?? Infinity))[0] ?? null;
  };

  /** The member's latest subscription to an offer that a payment can act on (not refunded). */
  const latestFor = async (userId: number, offerId: number, purchaseId?: string): Promise<SubscriptionRow | null> =>
    latestAmong(await listForUser(userId), offerId, purchaseId);

  /**
   * A re-bill: extend the member's subscription to the offer from its current paid end (not
   * from now), reactivating it if the grace rule had ended it. Without one, it is a purchase.
   */
  const rebill = async (input: { user: number; offer: Ref; purchase?: PurchaseInfo; source?: Source; now?: Date }) => {
    return strapi.db.transaction(async (): Promise<{ action: 'created' | 'renewed'; subscription: SubscriptionRow }> => {
      const offer = await findOffer(input.offer);
      await lockUser(input.user);
      const now = input.now ?? clock().now();
      const held = await listForUser(input.user);
      const row = latestAmong(held, offer.id);
      if (!row) return createOrRenew({ ...input, recurring: true, now });
      const before = datesOf(row);
      const updated = await writeDates(row, extendFromPaidEnd(before, offer, now), input.purchase ?? {});
      await afterChange(input.user, now, held, updated);
      emitAfterCommit('subscriptions.subscription.renewed', { subscription: updated, previous: before });
      return { action: 'renewed', subscription: updated };
    });
  };

  /** Cancel: no more renewals; access lasts to the end of the paid period. */
  const cancel = async (ref: Ref, options: { now?: Date } = {}) => {
    const now = options.now ?? clock().now();
    return strapi.db.transaction(async () => {
      const row = await findSubscription(ref);
      if (row.cancelledAt) return row;
      const updated = await writeDates(row, cancelDates(datesOf(row), now));
      if (row.user) await afterChange(row.user.id, now);
      emitAfterCommit('subscriptions.subscription.cancelled', { subscription: updated });
      return updated;
    });
  };

  /** Refund: access revoked now, role recomputed. */
  const refund = async (ref: Ref, options: { now?: Date } = {}) => {
    const now = options.now ?? clock().now();
    return strapi.db.transaction(async () => {
      const row = await findSubscription(ref);
      if (row.status === 'refunded') return row;
      const updated = await writeDates(row, refundDates(datesOf(row), now));
      if (row.user) await afterChange(row.user.id, now);
      emitAfterCommit('subscriptions.subscription.refunded', { subscription: updated });
      return updated;
    });
  };

  /** An editor changes dates by hand; the status follows, an end before the start is refused. */
  const editDates = async (ref: Ref, patch: DatesPatch, options: { now?: Date } = {}) => {
    const now = options.now ?? clock().now();
    return strapi.db.transaction(async () => {
      const row = await findSubscription(ref);
      const updated = await writeDates(row, editDatesRule(datesOf(row), patch, now));
      if (row.user) await afterChange(row.user.id, now);
      return updated;
    });
  };

  /** Whether a member holds an active subscription (to one of `offers`, when given) at `now`. */
  const isActive = async (userId: number, options: { offers?: Ref[]; now?: Date } = {}) => {
    const now = options.now ?? clock().now();
    const rows = await listForUser(userId);
    const wanted = options.offers?.map(String);
    return rows.some(
      (row) =>
        isActiveAt(datesOf(row), now) &&
        (!wanted ||
          wanted.includes(String(row.offer?.id)) ||
          wanted.includes(String(row.offer?.documentId)) ||
          (row.offer?.click2sellProductId != null && wanted.includes(row.offer.click2sellProductId)))
    );
  };

  /** The member's role as the plugin sees it now (what `/api/subscriptions/me` reports). */
  const effectiveRole = async (userId: number) => {
    const user = (await strapi.db.query(UID.user).findOne({
      where: { id: userId },
      select: ['id'],
      populate: { role: { select: ['id', 'name', 'type'] } },
    })) as { role?: { id: number; name: string; type: string } | null } | null;
    return user?.role ? { id: user.role.id, name: user.role.name, type: user.role.type } : null;
  };

  return {
    effectiveRole,
    latestFor,
    rebill,
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
    emitAfterCommit,
  };
};
