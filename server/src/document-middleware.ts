import type { Core } from '@strapi/strapi';
import { documentCause } from './utils/cause';
import { checkCheckoutUrl, DomainError, SOURCES, STATUSES, type DatesPatch, type Source, type Status } from './domain';
import { UID } from './content-types';
import { getService } from './utils/plugin';
import { relationRef } from './utils/relations';
import { toDate } from './utils/dates';
import { rethrowAsHttp } from './utils/errors';
import { grantMemberPermissions } from './default-permissions';
import type { OfferRow } from './repositories/mappers';
import { subscriptionRepository } from './repositories/subscriptions';
import { offerRepository } from './repositories/offers';
import { memberRepository } from './repositories/members';
import { offerOf } from './services/member-changes';

type Data = Record<string, unknown>;
type Next = () => Promise<unknown>;


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
 * Editors write offers, subscriptions and notification rules through the Content Manager (the
 * Document Service). Subscriptions go to the one write path; offers and rules are validated
 * here (a field named in every refusal), and an offer's role or level change moves its members.
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
      if (uid === UID.subscription) return await onSubscription(strapi, action, params, next);
      if (uid === UID.offer) return await onOffer(strapi, action, params, now, next);
      return await onNotificationRule(strapi, action, params, next);
    } catch (error) {
      return rethrowAsHttp(error);
    }
  }) as never);
};

/** Columns an editor may write besides the dates, relations and status (validated here: the Document Service's own validation is bypassed with the write path). */
const EXTRA_FIELDS: Record<string, (value: unknown) => unknown> = {
  source: (v) => {
    if (!SOURCES.includes(v as never)) throw new DomainError('source', `source must be one of ${SOURCES.join(', ')}`);
    return v;
  },
  lastPurchaseId: (v) => text('lastPurchaseId', v, 255),
  affiliate: (v) => text('affiliate', v, 255),
  buyerName: (v) => text('buyerName', v, 512),
  lastPurchaseAt: (v) => {
    if (v === null || v === '') return null;
    const date = toDate(v);
    if (!date) throw new DomainError('lastPurchaseAt', 'lastPurchaseAt is not a valid date');
    return date;
  },
};

const text = (field: string, value: unknown, max: number) => {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new DomainError(field, `${field} must be text`);
  if (value.length > max) throw new DomainError(field, `${field} must be at most ${max} characters`);
  return value;
};

const extraOf = (data: Data) =>
  Object.fromEntries(Object.entries(EXTRA_FIELDS).filter(([key]) => key in data).map(([key, check]) => [key, check(data[key])]));

const statusOf = (data: Data): Status | null => {
  if (!('status' in data) || data.status === undefined || data.status === null || data.status === '') return null;
  if (!STATUSES.includes(data.status as Status)) throw new DomainError('status', `status must be one of ${STATUSES.join(', ')}`);
  return data.status as Status;
};

/**
 * The Content Manager writes subscriptions through the Document Service. This middleware hands
 * every create, update and delete to the one write path (member-changes) instead of letting the
 * Document Service write: the same rules, lock, role and events as every other change. It then
 * answers with the document as the Document Service would.
 */
const onSubscription = async (
  strapi: Core.Strapi,
  action: string,
  params: { data?: Data; documentId?: string; fields?: unknown; populate?: unknown },
  next: Next
) => {
  const changes = getService(strapi, 'memberChanges');
  const rows = subscriptionRepository(strapi);
  const documents = () => strapi.documents(UID.subscription as never);
  const answer = (documentId: string) =>
    documents().findOne({ documentId, fields: params.fields as never, populate: params.populate as never });

  if (action === 'create') {
    const data = params.data ?? {};
    const userRef = relationRef(data.user);
    const offerRef = relationRef(data.offer);
    const userId = userRef ? await memberRepository(strapi).findIdByRef(userRef.id ?? userRef.documentId!) : null;
    if (userId === null) throw new DomainError('user', userRef ? 'user: no such user' : 'user is required');
    const offer = offerRef ? await offerRepository(strapi).findByRef(offerRef) : null;
    if (!offer) throw new DomainError('offer', offerRef ? 'offer: no such offer' : 'offer is required');
    const extra = extraOf(data);
    const applied = await changes.apply({
      userId,
      event: {
        type: 'create',
        offer: offerOf(offer),
        patch: datePatch(data),
        status: statusOf(data),
        source: (extra.source as Source | undefined) ?? 'manual',
      },
      extra,
      cause: documentCause(strapi),
    });
    return answer(applied.subscription!.documentId);
  }

  if ((action === 'update' || action === 'delete') && params.documentId) {
    const current = await rows.findByRef(params.documentId);
    if (!current) return next();
    if (!current.user) {
      // A subscription whose member was deleted has no member to lock, no role to recompute:
      // an editor may still delete it; any other change is refused.
      if (action === 'delete') return next();
      throw new DomainError('user', 'the subscription has no member');
    }
    if (action === 'delete') {
      await changes.apply({ userId: current.user.id, event: { type: 'delete', subscriptionId: current.id }, cause: documentCause(strapi) });
      return { documentId: current.documentId, entries: [current] };
    }
    const data = params.data ?? {};
    if ('user' in data) {
      const ref = relationRef(data.user);
      const sameUser =
        ref === undefined ||
        (ref !== null &&
          ((ref.id !== undefined && ref.id === current.user.id) ||
            (ref.documentId !== undefined && ref.documentId === current.user.documentId)));
      if (!sameUser) throw new DomainError('user', 'user cannot change after the subscription is created');
    }
    let offer: OfferRow | null | undefined;
    if ('offer' in data) {
      const ref = relationRef(data.offer);
      if (ref === null) throw new DomainError('offer', 'offer is required');
      if (ref !== undefined) {
        offer = await offerRepository(strapi).findByRef(ref);
        if (!offer) throw new DomainError('offer', 'offer: no such offer');
      }
    }
    await changes.apply({
      userId: current.user.id,
      event: {
        type: 'edit',
        subscriptionId: current.id,
        patch: datePatch(data),
        status: statusOf(data),
        ...(offer ? { offer: offerOf(offer) } : {}),
      },
      extra: extraOf(data),
      cause: documentCause(strapi),
    });
    return answer(current.documentId);
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
  const offers = offerRepository(strapi);
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
    // Shown to members as where to buy or renew: an https page or nothing (empty is stored as none).
    if ('checkoutUrl' in data) data.checkoutUrl = checkCheckoutUrl(data.checkoutUrl);
  }
  if (action === 'create') {
    const result = (await next()) as { id?: number } | null;
    const offer = result?.id ? await offers.findByRef(result.id) : null;
    if (offer?.role?.id) await grantMemberPermissions(strapi, offer.role.id);
    return result;
  }
  if ((action === 'update' || action === 'delete') && params.documentId) {
    const before = await offers.findByRef(params.documentId);
    if (!before) return next();
    // Subscribers are found before a delete: subscriptions keep their history, the members lose what the offer granted.
    const subscribers: number[] = [];
    if (action === 'delete') await subscriptionRepository(strapi).membersOfOffer(before.id, async (ids) => void subscribers.push(...ids));
    const result = await next();
    const changes = getService(strapi, 'memberChanges');
    const alsoManagedRoles = before.role ? [before.role.id] : [];
    if (action === 'delete') {
      for (let i = 0; i < subscribers.length; i += 200) await changes.refreshRoles(subscribers.slice(i, i + 200), { now, alsoManagedRoles, cause: documentCause(strapi) });
      return result;
    }
    if ('role' in data || 'level' in data) {
      const after = (await offers.findByRef(before.id))!;
      if (after.role?.id) await grantMemberPermissions(strapi, after.role.id);
      if ((after.role?.id ?? null) !== (before.role?.id ?? null) || (after.level ?? 0) !== (before.level ?? 0)) {
        getService(strapi, 'roles').invalidate();
        await subscriptionRepository(strapi).membersOfOffer(before.id, async (ids) => {
          await changes.refreshRoles(ids, { now, alsoManagedRoles, cause: documentCause(strapi) });
        });
      }
    }
    return result;
  }
  return next();
};

const onNotificationRule = async (
  strapi: Core.Strapi,
  action: string,
  params: { data?: Data; documentId?: string },
  next: Next
) => {
  const data = params.data ?? {};
  if (action === 'create') {
    const ref = relationRef(data.offer);
    const offer = ref ? await offerRepository(strapi).findByRef(ref) : null;
    if (!offer) throw new DomainError('offer', 'offer is required');
  }
  if (action === 'update' && 'offer' in data && relationRef(data.offer) === null) {
    throw new DomainError('offer', 'offer is required');
  }
  return next();
};
