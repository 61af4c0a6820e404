import type { Core } from '@strapi/strapi';
import { PassThrough } from 'stream';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { isoDate, pagination, parse } from '../utils/validation';
import { FILTER_STATUSES, LISTS, type SubscriptionListItem } from '../services/tracking';
import { SOURCES } from '../domain';
import { csvCell as cell } from '../utils/csv';
import type { OverviewResponse, RevenueResponse, SubscriptionListResponse } from '../contract';

const filters = {
  list: z.enum(LISTS).default('all'),
  search: z.string().trim().max(255).optional(),
  offer: z.string().max(255).optional(),
  status: z.enum(FILTER_STATUSES).optional(),
  source: z.enum(SOURCES).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
};
const listQuery = z.object({ ...filters, ...pagination });
const exportQuery = z.object(filters);
const revenueQuery = z.object({ from: isoDate.optional(), to: isoDate.optional() }).strict();

export const CSV_COLUMNS = ['email', 'username', 'offer', 'status', 'startsAt', 'dueAt', 'endsAt', 'source', 'documentId'] as const;

const csvLine = (item: SubscriptionListItem) =>
  [
    item.user?.email,
    item.user?.username,
    item.offer?.title,
    item.status,
    item.startsAt,
    item.dueAt,
    item.endsAt,
    item.source,
    item.documentId,
  ]
    .map(cell)
    .join(',') + '\r\n';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async overview(ctx: any) {
    const now = getService(strapi, 'clock').now();
    const tracking = getService(strapi, 'tracking');
    ctx.body = { data: { now: now.toISOString(), figures: await tracking.figures(now), chart: await tracking.chart(now) } } satisfies OverviewResponse;
  },

  /** Revenue figures from the payment ledger, per month of [from, to), and the MRR now. */
  async revenue(ctx: any) {
    try {
      const query = parse(revenueQuery, ctx.query);
      const now = getService(strapi, 'clock').now();
      ctx.body = { data: await getService(strapi, 'tracking').revenue(query, now) } satisfies RevenueResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },

  async list(ctx: any) {
    try {
      ctx.body = (await getService(strapi, 'tracking').list(parse(listQuery, ctx.query))) satisfies SubscriptionListResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },

  /** The current filter as CSV, streamed a batch at a time. */
  async export(ctx: any) {
    let query: z.infer<typeof exportQuery>;
    try {
      query = parse(exportQuery, ctx.query);
    } catch (error) {
      return rethrowAsHttp(error);
    }
    const stream = new PassThrough();
    ctx.set('Content-Type', 'text/csv; charset=utf-8');
    ctx.set('Content-Disposition', `attachment; filename="subscriptions-${query.list}.csv"`);
    ctx.body = stream;
    (async () => {
      stream.write(CSV_COLUMNS.join(',') + '\r\n');
      for await (const item of getService(strapi, 'tracking').each(query)) {
        if (!stream.write(csvLine(item))) await new Promise((resolve) => stream.once('drain', resolve));
      }
      stream.end();
    })().catch((error) => {
      strapi.log.error(`subscriptions: CSV export failed: ${(error as Error).message}`);
      stream.destroy(error as Error);
    });
  },
});
