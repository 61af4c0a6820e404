import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { HistoryDates } from '../domain';
import { creationColumns, dialectOf, run, tableOf, toColumns } from './sql';

/** One history row as the write path appends it. */
export interface NewHistoryRow {
  at: Date;
  kind: string;
  userId: number;
  subscriptionId: number | null;
  subscriptionDocumentId: string | null;
  before: HistoryDates;
  after: HistoryDates;
  roleBefore?: number | null;
  roleAfter?: number | null;
  causeKind: string;
  causeRef: string | null;
  causeLabel: string | null;
}

/** A history row as read back (dates as ISO strings, as Strapi's query layer returns them). */
export interface HistoryRow {
  id: number;
  at: string;
  kind: string;
  userId: number | null;
  subscriptionId: number | null;
  subscriptionDocumentId: string | null;
  statusBefore: string | null;
  statusAfter: string | null;
  startsAtBefore: string | null;
  startsAtAfter: string | null;
  dueAtBefore: string | null;
  dueAtAfter: string | null;
  endsAtBefore: string | null;
  endsAtAfter: string | null;
  roleBefore: number | null;
  roleAfter: number | null;
  causeKind: string;
  causeRef: string | null;
  causeLabel: string | null;
}

/** Bound parameters one statement may carry (SQLite's default limit is 32,766; the others 65,535). */
const MAX_BINDINGS = { sqlite: 32_000, postgres: 65_000, mysql: 65_000 } as const;

/**
 * Every query on `plugin::subscriptions.history-entry`: appends, and reads. Nothing here updates
 * or deletes a row: the history is append-only (an erasure clears labels naming the erased member:
 * repositories/personal-data.ts). Inside `strapi.db.transaction` each joins the
 * caller's transaction, so a change and its history commit (or roll back) together.
 */
export const historyRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.historyEntry);

  /**
   * Appends rows with as few statements as the database allows: one multi-row
   * `INSERT … VALUES (…), (…)` (a scheduler page of 1,000 transitions is one statement; knex's
   * own SQLite insert is a compound SELECT limited to 500 terms, so the statement is built here).
   */
  const append = async (rows: readonly NewHistoryRow[]) => {
    if (rows.length === 0) return;
    const table = tableOf(strapi, UID.historyEntry);
    const written = new Date();
    const records = rows.map((r) => ({
      ...creationColumns(strapi, UID.historyEntry, written),
      ...toColumns(strapi, UID.historyEntry, {
        at: r.at,
        kind: r.kind,
        userId: r.userId,
        subscriptionId: r.subscriptionId,
        subscriptionDocumentId: r.subscriptionDocumentId,
        statusBefore: r.before.status,
        statusAfter: r.after.status,
        startsAtBefore: r.before.startsAt,
        startsAtAfter: r.after.startsAt,
        dueAtBefore: r.before.dueAt,
        dueAtAfter: r.after.dueAt,
        endsAtBefore: r.before.endsAt,
        endsAtAfter: r.after.endsAt,
        roleBefore: r.roleBefore ?? null,
        roleAfter: r.roleAfter ?? null,
        causeKind: r.causeKind,
        causeRef: r.causeRef,
        causeLabel: r.causeLabel,
      }),
    }));
    const columns = Object.keys(records[0]);
    const perStatement = Math.max(1, Math.floor(MAX_BINDINGS[dialectOf(strapi)] / columns.length));
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    await run(strapi, async (knex) => {
      for (let i = 0; i < records.length; i += perStatement) {
        const part = records.slice(i, i + perStatement);
        await knex.raw(`INSERT INTO ?? (${columns.map(() => '??').join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}`, [
          table,
          ...columns,
          ...part.flatMap((record) => columns.map((c) => (record as Record<string, unknown>)[c] ?? null)),
        ]);
      }
    });
  };

  const FIELDS = [
    'id', 'at', 'kind', 'userId', 'subscriptionId', 'subscriptionDocumentId', 'statusBefore', 'statusAfter',
    'startsAtBefore', 'startsAtAfter', 'dueAtBefore', 'dueAtAfter', 'endsAtBefore', 'endsAtAfter',
    'roleBefore', 'roleAfter', 'causeKind', 'causeRef', 'causeLabel',
  ];

  /** A subscription's entries, newest first (append order), at most `limit`. */
  const forSubscription = async (documentId: string, limit = 500): Promise<HistoryRow[]> =>
    (await query().findMany({ where: { subscriptionDocumentId: documentId }, select: FIELDS, orderBy: { id: 'desc' }, limit })) as HistoryRow[];

  /** A member's entries (their subscriptions' and their role's), newest first, at most `limit`. */
  const forMember = async (userId: number, limit = 500): Promise<HistoryRow[]> =>
    (await query().findMany({ where: { userId }, select: FIELDS, orderBy: { id: 'desc' }, limit })) as HistoryRow[];

  /**
   * The entries of the subscriptions `documentIds`, oldest first, `limit` at a time: the page after
   * the entry `afterId` (0 for the first page). The CSV export reads them page by page.
   */
  const forSubscriptions = async (documentIds: readonly string[], afterId: number, limit = 1000): Promise<HistoryRow[]> =>
    documentIds.length === 0
      ? []
      : ((await query().findMany({
          where: { subscriptionDocumentId: { $in: [...documentIds] }, id: { $gt: afterId } },
          select: FIELDS,
          orderBy: { id: 'asc' },
          limit,
        })) as HistoryRow[]);

  return { append, forSubscription, forMember, forSubscriptions };
};

export type HistoryRepository = ReturnType<typeof historyRepository>;
