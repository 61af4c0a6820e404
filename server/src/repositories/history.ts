import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import type { HistoryDates } from '../domain';
import { columnOf, creationColumns, dialectOf, MAX_BINDINGS, pgUnnestInsert, quoted, run, tableOf } from './sql';

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

/** Each written attribute of a history entry, from the row the write path gives. */
const ATTRIBUTES: Record<string, (r: NewHistoryRow) => unknown> = {
  at: (r) => r.at,
  kind: (r) => r.kind,
  userId: (r) => r.userId,
  subscriptionId: (r) => r.subscriptionId,
  subscriptionDocumentId: (r) => r.subscriptionDocumentId,
  statusBefore: (r) => r.before.status ?? null,
  statusAfter: (r) => r.after.status ?? null,
  startsAtBefore: (r) => r.before.startsAt ?? null,
  startsAtAfter: (r) => r.after.startsAt ?? null,
  dueAtBefore: (r) => r.before.dueAt ?? null,
  dueAtAfter: (r) => r.after.dueAt ?? null,
  endsAtBefore: (r) => r.before.endsAt ?? null,
  endsAtAfter: (r) => r.after.endsAt ?? null,
  roleBefore: (r) => r.roleBefore ?? null,
  roleAfter: (r) => r.roleAfter ?? null,
  causeKind: (r) => r.causeKind,
  causeRef: (r) => r.causeRef ?? null,
  causeLabel: (r) => r.causeLabel ?? null,
};


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
    // The columns once; then each row straight into the bindings (a scheduler page is thousands of rows).
    const creation = Object.keys(creationColumns(strapi, UID.historyEntry, written));
    const attributes = Object.keys(ATTRIBUTES);
    const columns = [...creation, ...attributes.map((a) => columnOf(strapi, UID.historyEntry, a))];
    const perStatement = Math.max(1, Math.floor(MAX_BINDINGS[dialectOf(strapi)] / columns.length));
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    await run(strapi, async (knex) => {
      if (dialectOf(strapi) === 'postgres') {
        // One array per column: a page of any size in one statement with 22 parameters.
        const values = rows.map((r) => {
          const creationValues = creationColumns(strapi, UID.historyEntry, written);
          return [...creation.map((c) => creationValues[c]), ...attributes.map((a) => ATTRIBUTES[a](r))];
        });
        const { sql, bindings } = pgUnnestInsert(strapi, UID.historyEntry, knex, columns, values);
        await knex.raw(sql, bindings);
        return;
      }
      const quote = (name: string) => quoted(knex, name);
      const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES `;
      for (let i = 0; i < rows.length; i += perStatement) {
        const part = rows.slice(i, i + perStatement);
        const bindings: unknown[] = [];
        for (const r of part) {
          const creationValues = creationColumns(strapi, UID.historyEntry, written);
          for (const c of creation) bindings.push(creationValues[c]);
          for (const a of attributes) bindings.push(ATTRIBUTES[a](r));
        }
        await knex.raw(head + part.map(() => placeholders).join(', '), bindings);
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
