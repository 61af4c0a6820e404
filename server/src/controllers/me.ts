import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { isActiveAt, isCancellableByMember, renewUrlOf } from '../domain';
import { datesOf, type SubscriptionRow } from '../repositories/mappers';
import type { Settings } from '../services/settings';
import { getService } from '../utils/plugin';
import { memberHandle } from '../utils/member-errors';
import type { MySubscription, MySubscriptionResponse, MeResponse } from '../contract';

/** The member's users-permissions user, as its authentication put it on the request. */
export type AuthenticatedMember = { id: number; role?: { id: number; name: string; type: string } | null };

/** The member making the request; 401 without a users-permissions JWT. */
export const memberOf = (ctx: any, message: string): AuthenticatedMember => {
  const user = ctx.state.user as AuthenticatedMember | undefined;
  if (!user || typeof user.id !== 'number') throw new errors.UnauthorizedError(message);
  return user;
};

/** A subscription as its member sees it (`/me`, and the answers of subscribe and cancel). */
export const mySubscriptionOf = (row: SubscriptionRow, now: Date, config: Pick<Settings, 'renewalUrl'>): MySubscription => {
  const dates = datesOf(row);
  const source = row.source ?? 'manual';
  return {
    documentId: row.documentId,
    offer: row.offer ? { documentId: row.offer.documentId, title: row.offer.title } : null,
    status: row.status,
    source,
    startsAt: dates.startsAt.toISOString(),
    dueAt: dates.dueAt?.toISOString() ?? null,
    endsAt: dates.endsAt?.toISOString() ?? null,
    cancelledAt: dates.cancelledAt?.toISOString() ?? null,
    active: isActiveAt(dates, now),
    cancellable: isCancellableByMember({ ...dates, source }, now),
    renewUrl: row.offer ? renewUrlOf(row.offer.checkoutUrl, config.renewalUrl, row.offer.documentId) : null,
  };
};

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The authenticated member's subscriptions and effective role. */
  async find(ctx: any) {
    const user = memberOf(ctx, 'Log in to see your subscriptions');
    const now = getService(strapi, 'clock').now();
    // One query: the subscriptions with their offers; the role follows from them (and from the
    // role users-permissions' authentication has just read with the user). The settings are
    // cached (the role rule reads them too).
    const known = user.role && typeof user.role === 'object' ? { id: user.role.id, name: user.role.name, type: user.role.type } : null;
    const { rows, role } = await getService(strapi, 'subscriptions').accessOf(user.id, known, now);
    const config = await getService(strapi, 'settings').get();
    ctx.body = {
      data: { role, subscriptions: rows.map((row) => mySubscriptionOf(row, now, config)) },
    } satisfies MeResponse;
  },

  /** POST /me/subscriptions/:documentId/cancel — the member stops their own subscription. */
  cancel: memberHandle(async (ctx: any) => {
    const user = memberOf(ctx, 'Log in to cancel your subscription');
    const { subscription, now } = await getService(strapi, 'selfService').cancelOwn(user.id, String(ctx.params.documentId));
    ctx.body = { data: mySubscriptionOf(subscription, now, await getService(strapi, 'settings').get()) } satisfies MySubscriptionResponse;
  }),
});
