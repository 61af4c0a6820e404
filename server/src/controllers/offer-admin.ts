import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { adminCause } from '../utils/cause';
import { isoDate, notFoundAs404, parse } from '../utils/validation';
import type { DeleteResponse, NotificationRuleResponse, OffersResponse, RolesResponse, UsersResponse } from '../contract';

const ruleBody = z
  .object({
    amount: z.number().int().min(0).max(10_000),
    period: z.enum(['months', 'days', 'hours']),
    when: z.enum(['before', 'after']),
  })
  .strict();

const subscriberBody = z
  .object({
    user: z.number().int().positive(),
    startsAt: isoDate.optional(),
  })
  .strict();

const nullableDate = z.union([isoDate, z.null()]);
const datesBody = z
  .object({
    startsAt: isoDate.optional(),
    dueAt: nullableDate.optional(),
    endsAt: nullableDate.optional(),
  })
  .strict();

const usersQuery = z.object({ search: z.string().trim().max(255).default('') });

/** Runs a handler; a missing record named by the URL becomes a 404, a rule violation a 400. */
const handle = (fields: string[], fn: (ctx: any) => Promise<unknown>) => async (ctx: any) => {
  try {
    await fn(ctx);
  } catch (error) {
    rethrowAsHttp(notFoundAs404(error, fields));
  }
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const offers = () => getService(strapi, 'offerAdmin');
  return {
    list: handle([], async (ctx) => {
      ctx.body = { data: await offers().list() } satisfies OffersResponse;
    }),
    detail: handle(['offer'], async (ctx) => {
      ctx.body = { data: await offers().detail(ctx.params.documentId) };
    }),
    createRule: handle(['offer'], async (ctx) => {
      ctx.status = 201;
      ctx.body = {
        data: await offers().createRule(ctx.params.documentId, parse(ruleBody, ctx.request.body)),
      } satisfies NotificationRuleResponse;
    }),
    updateRule: handle(['offer', 'rule'], async (ctx) => {
      const input = parse(ruleBody, ctx.request.body);
      ctx.body = {
        data: await offers().updateRule(ctx.params.documentId, ctx.params.ruleId, input),
      } satisfies NotificationRuleResponse;
    }),
    deleteRule: handle(['offer', 'rule'], async (ctx) => {
      await offers().deleteRule(ctx.params.documentId, ctx.params.ruleId);
      ctx.body = { data: null } satisfies DeleteResponse;
    }),
    /** "Add a subscriber": dates computed from the offer; editable afterwards with editDates. */
    addSubscriber: handle(['offer'], async (ctx) => {
      const body = parse(subscriberBody, ctx.request.body);
      await offers().detail(ctx.params.documentId); // 404 for an unknown offer in the URL
      const row = await getService(strapi, 'subscriptions').subscribe({
        user: body.user,
        offer: ctx.params.documentId,
        startsAt: body.startsAt ?? null,
        source: 'manual',
        cause: adminCause(ctx),
      });
      ctx.status = 201;
      ctx.body = { data: row };
    }),
    /** Move a subscription's dates; the user of a saved subscription never changes. */
    editDates: handle(['subscription'], async (ctx) => {
      const body = ctx.request.body ?? {};
      if (typeof body === 'object' && body && 'user' in body) {
        parse(z.object({ user: z.never({ message: 'user cannot change after the subscription is created' }) }), {
          user: body.user,
        });
      }
      const patch = parse(datesBody, body);
      ctx.body = { data: await getService(strapi, 'subscriptions').editDates(ctx.params.documentId, patch, { cause: adminCause(ctx) }) };
    }),
    searchUsers: handle([], async (ctx) => {
      ctx.body = { data: await offers().searchUsers(parse(usersQuery, ctx.query).search) } satisfies UsersResponse;
    }),
    roles: handle([], async (ctx) => {
      ctx.body = { data: await offers().roles() } satisfies RolesResponse;
    }),
  };
};
