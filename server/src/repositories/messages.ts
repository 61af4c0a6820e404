import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { isUniqueViolation } from '../database/errors';
import { joinTableOf } from '../database/links';
import { checkColumn, chunks, creationColumns, dialectOf, entityFrom, MAX_BINDINGS, pgUnnestInsert, quoted, run, selectAs, tableOf, toColumns } from './sql';

/** The outbox's `kind` column (its enumeration in the content type). */
export const MESSAGE_KIND_VALUES = ['welcome', 'reminder', 'expiry', 'receipt', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KIND_VALUES)[number];

/** A message to write, with every column its writer chose. */
export interface NewMessage {
  kind: MessageKind;
  dedupeKey: string;
  /** `sending`: written already claimed by the process that will send it right after its commit. */
  status: 'pending' | 'skipped' | 'sending';
  to: string;
  locale: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  /** The claim's lease, for a message written `sending`. */
  claimedUntil?: Date | null;
  lastError: string | null;
  data: Record<string, unknown>;
  userId?: number;
  subscriptionId?: number;
  notificationRuleId?: number;
}

/** One message of the scheduler's batches: linked to its member and subscription (and a reminder to its rule). */
export interface BatchMessage {
  kind: 'expiry' | 'reminder';
  to: string;
  userId: number;
  subscriptionId: number;
  notificationRuleId?: number;
  dedupeKey: string;
  locale?: string | null;
  data: Record<string, unknown>;
  /** `skipped`: logged, never sent (a "before" reminder whose end has passed); its reason in lastError. */
  status?: 'pending' | 'skipped';
  reason?: string | null;
  /** A reminder held by quiet hours: not sent before this instant (the window's next opening). */
  notBefore?: Date | null;
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
 * have attempts left, `sending` whose claim's lease has ended (their process died or hung),
 * `held` (kept back by the staging safe mode, sent once it is lifted).
 */
export type DueStatus = 'pending' | 'failed' | 'sending' | 'held';

/**
 * The outbox's `subject` column is a Strapi string: varchar(255) on PostgreSQL and MySQL. A subject
 * built from a long offer title is longer; writing it whole would fail the very update that
 * records the message sent (and the message would go out again after the lease, over and over).
 * The log keeps its first 255 characters; the e-mail itself carries the whole subject.
 */
const SUBJECT_COLUMN_LENGTH = 255;
const storedSubject = (subject: string | null): string | null =>
  subject === null ? null : Array.from(subject).slice(0, SUBJECT_COLUMN_LENGTH).join('');


/** A message's links, and the column of the VALUES list that carries each (PostgreSQL's one-statement insert). */
const LINKED = [
  ['user', 'u'],
  ['subscription', 's'],
  ['notificationRule', 'r'],
] as const;

/**
 * Every query on the e-mail outbox and log (`plugin::subscriptions.message`). Each runs inside
 * the caller's transaction when there is one.
 */
export const messageRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.message);

  const existsWithDedupeKey = async (dedupeKey: string): Promise<boolean> =>
    !!(await query().findOne({ where: { dedupeKey }, select: ['id'] }));

  /** Which of these dedupe keys are taken already (the preview leaves out what is queued). */
  const takenKeys = async (keys: readonly string[]): Promise<Set<string>> => {
    const taken = new Set<string>();
    for (const part of chunks([...new Set(keys)], 500)) {
      const rows = (await query().findMany({ where: { dedupeKey: { $in: part } }, select: ['dedupeKey'] })) as { dedupeKey: string }[];
      for (const row of rows) taken.add(row.dedupeKey);
    }
    return taken;
  };

  /**
   * Inserts messages whose dedupe key is free, in one statement per chunk (INSERT … ON CONFLICT DO
   * NOTHING RETURNING on PostgreSQL and SQLite; one INSERT IGNORE per row on MySQL, which returns
   * one id per statement), and links each new one to its member, subscription and rule. A key another writer
   * holds uncommitted makes the insert wait for it; a taken key is skipped, never an error (so
   * the caller's transaction is never aborted). Returns the new ids by dedupe key.
   */
  const insertMany = async (messages: readonly NewMessage[]): Promise<Map<string, number>> => {
    const created = new Map<string, number>();
    const unique = [...new Map(messages.map((m) => [m.dedupeKey, m])).values()];
    if (unique.length === 0) return created;
    const table = tableOf(strapi, UID.message);
    const dedupe = Object.keys(toColumns(strapi, UID.message, { dedupeKey: '' }))[0];
    const at = new Date();
    const linkedAlready = new Set<string>();
    const dialect = dialectOf(strapi);
    const rows = unique.map((m) => {
      const { userId: _u, subscriptionId: _s, notificationRuleId: _r, ...columns } = m;
      return { ...toColumns(strapi, UID.message, columns), ...creationColumns(strapi, UID.message, at) };
    });
    // Every row's columns (a column a row leaves out is written NULL, as knex does on SQLite).
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    // One transaction (one commit) for the rows and their links, or the caller's.
    await strapi.db.transaction(() => run(strapi, async (knex) => {
      const quote = (name: string) => quoted(knex, name);
      const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES `;
      const tail = ` ON CONFLICT (${quote(dedupe)}) DO NOTHING RETURNING ${quote('id')}, ${quote(dedupe)} AS k`;
      const rowPlaceholders = `(${columns.map(() => '?').join(', ')})`;
      const valuesOf = (row: Record<string, unknown>) => columns.map((c) => (row[c] === undefined ? null : row[c]));
      if (dialect === 'mysql') {
        // MySQL returns one id per statement: one row per INSERT IGNORE (0 when the key was taken).
        for (const [i, row] of rows.entries()) {
          const [id] = (await knex(table).insert(row).onConflict([dedupe]).ignore()) as number[];
          if (id) created.set(unique[i].dedupeKey, Number(id));
        }
      } else {
        // Multi-row VALUES built here, as many rows per statement as the bound parameters allow
        // (a scheduler page's notices in one statement; knex's SQLite insert is a compound SELECT
        // of at most 500 terms, and it spends more time building the statement than SQLite running it).
        const perStatement = Math.max(1, Math.floor(MAX_BINDINGS[dialect] / (columns.length + 4)));
        for (let i = 0; i < rows.length; i += perStatement) {
          const part = rows.slice(i, i + perStatement);
          const messagesPart = unique.slice(i, i + perStatement);
          if (dialect === 'postgres') {
            // One round trip: the rows (one array per column) and their links (data-modifying
            // CTEs joined on the dedupe key).
            const unnest = pgUnnestInsert(strapi, UID.message, knex, columns, part.map(valuesOf), tail);
            const links = LINKED.map(([relation, column], l) => {
              const join = joinTableOf(strapi, UID.message, relation);
              return `l${l} AS (INSERT INTO ${join.name} (${join.joinColumn.name}, ${join.inverseJoinColumn.name}) SELECT m.id, v.${column} FROM m JOIN v ON v.k = m.k WHERE v.${column} IS NOT NULL)`;
            });
            const result = (await knex.raw(
              `WITH m AS (${unnest.sql}), v (k, u, s, r) AS (SELECT * FROM unnest(?::varchar[], ?::integer[], ?::integer[], ?::integer[])), ${links.join(', ')} SELECT id, k FROM m`,
              [
                ...unnest.bindings,
                messagesPart.map((m) => m.dedupeKey),
                messagesPart.map((m) => m.userId ?? null),
                messagesPart.map((m) => m.subscriptionId ?? null),
                messagesPart.map((m) => m.notificationRuleId ?? null),
              ]
            )) as {
              rows: { id: number; k: string }[];
            };
            for (const r of result.rows) {
              created.set(String(r.k), Number(r.id));
              linkedAlready.add(String(r.k));
            }
          } else {
            const bindings: unknown[] = [];
            for (const row of part) bindings.push(...valuesOf(row));
            const result = (await knex.raw(head + part.map(() => rowPlaceholders).join(', ') + tail, bindings)) as { id: number; k: string }[] | { rows: { id: number; k: string }[] };
            for (const r of Array.isArray(result) ? result : result.rows) created.set(String(r.k), Number(r.id));
          }
        }
      }
      for (const [relation, target] of [
        ['user', (m: NewMessage) => m.userId],
        ['subscription', (m: NewMessage) => m.subscriptionId],
        ['notificationRule', (m: NewMessage) => m.notificationRuleId],
      ] as const) {
        const join = joinTableOf(strapi, UID.message, relation);
        const links = unique
          .filter((m) => created.has(m.dedupeKey) && !linkedAlready.has(m.dedupeKey) && target(m))
          .map((m) => [created.get(m.dedupeKey), target(m)]);
        if (links.length === 0) continue;
        const linkHead = `INSERT INTO ${quote(join.name)} (${quote(join.joinColumn.name)}, ${quote(join.inverseJoinColumn.name)}) VALUES `;
        for (const part of chunks(links, Math.floor(MAX_BINDINGS[dialect] / 2))) {
          await knex.raw(linkHead + part.map(() => '(?, ?)').join(', '), part.flat());
        }
      }
    }));
    return created;
  };

  /** Writes a message; null when another writer took its dedupeKey first (never an error). */
  const insertUnlessDuplicate = async (message: NewMessage): Promise<number | null> =>
    (await insertMany([message])).get(message.dedupeKey) ?? null;

  /**
   * Writes many pending messages (the scheduler's batches) in a few statements: keys already
   * taken are skipped. Returns the number written and the new ids by dedupe key.
   */
  const enqueueMany = async (messages: readonly BatchMessage[], now: Date): Promise<{ created: number; ids: Map<string, number> }> => {
    const ids = await insertMany(
      messages.map((m) => ({
        kind: m.kind,
        dedupeKey: m.dedupeKey,
        status: m.status ?? 'pending',
        to: m.to,
        locale: m.locale ?? null,
        attempts: 0,
        // A reminder is due at once (null: whatever the clock of the process delivering it), or
        // at the opening of the sending window when quiet hours hold it.
        nextAttemptAt: m.status === 'skipped' ? null : m.kind === 'reminder' ? (m.notBefore ?? null) : now,
        lastError: m.reason ?? null,
        data: m.data,
        userId: m.userId,
        subscriptionId: m.subscriptionId,
        notificationRuleId: m.notificationRuleId,
      }))
    );
    return { created: ids.size, ids };
  };

  /**
   * One page (by id, after `afterId`) of the messages in one due state at `now`. One indexed
   * query per state rather than one OR: each reads its own status through
   * (status, next_attempt_at) or (status, claimed_until), whatever the size of the log.
   */
  const findDue = async (
    status: DueStatus,
    options: { now: Date; maxAttempts: number; afterId: number; limit: number; /** `held`: reminders too (not during quiet hours). */ reminders?: boolean }
  ): Promise<DueMessage[]> => {
    const { now } = options;
    const source: Record<string, unknown> =
      status === 'pending'
        ? // New messages go out at once, except reminders held by quiet hours until their window opens.
          { status: 'pending', $or: [{ kind: { $ne: 'reminder' } }, { nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }] }
        : status === 'failed'
          ? { status: 'failed', nextAttemptAt: { $lte: now }, attempts: { $lt: options.maxAttempts } }
          : status === 'held'
            ? { status: 'held', ...(options.reminders === false ? { kind: { $ne: 'reminder' } } : {}) }
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

  /**
   * Claims several messages for this process in one conditional update (PostgreSQL, SQLite:
   * `UPDATE … WHERE id IN (…) AND status = ? … RETURNING id`): each row is claimed by exactly one
   * process, and the ids returned are this one's. On MySQL (no RETURNING) one row at a time.
   */
  const claimMany = async (
    messages: readonly { id: number; status: string; attempts: number | null }[],
    lease: { now: Date; claimedUntil: Date }
  ): Promise<number[]> => {
    if (messages.length === 0) return [];
    if (dialectOf(strapi) === 'mysql') {
      const claimed: number[] = [];
      for (const m of messages) if (await claim(m, { ...lease, attempts: (m.attempts ?? 0) + 1 })) claimed.push(m.id);
      return claimed;
    }
    const table = tableOf(strapi, UID.message);
    const col = (attribute: string) => Object.keys(toColumns(strapi, UID.message, { [attribute]: null }))[0];
    const byStatus = new Map<string, number[]>();
    for (const m of messages) byStatus.set(m.status, [...(byStatus.get(m.status) ?? []), m.id]);
    const claimed: number[] = [];
    await run(strapi, async (knex) => {
      for (const [status, ids] of byStatus) {
        const q = knex(table).whereIn('id', ids).andWhere(checkColumn(strapi, knex, col('status'), status));
        if (status === 'sending') q.andWhere(col('claimedUntil'), '<=', lease.now);
        if (status === 'failed') q.andWhere(col('nextAttemptAt'), '<=', lease.now);
        const rows = (await q
          .update({
            [col('status')]: 'sending',
            [col('claimedUntil')]: lease.claimedUntil,
            [col('attempts')]: knex.raw(`COALESCE(${col('attempts')}, 0) + 1`),
            [col('updatedAt')]: new Date(),
          })
          .returning('id')) as { id: number }[];
        claimed.push(...rows.map((r) => Number(r.id)));
      }
    });
    return claimed;
  };

  /** Claimed messages with what their templates read (member, subscription and its offer, rule), in one joined query. */
  const findManyForSending = async (ids: readonly number[]): Promise<MessageRow[]> => {
    if (ids.length === 0) return [];
    const table = tableOf(strapi, UID.message);
    const userLink = joinTableOf(strapi, UID.message, 'user');
    const subLink = joinTableOf(strapi, UID.message, 'subscription');
    const ruleLink = joinTableOf(strapi, UID.message, 'notificationRule');
    const offerLink = joinTableOf(strapi, UID.subscription, 'offer');
    // Each link is read by a scalar subquery and each row joined by its primary key: a planner
    // without statistics (a new table) then expects one row per message, not the product of
    // every link table's guessed fan-out (PostgreSQL JIT-compiled that guess, ~0.4 s a call).
    const link = (join: typeof userLink) =>
      `(select l.${join.inverseJoinColumn.name} from ${join.name} l where l.${join.joinColumn.name} = ${table}.id limit 1)`;
    const offerOfSubscription = `(select so.${offerLink.inverseJoinColumn.name} from ${subLink.name} ms join ${offerLink.name} so on so.${offerLink.joinColumn.name} = ms.${subLink.inverseJoinColumn.name} where ms.${subLink.joinColumn.name} = ${table}.id limit 1)`;
    const rows = (await run(strapi, (knex) =>
      knex
        .from(
          knex(table)
            .select(
              `${table}.*`,
              knex.raw(`${link(userLink)} as link_user`),
              knex.raw(`${link(subLink)} as link_subscription`),
              knex.raw(`${offerOfSubscription} as link_offer`),
              knex.raw(`${link(ruleLink)} as link_rule`)
            )
            .whereIn(`${table}.id`, [...ids])
            .as('m')
        )
        .leftJoin(`${tableOf(strapi, UID.user)} as u`, 'u.id', 'm.link_user')
        .leftJoin(`${tableOf(strapi, UID.subscription)} as s`, 's.id', 'm.link_subscription')
        .leftJoin(`${tableOf(strapi, UID.offer)} as o`, 'o.id', 'm.link_offer')
        .leftJoin(`${tableOf(strapi, UID.notificationRule)} as r`, 'r.id', 'm.link_rule')
        .select([
          ...selectAs(strapi, UID.message, 'm', 'm'),
          ...selectAs(strapi, UID.user, 'u', 'u', ['id', 'username', 'email']),
          ...selectAs(strapi, UID.subscription, 's', 's', ['id', 'startsAt', 'endsAt', 'dueAt']),
          ...selectAs(strapi, UID.offer, 'o', 'o', ['id', 'documentId', 'title']),
          ...selectAs(strapi, UID.notificationRule, 'r', 'r', ['id', 'subject', 'text', 'html', 'when']),
        ])
        .orderBy('m.id')
    )) as Record<string, unknown>[];
    const seen = new Set<number>();
    const out: MessageRow[] = [];
    for (const row of rows) {
      const message = entityFrom<MessageRow>(strapi, UID.message, row, 'm')!;
      if (seen.has(message.id)) continue;
      seen.add(message.id);
      const subscription = entityFrom<NonNullable<MessageRow['subscription']>>(strapi, UID.subscription, row, 's', ['id', 'startsAt', 'endsAt', 'dueAt']);
      if (subscription) subscription.offer = entityFrom<{ documentId: string; title: string }>(strapi, UID.offer, row, 'o', ['documentId', 'title']);
      out.push({
        ...message,
        user: entityFrom(strapi, UID.user, row, 'u', ['id', 'username', 'email']),
        subscription,
        notificationRule: entityFrom(strapi, UID.notificationRule, row, 'r', ['id', 'subject', 'text', 'html', 'when']),
      });
    }
    return out;
  };

  /** One statement: these messages went out at `sentAt` (each with its own subject). */
  const markSentMany = async (sent: readonly { id: number; subject: string | null }[], sentAt: Date) => {
    if (sent.length === 0) return;
    const table = tableOf(strapi, UID.message);
    const col = (attribute: string) => Object.keys(toColumns(strapi, UID.message, { [attribute]: null }))[0];
    await run(strapi, async (knex) => {
      for (const part of chunks(sent)) {
        const subject = knex.raw(`CASE id ${part.map(() => 'WHEN ? THEN ?').join(' ')} END`, part.flatMap((m) => [m.id, storedSubject(m.subject)]));
        await knex(table)
          .whereIn('id', part.map((m) => m.id))
          .update({
            [col('status')]: 'sent',
            [col('sentAt')]: sentAt,
            [col('subject')]: subject,
            [col('lastError')]: null,
            [col('claimedUntil')]: null,
            [col('nextAttemptAt')]: null,
            [col('updatedAt')]: new Date(),
          });
      }
    });
  };

  /** Marks `failed` for good a message whose lease ended `now`, if no other process did; true when this one did. */
  const abandon = async (message: { id: number; status: string }, now: Date): Promise<boolean> => {
    const { count } = await query().updateMany({
      where: { id: message.id, status: message.status, claimedUntil: { $lte: now } },
      data: { status: 'failed', claimedUntil: null, nextAttemptAt: null },
    });
    return count === 1;
  };

  /**
   * Staging safe mode: these messages are kept back (`held`) instead of sent. Each row moves only
   * from the state it was read in (a conditional update per state, as a claim), so a message
   * another process is sending is never touched. Returns how many were held.
   */
  const holdMany = async (messages: readonly { id: number; status: string }[], now: Date): Promise<number> => {
    let held = 0;
    const byStatus = new Map<string, number[]>();
    for (const m of messages) byStatus.set(m.status, [...(byStatus.get(m.status) ?? []), m.id]);
    for (const [status, ids] of byStatus) {
      for (const part of chunks(ids)) {
        const where: Record<string, unknown> = { id: { $in: part }, status };
        if (status === 'failed') where.nextAttemptAt = { $lte: now };
        if (status === 'sending') where.claimedUntil = { $lte: now };
        const { count } = await query().updateMany({
          where,
          data: { status: 'held', claimedUntil: null, nextAttemptAt: null, lastError: 'held: staging safe mode (no e-mail to members until the live site is confirmed)' },
        });
        held += Number(count);
      }
    }
    return held;
  };

  /** Messages this process wrote claimed (`sending`) and now keeps back: held, their attempt not counted. */
  const holdClaimed = async (ids: readonly number[]): Promise<number> => {
    let held = 0;
    for (const part of chunks(ids)) {
      const { count } = await query().updateMany({
        where: { id: { $in: part }, status: 'sending' },
        data: { status: 'held', claimedUntil: null, nextAttemptAt: null, attempts: 0, lastError: 'held: staging safe mode (no e-mail to members until the live site is confirmed)' },
      });
      held += Number(count);
    }
    return held;
  };

  const countByStatus = async (status: string): Promise<number> => Number(await query().count({ where: { status } }));

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

  /**
   * Messages to members being deleted that are still to be sent (pending, or failed and to be
   * retried) become `skipped` with the reason: nothing reaches them afterwards. Returns how many.
   */
  const skipUnsentTo = async (userIds: readonly number[], reason: string): Promise<number> => {
    let skipped = 0;
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = (await query().findMany({
        where: {
          user: { id: { $in: userIds.slice(i, i + 500) } },
          $or: [{ status: 'pending' }, { status: 'failed', nextAttemptAt: { $notNull: true } }],
        },
        select: ['id'],
      })) as { id: number }[];
      for (let j = 0; j < rows.length; j += 500) {
        const result = (await query().updateMany({
          where: { id: { $in: rows.slice(j, j + 500).map((r) => r.id) }, status: { $in: ['pending', 'failed'] } },
          data: { status: 'skipped', lastError: reason, claimedUntil: null, nextAttemptAt: null },
        })) as { count: number };
        skipped += result.count;
      }
    }
    return skipped;
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

  /**
   * The outbox's backlog (the health check): messages waiting to be sent (`pending`, or `sending`
   * under a claim), those whose last try failed, those failed for good (no attempt left), and when
   * the oldest waiting one was written.
   */
  const backlog = async (maxAttempts: number) => {
    const waiting = { status: { $in: ['pending', 'sending'] } };
    const [pending, failed, failedForGood, oldest] = await Promise.all([
      query().count({ where: waiting }),
      query().count({ where: { status: 'failed' } }),
      query().count({ where: { status: 'failed', attempts: { $gte: maxAttempts } } }),
      query().findOne({ where: waiting, select: ['id', 'createdAt'], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    ]);
    return {
      pending: Number(pending),
      failed: Number(failed),
      failedForGood: Number(failedForGood),
      oldestPendingAt: (oldest?.createdAt ?? null) as unknown,
    };
  };

  return {
    backlog,
    skipUnsentTo,
    existsWithDedupeKey,
    takenKeys,
    insertUnlessDuplicate,
    enqueueMany,
    findDue,
    claim,
    abandon,
    findForSending,
    claimMany,
    findManyForSending,
    markSentMany,
    markSent,
    markFailed,
    holdMany,
    holdClaimed,
    countByStatus,
    page,
  };
};

export type MessageRepository = ReturnType<typeof messageRepository>;
