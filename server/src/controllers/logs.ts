import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { pagination, parse } from '../utils/validation';
import paymentEventSchema from '../content-types/payment-event/schema.json';
import messageSchema from '../content-types/message/schema.json';
import type { MessagesResponse, PaymentEventsResponse, ReplayResponse } from '../contract';
import { ReplayRefused } from '../services/click2sell';

const paymentEventsQuery = z.object({
  ...pagination,
  search: z.string().trim().max(255).optional(),
  outcome: z.enum(paymentEventSchema.attributes.outcome.enum as [string, ...string[]]).optional(),
  needsAttention: z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true').optional(),
}).strict();
const replayParams = z.object({ id: z.coerce.number({ message: 'must be a payment event id' }).int('must be a payment event id').positive('must be a payment event id') });
const messagesQuery = z.object({
  ...pagination,
  search: z.string().trim().max(255).optional(),
  status: z.enum(messageSchema.attributes.status.enum as [string, ...string[]]).optional(),
  kind: z.enum(messageSchema.attributes.kind.enum as [string, ...string[]]).optional(),
  subscription: z.coerce.number().int().positive().optional(),
}).strict();

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async paymentEvents(ctx: any) {
    try {
      ctx.body = (await getService(strapi, 'logs').paymentEvents(parse(paymentEventsQuery, ctx.query))) satisfies PaymentEventsResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
  /** POST /subscriptions/payment-events/:id/replay — re-applies an event an admin fixed, once. */
  async replay(ctx: any) {
    try {
      const { id } = parse(replayParams, ctx.params);
      const admin = ctx.state?.user as { id?: number; email?: string } | undefined;
      const by = admin?.email ?? `admin #${admin?.id ?? '?'}`;
      const answer = await getService(strapi, 'click2sell').replay({ id, by });
      ctx.body = { data: { id, outcome: answer.outcome, message: answer.message, replayedAs: answer.event } } satisfies ReplayResponse;
    } catch (error) {
      if (error instanceof ReplayRefused) {
        ctx.status = error.status;
        ctx.body = {
          data: null,
          error: { status: error.status, name: error.status === 404 ? 'NotFoundError' : 'ConflictError', message: error.message, details: {} },
        };
        return;
      }
      rethrowAsHttp(error);
    }
  },
  async messages(ctx: any) {
    try {
      ctx.body = (await getService(strapi, 'logs').messages(parse(messagesQuery, ctx.query))) satisfies MessagesResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
