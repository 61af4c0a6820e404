import type { Core } from '@strapi/strapi';
import { PassThrough } from 'stream';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { isoDate, pagination, parse } from '../utils/validation';
import { FILTER_STATUSES, LISTS, type SubscriptionListItem } from '../services/tracking';
import { SOURCES } from '../domain';
import { csvCell as cell } from '../utils/csv';
import type { HistoryEntryRecord, OverviewResponse, RevenueResponse, SubscriptionListResponse } from '../contract';

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
const exportQuery = z.object({
  ...filters,
  /** `true`: the history entries of the subscriptions the filter selects, instead of the subscriptions. */
  history: z.enum(['true', 'false']).default('false'),
});
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

/** The history file of the export: one row per entry, oldest first per group of subscriptions. */
export const HISTORY_CSV_COLUMNS = [
  'documentId', 'email', 'offer', 'at', 'kind',
  'statusBefore', 'statusAfter', 'startsAtBefore', 'startsAtAfter', 'dueAtBefore', 'dueAtAfter', 'endsAtBefore', 'endsAtAfter',
  'causeKind', 'causeRef', 'causeLabel',
] as const;

const historyCsvLine = (item: SubscriptionListItem, e: HistoryEntryRecord) =>
  [
    item.documentId,
    item.user?.email,
    item.offer?.title,
    e.at,
    e.kind,
    e.before.status,
    e.after.status,
    e.before.startsAt,
    e.after.startsAt,
    e.before.dueAt,
    e.after.dueAt,
    e.before.endsAt,
    e.after.endsAt,
    e.cause.kind,
    e.cause.ref,
    e.cause.label,
  ]
    .map(cell)
    .join(',') + '\r\n';

/** Subscriptions whose history is read together (one `IN (…)` list per page of entries). */
const HISTORY_GROUP = 500;

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

  /**
   * The current filter as CSV, streamed a batch at a time; with `history=true`, the history
   * entries of the same subscriptions instead (a second file, one row per entry).
   */
  async export(ctx: any) {
    let query: z.infer<typeof exportQuery>;
    try {
      query = parse(exportQuery, ctx.query);
    } catch (error) {
      return rethrowAsHttp(error);
    }
    const stream = new PassThrough();
    ctx.set('Content-Type', 'text/csv; charset=utf-8');
    const withHistory = query.history === 'true';
    ctx.set('Content-Disposition', `attachment; filename="subscriptions-${query.list}${withHistory ? '-history' : ''}.csv"`);
    ctx.body = stream;
    const write = async (line: string) => {
      if (!stream.write(line)) await new Promise((resolve) => stream.once('drain', resolve));
    };
    (async () => {
      const { history: _history, ...filter } = query;
      if (!withHistory) {
        await write(CSV_COLUMNS.join(',') + '\r\n');
        for await (const item of getService(strapi, 'tracking').each(filter)) await write(csvLine(item));
        stream.end();
        return;
      }
      await write(HISTORY_CSV_COLUMNS.join(',') + '\r\n');
      const entriesOf = async (group: Map<string, SubscriptionListItem>) => {
        for await (const entry of getService(strapi, 'history').eachForSubscriptions([...group.keys()])) {
          const item = group.get(entry.subscriptionDocumentId ?? '');
          if (item) await write(historyCsvLine(item, entry));
        }
      };
      let group = new Map<string, SubscriptionListItem>();
      for await (const item of getService(strapi, 'tracking').each(filter)) {
        group.set(item.documentId, item);
        if (group.size >= HISTORY_GROUP) {
          await entriesOf(group);
          group = new Map();
        }
      }
      await entriesOf(group);
      stream.end();
    })().catch((error) => {
      strapi.log.error(`subscriptions: CSV export failed: ${(error as Error).message}`);
      stream.destroy(error as Error);
    });
  },
});
