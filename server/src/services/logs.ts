import type { Core } from '@strapi/strapi';
import { messageRepository } from '../repositories/messages';
import { reportRepository } from '../repositories/reports';
import { toDate } from '../utils/dates';
import { REPLAYABLE_OUTCOMES } from '../domain';

/**
 * The admin's Logs page: payment events (the Click2Sell ledger) and messages (the e-mail outbox),
 * newest first, filtered and paginated in SQL. What leaves here is safe to show an editor:
 * payloads lose anything named like a secret, and a message's `data` never leaves at all.
 */

const SECRET_KEY = /checksum|secret|password|passwd|token|api_?key/i;

/** A payload with every secret-looking key removed, at any depth. */
export const stripSecrets = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_KEY.test(key))
        .map(([key, v]) => [key, stripSecrets(v)])
    );
  }
  return value;
};

export interface LogQuery {
  page: number;
  pageSize: number;
  search?: string;
  outcome?: string;
  status?: string;
  kind?: string;
  /** Messages of one subscription (its id). */
  subscription?: number;
  /** Payment events an admin can fix and re-apply, not re-applied yet. */
  needsAttention?: boolean;
}

const iso = (value: unknown) => toDate(value)?.toISOString() ?? null;

const paginate = (page: number, pageSize: number, total: number) => ({
  pagination: { page, pageSize, total, pageCount: Math.ceil(total / pageSize) },
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const reports = reportRepository(strapi);
  const outbox = messageRepository(strapi);

  const paymentEvents = async (query: LogQuery) => {
    const { rows, total } = await reports.paymentEventLog(query);
    return {
      data: rows.map((e) => ({
        id: e.id,
        receivedAt: iso(e.receivedAt ?? e.createdAt),
        transactionType: e.transactionType ?? null,
        transactionId: e.transactionId ?? null,
        paymentStatus: e.paymentStatus ?? null,
        email: e.email ?? null,
        productId: e.productId ?? null,
        outcome: e.outcome ?? null,
        reason: e.reason ?? null,
        payload: stripSecrets(e.payload ?? null),
        user: e.user ? { id: e.user.id, email: e.user.email } : null,
        subscription: e.subscription ? { documentId: e.subscription.documentId } : null,
        replayable: REPLAYABLE_OUTCOMES.includes(e.outcome ?? '') && !e.replayedAt,
        replayedAt: iso(e.replayedAt),
        replayedBy: e.replayedBy ?? null,
        replayOutcome: e.replayOutcome ?? null,
        replayedAs: e.replayedAs ?? null,
        replayOf: e.replayOf ?? null,
      })),
      meta: paginate(query.page, query.pageSize, total),
    };
  };

  /** Messages, without their `data` (it may carry links or tokens meant for the member only). */
  const messages = async (query: LogQuery) => {
    const { rows, total } = await outbox.page(query);
    return {
      data: rows.map((m) => ({
        id: m.id,
        kind: m.kind,
        status: m.status,
        to: m.to,
        locale: m.locale ?? null,
        subject: m.subject ?? null,
        attempts: m.attempts ?? 0,
        sentAt: iso(m.sentAt),
        nextAttemptAt: iso(m.nextAttemptAt),
        createdAt: iso(m.createdAt),
        lastError: m.lastError ?? null,
        subscription: m.subscription ? { id: m.subscription.id, documentId: m.subscription.documentId } : null,
        notificationRule: m.notificationRule ?? null,
      })),
      meta: paginate(query.page, query.pageSize, total),
    };
  };

  return { paymentEvents, messages };
};
