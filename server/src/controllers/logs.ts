import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { pagination, parse } from '../utils/validation';
import paymentEventSchema from '../content-types/payment-event/schema.json';
import messageSchema from '../content-types/message/schema.json';
import type { MessagesResponse, PaymentEventsResponse } from '../contract';

const paymentEventsQuery = z.object({
  ...pagination,
  search: z.string().trim().max(255).optional(),
  outcome: z.enum(paymentEventSchema.attributes.outcome.enum as [string, ...string[]]).optional(),
}).strict();
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
  async messages(ctx: any) {
    try {
      ctx.body = (await getService(strapi, 'logs').messages(parse(messagesQuery, ctx.query))) satisfies MessagesResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
