import type { Core } from '@strapi/strapi';
import {
  DomainError,
  assertDatesOrdered,
  cancel,
  editDates,
  refund,
  subscribe,
  type DatesPatch,
  type SubscriptionDates,
} from './domain';
import { UID } from './content-types';
import { getService } from './utils/plugin';
import { relationRef, type RelationRef } from './utils/relations';
import { toDate } from './utils/dates';
import { rethrowAsHttp } from './utils/errors';
import { grantMemberPermissions } from './default-permissions';
import { columnsOf, datesOf, SUBSCRIPTION_POPULATE, type OfferRow, type SubscriptionRow } from './repositories/mappers';

type Data = Record<string, unknown>;
type Next = () => Promise<unknown>;

const findByRef = async (strapi: Core.Strapi, uid: string, ref: RelationRef, populate?: object) => {
  if (!ref) return null;
  const where = ref.id !== undefined ? { id: ref.id } : { documentId: ref.documentId };
  return strapi.db.query(uid as never).findOne({ where, populate: populate as never });
};

const datePatch = (data: Data): DatesPatch => {
  const patch: DatesPatch = {};
  for (const key of ['startsAt', 'dueAt', 'endsAt'] as const) {
    if (!(key in data)) continue;
    const raw = data[key];
    if (raw === null || raw === '') {
      if (key === 'startsAt') throw new DomainError('startsAt', 'startsAt is required');
      patch[key] = null;
      continue;
    }
    const date = toDate(raw);
    if (!date) throw new DomainError(key, `${key} is not a valid date`);
    (patch as Record<string, Date | null>)[key] = date;
  }
  return patch;
};

/**
 * Editors write subscriptions through the Content Manager (the Document Service). This
 * middleware runs the same lifecycle rules there: dates computed from the offer, status derived
 * from the dates, the user fixed after creation, invalid dates refused with the field named,
 * and the member's role recomputed after every change.
 */
export const registerDocumentMiddleware = (strapi: Core.Strapi) => {
  strapi.documents.use((async (context: { uid: string; action: string; params: unknown }, next: Next) => {
    const { uid, action } = context;
    if (uid !== UID.subscription && uid !== UID.offer && uid !== UID.notificationRule) return next();
    const params = context.params as { data?: Data; documentId?: string };
    const now = getService(strapi, 'clock').now();
    try {
      // Strapi's create looks an entry up by the given documentId before validating anything: an
      // object there becomes query operators and an unhandled error (HTTP 500). Refused as input.
      const documentId = params.data?.documentId;
      if (action === 'create' && documentId !== undefined && documentId !== null && typeof documentId !== 'string') {
        throw new DomainError('documentId', 'documentId must be a string');
      }
      if (uid === UID.subscription) return await onSubscription(strapi, action, params, now, next);
      if (uid === UID.offer) return await onOffer(strapi, action, params, now, next);
      return await onNotificationRule(strapi, action, params, next);
    } catch (error) {
      return rethrowAsHttp(error);
    }
  }) as never);
};

const onSubscription = async (
  strapi: Core.Strapi,
  action: string,
  params: { data?: Data; documentId?: string },
  now: Date,
  next: Next
) => {
  const roles = getService(strapi, 'roles');
  const service = getService(strapi, 'subscriptions');

  if (action === 'create') {
    const data = params.data ?? {};
    const userRef = relationRef(data.user);
    const offerRef = relationRef(data.offer);
    const user = (await findByRef(strapi, UID.user, userRef)) as { id: number } | null;
    if (!user) throw new DomainError('user', userRef ? 'user: no such user' : 'user is required');
    const offer = (await findByRef(strapi, UID.offer, offerRef)) as OfferRow | null;
    if (!offer) throw new DomainError('offer', offerRef ? 'offer: no such offer' : 'offer is required');
    const patch = datePatch(data);
    let dates: SubscriptionDates = subscribe(offer, now, { startsAt: patch.startsAt ?? null });
    if (patch.dueAt !== undefined || patch.endsAt !== undefined) {
      dates = editDates(dates, { dueAt: patch.dueAt, endsAt: patch.endsAt }, now);
    }
    if (data.status === 'refunded') dates = refund(dates, now);
    else if (data.status === 'cancelled') dates = cancel(dates, now);
    params.data = { ...data, ...columnsOf(dates), source: data.source ?? 'manual' };
    const result = (await next()) as { id?: number } | null;
    await roles.recompute(user.id, now);
    service.emitAfterCommit('subscriptions.subscription.created', { subscription: result });
    return result;
  }

  if (action === 'update' && params.documentId) {
    const data = params.data ?? {};
    const current = (await strapi.db.query(UID.subscription).findOne({
      where: { documentId: params.documentId },
      populate: SUBSCRIPTION_POPULATE,
    })) as SubscriptionRow | null;
    if (!current) return next();
    if ('user' in data) {
      const ref = relationRef(data.user);
      const sameUser =
        ref === undefined ||
        (ref !== null &&
          !!current.user &&
          ((ref.id !== undefined && ref.id === current.user.id) ||
            (ref.documentId !== undefined && ref.documentId === current.user.documentId)));
      if (!sameUser) throw new DomainError('user', 'user cannot change after the subscription is created');
      delete data.user;
    }
    if ('offer' in data && relationRef(data.offer) === null) throw new DomainError('offer', 'offer is required');
    let dates = editDates(datesOf(current), datePatch(data), now);
    if (data.status === 'refunded' && current.status !== 'refunded') dates = refund(dates, now);
    else if (data.status === 'cancelled' && !current.cancelledAt) dates = cancel(dates, now);
    assertDatesOrdered(dates);
    params.data = { ...data, ...columnsOf(dates) };
    const result = await next();
    if (current.user) await roles.recompute(current.user.id, now);
    return result;
  }

  if (action === 'delete' && params.documentId) {
    const current = (await strapi.db.query(UID.subscription).findOne({
      where: { documentId: params.documentId },
      populate: { user: { select: ['id'] } },
    })) as SubscriptionRow | null;
    const result = await next();
    if (current?.user) await roles.recompute(current.user.id, now);
    return result;
  }

  return next();
};

const onOffer = async (
  strapi: Core.Strapi,
  action: string,
  params: { data?: Data; documentId?: string },
  now: Date,
  next: Next
) => {
  const data = params.data ?? {};
  if (action === 'create' || action === 'update') {
    if ('duration' in data && data.duration !== null && data.duration !== undefined) {
      const duration = Number(data.duration);
      if (!Number.isInteger(duration) || duration < 0) {
        throw new DomainError('duration', 'duration must be a whole number ≥ 0 (0 = unlimited)');
      }
    }
    if ('price' in data && data.price !== null && data.price !== undefined && data.price !== '') {
      const price = Number(data.price);
      if (!Number.isFinite(price) || price < 0) throw new DomainError('price', 'price must be a number ≥ 0');
    }
  }
  if (action === 'create') {
    const result = (await next()) as { id?: number } | null;
    if (result?.id) await grantOfferRole(strapi, result.id);
    return result;
  }
  if ((action === 'update' || action === 'delete') && params.documentId) {
    const before = (await strapi.db.query(UID.offer).findOne({
      where: { documentId: params.documentId },
      populate: { role: { select: ['id'] } },
    })) as OfferRow | null;
    if (action === 'delete' && before) {
      // Subscriptions keep their history; the members lose what the offer granted.
      const subscribers = (await strapi.db.query(UID.subscription).findMany({
        where: { offer: { id: before.id } },
        select: ['id'],
        populate: { user: { select: ['id'] } },
      })) as { user?: { id: number } | null }[];
      const result = await next();
      const ids = [...new Set(subscribers.map((s) => s.user?.id).filter((id): id is number => !!id))];
      for (const userId of ids) await getService(strapi, 'roles').recompute(userId, now, before.role ? [before.role.id] : []);
      return result;
    }
    const result = await next();
    if (before && ('role' in data || 'level' in data)) {
      const after = (await strapi.db.query(UID.offer).findOne({
        where: { id: before.id },
        populate: { role: { select: ['id'] } },
      })) as OfferRow;
      if (after.role?.id) await grantMemberPermissions(strapi, after.role.id);
      if ((after.role?.id ?? null) !== (before.role?.id ?? null) || (after.level ?? 0) !== (before.level ?? 0)) {
        await getService(strapi, 'roles').recomputeForOffer(before.id, now, before.role?.id ?? null);
      }
    }
    return result;
  }
  return next();
};

const grantOfferRole = async (strapi: Core.Strapi, offerId: number) => {
  const offer = (await strapi.db.query(UID.offer).findOne({
    where: { id: offerId },
    populate: { role: { select: ['id'] } },
  })) as OfferRow | null;
  if (offer?.role?.id) await grantMemberPermissions(strapi, offer.role.id);
};

const onNotificationRule = async (
  strapi: Core.Strapi,
  action: string,
  params: { data?: Data; documentId?: string },
  next: Next
) => {
  const data = params.data ?? {};
  if (action === 'create') {
    const offer = await findByRef(strapi, UID.offer, relationRef(data.offer));
    if (!offer) throw new DomainError('offer', 'offer is required');
  }
  if (action === 'update' && 'offer' in data && relationRef(data.offer) === null) {
    throw new DomainError('offer', 'offer is required');
  }
  return next();
};
