import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { isUniqueViolation } from '../database/errors';
import { joinTableOf } from '../database/links';

/** The outbox's `kind` column (its enumeration in the content type). */
export const MESSAGE_KIND_VALUES = ['welcome', 'reminder', 'expiry', 'receipt', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KIND_VALUES)[number];

/** A message to write, with every column its writer chose. */
export interface NewMessage {
  kind: MessageKind;
  dedupeKey: string;
  status: 'pending' | 'skipped';
  to: string;
  locale: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  data: Record<string, unknown>;
  userId?: number;
  subscriptionId?: number;
  notificationRuleId?: number;
}

/** One message of the scheduler's batches: linked to its member and subscription. */
export interface BatchMessage {
  kind: 'expiry' | 'reminder';
  to: string;
  userId: number;
  subscriptionId: number;
  dedupeKey: string;
  data: Record<string, unknown>;
}

/** What a sender needs to decide whether it may claim a message. */
export interface DueMessage {
  id: number;
  status: string;
  attempts: number | null;
}

/** A message loaded for sending, with what its template reads from its member, subscription and rule. */
export interface MessageRow {
  id: number;
  kind: MessageKind;
  dedupeKey?: string | null;
  createdAt?: unknown;
  status: string;
  to: string;
  locale: string | null;
  attempts: number | null;
  claimedUntil: unknown;
  data: Record<string, unknown> | null;
  user?: { id: number; username?: string; email?: string } | null;
  subscription?: {
    id: number;
    startsAt?: unknown;
    endsAt?: unknown;
    dueAt?: unknown;
    offer?: { documentId: string; title: string } | null;
  } | null;
  notificationRule?: {
    id: number;
    subject?: string | null;
    text?: string | null;
    html?: string | null;
    when?: string;
  } | null;
}

/** A message as the admin's log shows it: never its `data` (it may carry links or tokens). */
export interface MessageLogRow {
  id: number;
  kind: MessageKind;
  status: string;
  to: string;
  locale: string | null;
  subject: string | null;
  attempts: number | null;
  sentAt: unknown;
  lastError: string | null;
  nextAttemptAt: unknown;
  createdAt: unknown;
  subscription?: { id: number; documentId: string } | null;
  notificationRule?: { id: number; amount: number; period: string; when: string } | null;
}

export interface MessageLogFilter {
  page: number;
  pageSize: number;
  search?: string;
  status?: string;
  kind?: string;
  /** Messages of one subscription (its id). */
  subscription?: number;
}

/**
 * Which messages a sender looks for: `pending` (new), `failed` whose back-off has passed and that
 * have attempts left, `sending` whose claim's lease has ended (their process died or hung).
 */
export type DueStatus = 'pending' | 'failed' | 'sending';

/**
 * The outbox's `subject` column is a Strapi string: varchar(255) on PostgreSQL and MySQL. A subject
 * built from a long offer title is longer; writing it whole would fail the very update that
 * records the message sent (and the message would go out again after the lease, over and over).
 * The log keeps its first 255 characters; the e-mail itself carries the whole subject.
 */
const SUBJECT_COLUMN_LENGTH = 255;
const storedSubject = (subject: string | null): string | null =>
  subject === null ? null : Array.from(subject).slice(0, SUBJECT_COLUMN_LENGTH).join('');

/**
 * Every query on the e-mail outbox and log (`plugin::subscriptions.message`). Each runs inside
 * the caller's transaction when there is one.
 */
export const messageRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.message);

  const existsWithDedupeKey = async (dedupeKey: string): Promise<boolean> =>
    !!(await query().findOne({ where: { dedupeKey }, select: ['id'] }));

  /**
   * Writes a message; null when another writer took its dedupeKey first. A savepoint keeps that
   * unique violation from aborting the caller's transaction on PostgreSQL.
   */
  const insertUnlessDuplicate = async (message: NewMessage): Promise<number | null> => {
    const { userId, subscriptionId, notificationRuleId, ...columns } = message;
    const data: Record<string, unknown> = { ...columns };
    if (userId) data.user = userId;
    if (subscriptionId) data.subscription = subscriptionId;
    if (notificationRuleId) data.notificationRule = notificationRuleId;
    return strapi.db.transaction(async ({ trx }) => {
      const savepoint = `subs_enqueue_${crypto.randomBytes(4).toString('hex')}`;
      await trx.raw(`SAVEPOINT ${savepoint}`);
      try {
        const row = (await query().create({ data, select: ['id'] })) as { id: number };
        await trx.raw(`RELEASE SAVEPOINT ${savepoint}`);
        return row.id;
      } catch (error) {
        await trx.raw(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    });
  };

  /**
   * Writes many pending messages in a few statements (the scheduler's batches): the keys already
   * there are skipped, the rest inserted together, then linked to their member and subscription.
   * Must run inside the caller's transaction. Returns false — having written nothing — when a
   * concurrent writer took one of the keys first: the caller then writes them one by one.
   */
  const enqueueMany = async (messages: readonly BatchMessage[], now: Date): Promise<{ created: number } | false> => {
    const unique = [...new Map(messages.map((m) => [m.dedupeKey, m])).values()];
    if (unique.length === 0) return { created: 0 };
    const existing = new Set<string>();
    for (let i = 0; i < unique.length; i += 500) {
      const rows = (await query().findMany({
        where: { dedupeKey: { $in: unique.slice(i, i + 500).map((m) => m.dedupeKey) } },
        select: ['dedupeKey'],
      })) as { dedupeKey: string }[];
      for (const row of rows) existing.add(row.dedupeKey);
    }
    const fresh = unique.filter((m) => !existing.has(m.dedupeKey));
    if (fresh.length === 0) return { created: 0 };

    return strapi.db.transaction(async ({ trx }) => {
      const savepoint = `subs_outbox_${crypto.randomBytes(4).toString('hex')}`;
      await trx.raw(`SAVEPOINT ${savepoint}`);
      try {
        await query().createMany({
          data: fresh.map((m) => ({
            kind: m.kind,
            dedupeKey: m.dedupeKey,
            status: 'pending',
            to: m.to,
            locale: null,
            attempts: 0,
            nextAttemptAt: now,
            lastError: null,
            data: m.data,
          })),
        });
      } catch (error) {
        await trx.raw(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        if (isUniqueViolation(error)) return false;
        throw error;
      }
      await trx.raw(`RELEASE SAVEPOINT ${savepoint}`);
      const ids = new Map<string, number>();
      for (let i = 0; i < fresh.length; i += 500) {
        const rows = (await query().findMany({
          where: { dedupeKey: { $in: fresh.slice(i, i + 500).map((m) => m.dedupeKey) } },
          select: ['id', 'dedupeKey'],
        })) as { id: number; dedupeKey: string }[];
        for (const row of rows) ids.set(row.dedupeKey, row.id);
      }
      for (const [relation, target] of [
        ['user', (m: BatchMessage) => m.userId],
        ['subscription', (m: BatchMessage) => m.subscriptionId],
      ] as const) {
        const join = joinTableOf(strapi, UID.message, relation);
        const links = fresh.map((m) => ({ [join.joinColumn.name]: ids.get(m.dedupeKey), [join.inverseJoinColumn.name]: target(m) }));
        // SQLite writes a multi-row insert as a compound SELECT, limited to 500 terms.
        for (let i = 0; i < links.length; i += 200) await trx(join.name).insert(links.slice(i, i + 200));
      }
      return { created: fresh.length };
    });
  };

  /**
   * One page (by id, after `afterId`) of the messages in one due state at `now`. One indexed
   * query per state rather than one OR: each reads its own status through
   * (status, next_attempt_at) or (status, claimed_until), whatever the size of the log.
   */
  const findDue = async (
    status: DueStatus,
    options: { now: Date; maxAttempts: number; afterId: number; limit: number }
  ): Promise<DueMessage[]> => {
    const { now } = options;
    const source: Record<string, unknown> =
      status === 'pending'
        ? { status: 'pending' }
        : status === 'failed'
          ? { status: 'failed', nextAttemptAt: { $lte: now }, attempts: { $lt: options.maxAttempts } }
          : { status: 'sending', claimedUntil: { $lte: now } };
    return (await query().findMany({
      where: { ...source, id: { $gt: options.afterId } },
      select: ['id', 'status', 'attempts'],
      orderBy: { id: 'asc' },
      limit: options.limit,
    })) as DueMessage[];
  };

  /**
   * Claims a message for this process with a conditional update: only one process's can succeed
   * (the row must still be in the state it was read in, and due at `now`).
   */
  const claim = async (
    message: { id: number; status: string },
    lease: { now: Date; claimedUntil: Date; attempts: number }
  ): Promise<boolean> => {
    const where: Record<string, unknown> = { id: message.id, status: message.status };
    if (message.status === 'sending') where.claimedUntil = { $lte: lease.now };
    if (message.status === 'failed') where.nextAttemptAt = { $lte: lease.now };
    const { count } = await query().updateMany({
      where,
      data: { status: 'sending', claimedUntil: lease.claimedUntil, attempts: lease.attempts },
    });
    return count === 1;
  };

  /** Marks `failed` for good a message whose lease ended `now`, if no other process did; true when this one did. */
  const abandon = async (message: { id: number; status: string }, now: Date): Promise<boolean> => {
    const { count } = await query().updateMany({
      where: { id: message.id, status: message.status, claimedUntil: { $lte: now } },
      data: { status: 'failed', claimedUntil: null, nextAttemptAt: null },
    });
    return count === 1;
  };

  /** A claimed message with what its template needs. */
  const findForSending = async (id: number): Promise<MessageRow | null> =>
    (await query().findOne({
      where: { id },
      populate: {
        user: { select: ['id', 'username', 'email'] },
        subscription: {
          select: ['id', 'startsAt', 'endsAt', 'dueAt'],
          populate: { offer: { select: ['documentId', 'title'] } },
        },
        notificationRule: {
          select: ['id', 'subject', 'text', 'html', 'when'],
        },
      },
    })) as MessageRow | null;

  /** One statement: the message went out at `sentAt`. */
  const markSent = async (id: number, sent: { sentAt: Date; subject: string | null }) => {
    await query().updateMany({
      where: { id },
      data: {
        status: 'sent',
        sentAt: sent.sentAt,
        subject: storedSubject(sent.subject),
        lastError: null,
        claimedUntil: null,
        nextAttemptAt: null,
      },
    });
  };

  /** A failed try: `nextAttemptAt` null leaves it `failed` for good. */
  const markFailed = async (id: number, failure: { subject: string | null; lastError: string; nextAttemptAt: Date | null }) => {
    await query().updateMany({
      where: { id },
      data: {
        status: 'failed',
        subject: storedSubject(failure.subject),
        lastError: failure.lastError,
        claimedUntil: null,
        nextAttemptAt: failure.nextAttemptAt,
      },
    });
  };

  /** The admin's log: newest first, filtered and paginated in SQL; never a message's `data`. */
  const page = async (filter: MessageLogFilter): Promise<{ rows: MessageLogRow[]; total: number }> => {
    const where = {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.subscription ? { subscription: { id: filter.subscription } } : {}),
      ...(filter.search ? { $or: ['to', 'subject'].map((f) => ({ [f]: { $containsi: filter.search } })) } : {}),
    };
    const [rows, total] = await Promise.all([
      query().findMany({
        where,
        select: ['id', 'kind', 'status', 'to', 'locale', 'subject', 'attempts', 'sentAt', 'lastError', 'nextAttemptAt', 'createdAt'],
        populate: {
          subscription: { select: ['id', 'documentId'] },
          notificationRule: { select: ['id', 'amount', 'period', 'when'] },
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        limit: filter.pageSize,
        offset: (filter.page - 1) * filter.pageSize,
      }),
      query().count({ where }),
    ]);
    return { rows: rows as MessageLogRow[], total: Number(total) };
  };

  return {
    existsWithDedupeKey,
    insertUnlessDuplicate,
    enqueueMany,
    findDue,
    claim,
    abandon,
    findForSending,
    markSent,
    markFailed,
    page,
  };
};

export type MessageRepository = ReturnType<typeof messageRepository>;
