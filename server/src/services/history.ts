import type { Core } from '@strapi/strapi';
import { DomainError } from '../domain';
import type { HistoryEntryRecord } from '../contract';
import { historyRepository, type HistoryRow } from '../repositories/history';
import { subscriptionRepository } from '../repositories/subscriptions';

/** A stored row as the service API and the admin API answer it. */
export const historyRecordOf = (row: HistoryRow): HistoryEntryRecord => ({
  id: row.id,
  at: row.at,
  kind: row.kind as HistoryEntryRecord['kind'],
  userId: row.userId ?? null,
  subscriptionId: row.subscriptionId ?? null,
  subscriptionDocumentId: row.subscriptionDocumentId ?? null,
  before: {
    status: (row.statusBefore ?? null) as HistoryEntryRecord['before']['status'],
    startsAt: row.startsAtBefore ?? null,
    dueAt: row.dueAtBefore ?? null,
    endsAt: row.endsAtBefore ?? null,
  },
  after: {
    status: (row.statusAfter ?? null) as HistoryEntryRecord['after']['status'],
    startsAt: row.startsAtAfter ?? null,
    dueAt: row.dueAtAfter ?? null,
    endsAt: row.endsAtAfter ?? null,
  },
  roleBefore: row.roleBefore ?? null,
  roleAfter: row.roleAfter ?? null,
  cause: { kind: row.causeKind as HistoryEntryRecord['cause']['kind'], ref: row.causeRef ?? null, label: row.causeLabel ?? null },
});

/**
 * The history of subscriptions, read-only: entries are written by the one write path
 * (member-changes) in the transaction of the change they describe, and never updated or deleted.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const history = historyRepository(strapi);
  const subscriptions = subscriptionRepository(strapi);

  /**
   * A subscription's entries, newest first. A deleted subscription keeps its history; a document
   * id that never named a subscription is a not_found error.
   */
  const forSubscription = async (documentId: string): Promise<HistoryEntryRecord[]> => {
    const rows = await history.forSubscription(documentId);
    if (rows.length === 0 && !(await subscriptions.memberOf(documentId))) {
      throw new DomainError('subscription', `no subscription ${JSON.stringify(documentId)}`, 'not_found');
    }
    return rows.map(historyRecordOf);
  };

  /** A member's entries (their subscriptions' and their role's), newest first. */
  const forMember = async (userId: number): Promise<HistoryEntryRecord[]> => (await history.forMember(userId)).map(historyRecordOf);

  /**
   * The entries of the subscriptions `documentIds`, oldest first, read `batch` at a time (never
   * all at once): the CSV export's history file.
   */
  async function* eachForSubscriptions(documentIds: readonly string[], batch = 1000): AsyncGenerator<HistoryEntryRecord> {
    for (let afterId = 0; ; ) {
      const rows = await history.forSubscriptions(documentIds, afterId, batch);
      for (const row of rows) yield historyRecordOf(row);
      if (rows.length < batch) return;
      afterId = rows[rows.length - 1].id;
    }
  }

  return { forSubscription, forMember, eachForSubscriptions };
};
