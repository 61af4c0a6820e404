import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { priceOf, storableText, redactPayload, type Meaning } from '../domain';
import { joinTableOf } from '../database/links';
import { toDate } from '../utils/dates';
import { creationColumns, dialectOf, entityFrom, linkOf, run, selectAs, tableOf, toColumns } from './sql';

export type Outcome = 'applied' | 'duplicate' | 'replay' | 'pending' | 'rejected' | 'unmapped' | 'failed-payment' | 'error';

/** What the write path knows of an earlier notification of the same acquirer transaction. */
export interface LedgerEntry {
  id: number;
  dedupeKey: string | null;
  acquirerTransactionId: string | null;
  transactionId: string | null;
  productId: string | null;
  email: string | null;
  meaning: Meaning | null;
  outcome: Outcome;
  periodStart: Date | null;
  periodEnd: Date | null;
  refundedAt: Date | null;
  /** When the notification arrived. */
  receivedAt: Date | null;
  userId: number | null;
  subscriptionId: number | null;
}

/** An applied payment of a member: the period it bought for which subscription. */
export interface PaymentRecord {
  id: number;
  acquirerTransactionId: string;
  subscriptionId: number | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  refundedAt: Date | null;
  /** When the payment arrived: a refund of an earlier payment never moves its period before this. */
  paidAt: Date | null;
}

const ENTRY_FIELDS = [
  'id',
  'dedupeKey',
  'acquirerTransactionId',
  'transactionId',
  'productId',
  'email',
  'meaning',
  'outcome',
  'periodStart',
  'periodEnd',
  'refundedAt',
  'receivedAt',
];

const LINKS = { user: { select: ['id'] }, subscription: { select: ['id'] } };

type RawEntry = Omit<LedgerEntry, 'userId' | 'subscriptionId' | 'periodStart' | 'periodEnd' | 'refundedAt' | 'receivedAt'> & {
  receivedAt?: unknown;
  periodStart: unknown;
  periodEnd: unknown;
  refundedAt: unknown;
  user?: { id: number } | null;
  subscription?: { id: number } | null;
};

const entryOf = (row: RawEntry): LedgerEntry => ({
  ...row,
  periodStart: toDate(row.periodStart),
  periodEnd: toDate(row.periodEnd),
  refundedAt: toDate(row.refundedAt),
  receivedAt: toDate(row.receivedAt),
  userId: row.user?.id ?? null,
  subscriptionId: row.subscription?.id ?? null,
});

/** A notification to record in the ledger. */
export interface RecordInput {
  outcome: Outcome;
  reason?: string;
  fields: Record<string, unknown>;
  remoteAddress: string;
  now: Date;
  dedupeKey?: string | null;
  meaning?: Meaning | null;
  /** Keep only a small, truncated payload (rejected calls). */
  small?: boolean;
  /** The ledger row this one re-applies (an admin's replay from the payment log). */
  replayOf?: number;
}

/** A ledger row as re-applying it from the payment log reads it. */
export interface ReplaySource {
  id: number;
  outcome: Outcome;
  meaning: Meaning | null;
  dedupeKey: string | null;
  acquirerTransactionId: string | null;
  productId: string | null;
  remoteAddress: string | null;
  payload: Record<string, unknown> | null;
  replayedAt: Date | null;
  replayedBy: string | null;
}

/** Payments: the meanings that pay for time. */
export const PAYING_MEANINGS: Meaning[] = ['purchase', 'rebill'];

/**
 * Every query on the payment-event ledger (`plugin::subscriptions.payment-event`) that the
 * Click2Sell write path runs. Inside `strapi.db.transaction` each joins the caller's transaction.
 */
export const paymentEventRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.paymentEvent);

  /** The columns of a notification as it arrived (the checksum never stored). */
  const columnsOfEntry = (entry: RecordInput) => {
    const f = entry.fields;
    const text = (key: string, max = 255) => (typeof f[key] === 'string' ? storableText(f[key] as string, max) : null);
    const price = priceOf(f.product_price);
    return {
      provider: 'click2sell',
      dedupeKey: entry.dedupeKey ?? null,
      acquirerTransactionId: text('acquirer_transaction_id'),
      transactionId: text('c2s_transaction_id'),
      transactionType: text('transaction_type', 64),
      subscriptionStatus: text('subscription_status', 64),
      paymentStatus: text('payment_status', 64),
      meaning: entry.meaning ?? null,
      productId: text('product_id'),
      email: text('buyer_email'),
      // The price as Click2Sell sent it ('' currency: none could be read), for the revenue figures.
      amountCents: price?.amountCents ?? null,
      currency: price?.currency ?? '',
      outcome: entry.outcome,
      reason: entry.reason === undefined ? null : storableText(entry.reason, 2000),
      remoteAddress: storableText(entry.remoteAddress, 64),
      payload: entry.small ? redactPayload(f, { keys: 24, length: 64 }) : redactPayload(f),
      receivedAt: entry.now,
      ...(entry.replayOf !== undefined ? { replayOf: entry.replayOf } : {}),
    };
  };

  /**
   * Records a notification that carries a dedupe key, unless a row with that key exists: the
   * dedupe check and the insert are one statement (INSERT … ON CONFLICT DO NOTHING RETURNING on
   * PostgreSQL and SQLite, INSERT IGNORE on MySQL). Null when the key was taken (a resend, or a
   * concurrent copy that committed first: the unique index makes this one wait for it).
   */
  const recordUnlessDuplicate = async (entry: RecordInput & { dedupeKey: string }): Promise<{ id: number } | null> => {
    const row = { ...toColumns(strapi, UID.paymentEvent, columnsOfEntry(entry)), ...creationColumns(strapi, UID.paymentEvent) };
    const dedupe = toColumns(strapi, UID.paymentEvent, { dedupeKey: entry.dedupeKey });
    const table = tableOf(strapi, UID.paymentEvent);
    return run(strapi, async (knex) => {
      if (dialectOf(strapi) === 'mysql') {
        const [id] = (await knex(table).insert(row).onConflict(Object.keys(dedupe)).ignore()) as number[];
        return id ? { id: Number(id) } : null;
      }
      const rows = (await knex(table).insert(row).onConflict(Object.keys(dedupe)).ignore().returning('id')) as { id: number }[];
      return rows.length > 0 ? { id: Number(rows[0].id) } : null;
    });
  };

  /**
   * `recordUnlessDuplicate`, then the rows that decide the notification (`decisive` for its
   * acquirer transaction, written before it): one statement on PostgreSQL (the insert as a
   * data-modifying CTE; the read sees the rows as they were before it), two elsewhere.
   */
  const recordAndDecide = async (
    entry: RecordInput & { dedupeKey: string },
    acquirerTransactionId: string,
    bindingOutcomes: readonly Outcome[]
  ): Promise<{ inserted: { id: number } | null; earlier: LedgerEntry[] }> => {
    if (dialectOf(strapi) !== 'postgres') {
      const inserted = await recordUnlessDuplicate(entry);
      const known = await decisive(null, acquirerTransactionId, bindingOutcomes);
      return { inserted, earlier: known.filter((row) => row.id !== inserted?.id) };
    }
    const row = { ...toColumns(strapi, UID.paymentEvent, columnsOfEntry(entry)), ...creationColumns(strapi, UID.paymentEvent) };
    const dedupe = Object.keys(toColumns(strapi, UID.paymentEvent, { dedupeKey: entry.dedupeKey }));
    const table = tableOf(strapi, UID.paymentEvent);
    return run(strapi, async (knex) => {
      const insert = knex(table).insert(row).onConflict(dedupe).ignore().returning('id').toSQL();
      const read = decisiveQuery(knex, null, acquirerTransactionId, bindingOutcomes).toSQL();
      const result = (await knex.raw(
        `WITH ins AS (${insert.sql}) SELECT (SELECT id FROM ins) AS inserted_id, d.* FROM (SELECT 1) AS one LEFT JOIN (${read.sql}) AS d ON true ORDER BY d.e__id`,
        [...insert.bindings, ...read.bindings]
      )) as { rows: Record<string, unknown>[] };
      const first = result.rows[0];
      const inserted = first && first.inserted_id !== null && first.inserted_id !== undefined ? { id: Number(first.inserted_id) } : null;
      const earlier = result.rows.filter((r) => r.e__id !== null && r.e__id !== undefined).map(decisiveEntry);
      return { inserted, earlier };
    });
  };

  /** Takes back a row this transaction wrote (a notification refused after its insert). */
  const remove = async (id: number) => {
    await run(strapi, (knex) => knex(tableOf(strapi, UID.paymentEvent)).where({ id }).del());
  };

  /** Records one notification as it arrived (the checksum never stored); one statement. */
  const record = async (entry: RecordInput): Promise<{ id: number }> => {
    const row = { ...toColumns(strapi, UID.paymentEvent, columnsOfEntry(entry)), ...creationColumns(strapi, UID.paymentEvent) };
    const table = tableOf(strapi, UID.paymentEvent);
    return run(strapi, async (knex) => {
      if (dialectOf(strapi) === 'mysql') {
        const [id] = (await knex(table).insert(row)) as number[];
        return { id: Number(id) };
      }
      const [inserted] = (await knex(table).insert(row).returning('id')) as { id: number }[];
      return { id: Number(inserted.id) };
    });
  };

  /**
   * Completes a ledger row this transaction wrote: its outcome, reason, period, member and
   * subscription. The row is new and has no links yet, so plain statements do what Strapi's
   * relation update does with three times the queries (unlink, relink, reorder).
   */
  const complete = async (
    id: number,
    data: {
      outcome?: Outcome;
      reason?: string;
      user?: number | null;
      subscription?: number | null;
      periodStart?: Date | null;
      periodEnd?: Date | null;
      refundedAt?: Date | null;
    }
  ) => {
    const meta = strapi.db.metadata.get(UID.paymentEvent);
    const attributes = meta.attributes as Record<string, any>;
    const column = (name: string) => attributes[name].columnName ?? name;
    const columns: Record<string, unknown> = { [column('updatedAt')]: new Date() };
    if (data.outcome !== undefined) columns[column('outcome')] = data.outcome;
    if (data.reason !== undefined) columns[column('reason')] = storableText(data.reason, 2000);
    for (const key of ['periodStart', 'periodEnd', 'refundedAt'] as const) {
      if (data[key] !== undefined) columns[column(key)] = data[key];
    }
    const links = ([
      ['user', data.user],
      ['subscription', data.subscription],
    ] as const)
      .filter(([, target]) => !!target)
      .map(([relation, target]) => ({ join: joinTableOf(strapi, UID.paymentEvent, relation), target: target as number }));
    await strapi.db.transaction(async ({ trx }) => {
      if (dialectOf(strapi) === 'postgres' && links.length > 0) {
        // One round trip: the update and its links as one statement (data-modifying CTEs).
        const update = trx(meta.tableName).where({ id }).update(columns).returning('id').toSQL();
        const parts = links.map((l, i) => `l${i} AS (INSERT INTO ${l.join.name} (${l.join.joinColumn.name}, ${l.join.inverseJoinColumn.name}) SELECT id, ? FROM e)`);
        await trx.raw(`WITH e AS (${update.sql}), ${parts.join(', ')} SELECT count(*) FROM e`, [...update.bindings, ...links.map((l) => l.target)]);
        return;
      }
      await trx(meta.tableName).where({ id }).update(columns);
      for (const l of links) await trx(l.join.name).insert({ [l.join.joinColumn.name]: id, [l.join.inverseJoinColumn.name]: l.target });
    });
  };

  /**
   * The ledger rows that decide a notification: the one with its dedupe key (a resend), and every
   * earlier row of its acquirer transaction that bound it (at most a handful).
   */
  const decisiveQuery = (knex: Parameters<Parameters<typeof run>[1]>[0], dedupeKey: string | null, acquirerTransactionId: string, bindingOutcomes: readonly Outcome[]) => {
    const table = tableOf(strapi, UID.paymentEvent);
    const user = linkOf(strapi, UID.paymentEvent, 'user');
    const subscription = linkOf(strapi, UID.paymentEvent, 'subscription');
    const column = (attribute: string) => Object.keys(toColumns(strapi, UID.paymentEvent, { [attribute]: null }))[0];
    return knex(`${table} as e`)
      .leftJoin(`${user.name} as ul`, `ul.${user.joinColumn.name}`, 'e.id')
      .leftJoin(`${subscription.name} as sl`, `sl.${subscription.joinColumn.name}`, 'e.id')
      .select([
        ...selectAs(strapi, UID.paymentEvent, 'e', 'e', ENTRY_FIELDS),
        `ul.${user.inverseJoinColumn.name} as user_id`,
        `sl.${subscription.inverseJoinColumn.name} as subscription_id`,
      ])
      .where((w) => {
        if (dedupeKey !== null) w.where(`e.${column('dedupeKey')}`, dedupeKey);
        w.orWhere((a) => a.where(`e.${column('acquirerTransactionId')}`, acquirerTransactionId).whereIn(`e.${column('outcome')}`, [...bindingOutcomes]));
      })
      .orderBy('e.id', 'asc')
      .limit(32);
  };

  const decisiveEntry = (row: Record<string, unknown>): LedgerEntry => {
    const entry = entityFrom<RawEntry>(strapi, UID.paymentEvent, row, 'e', ENTRY_FIELDS)!;
    return entryOf({
      ...entry,
      user: row.user_id === null || row.user_id === undefined ? null : { id: Number(row.user_id) },
      subscription: row.subscription_id === null || row.subscription_id === undefined ? null : { id: Number(row.subscription_id) },
    });
  };

  const decisive = async (dedupeKey: string | null, acquirerTransactionId: string, bindingOutcomes: readonly Outcome[]): Promise<LedgerEntry[]> =>
    ((await run(strapi, (knex) => decisiveQuery(knex, dedupeKey, acquirerTransactionId, bindingOutcomes))) as Record<string, unknown>[]).map(decisiveEntry);

  const existsWithKey = async (dedupeKey: string) => !!(await query().findOne({ where: { dedupeKey }, select: ['id'] }));

  /** A member's applied payments with the periods they bought (oldest first). */
  const paymentsOf = async (userId: number): Promise<PaymentRecord[]> => {
    const table = tableOf(strapi, UID.paymentEvent);
    const user = linkOf(strapi, UID.paymentEvent, 'user');
    const subscription = linkOf(strapi, UID.paymentEvent, 'subscription');
    const fields = ['id', 'acquirerTransactionId', 'periodStart', 'periodEnd', 'refundedAt', 'receivedAt', 'outcome', 'meaning'];
    const where = toColumns(strapi, UID.paymentEvent, { outcome: 'applied' });
    const meaning = Object.keys(toColumns(strapi, UID.paymentEvent, { meaning: null }))[0];
    const rows = (await run(strapi, (knex) =>
      knex(`${table} as e`)
        .join(`${user.name} as ul`, `ul.${user.joinColumn.name}`, 'e.id')
        .leftJoin(`${subscription.name} as sl`, `sl.${subscription.joinColumn.name}`, 'e.id')
        .select([...selectAs(strapi, UID.paymentEvent, 'e', 'e', fields), `sl.${subscription.inverseJoinColumn.name} as subscription_id`])
        .where(`ul.${user.inverseJoinColumn.name}`, userId)
        .andWhere(Object.fromEntries(Object.entries(where).map(([k, v]) => [`e.${k}`, v])))
        .whereIn(`e.${meaning}`, PAYING_MEANINGS)
        .orderBy('e.id', 'asc')
    )) as Record<string, unknown>[];
    return rows.map((raw) => {
      const row = entityFrom<RawEntry & { acquirerTransactionId: string }>(strapi, UID.paymentEvent, raw, 'e', fields)!;
      return {
        id: row.id,
        acquirerTransactionId: row.acquirerTransactionId ?? '',
        subscriptionId: raw.subscription_id === null || raw.subscription_id === undefined ? null : Number(raw.subscription_id),
        periodStart: toDate(row.periodStart),
        periodEnd: toDate(row.periodEnd),
        refundedAt: toDate(row.refundedAt),
        paidAt: toDate((row as { receivedAt?: unknown }).receivedAt),
      };
    });
  };

  /** Writes a payment's moved period or its refund (a later refund shifted it back). */
  const updatePayment = async (id: number, data: { periodStart: Date | null; periodEnd: Date | null; refundedAt: Date | null }) => {
    await query().update({ where: { id }, data, select: ['id'] });
  };

  /** Pending refunds and cancellations that their payment has now applied. */
  const resolvePending = async (ids: readonly number[], reason: string) => {
    if (ids.length === 0) return;
    await query().updateMany({ where: { id: { $in: [...ids] } }, data: { outcome: 'applied', reason } });
  };

  /**
   * Ledger rows written before `meaning` existed (an upgrade), a page at a time: the applying ones
   * (they carry a dedupe key) with the fields their meaning is read from.
   */
  const withoutMeaning = async (limit: number) =>
    (await query().findMany({
      where: { meaning: { $null: true }, dedupeKey: { $notNull: true } },
      select: ['id', 'transactionType', 'subscriptionStatus', 'paymentStatus'],
      orderBy: { id: 'asc' },
      limit,
    })) as { id: number; transactionType: string | null; subscriptionStatus: string | null; paymentStatus: string | null }[];

  const setMeaning = async (ids: readonly number[], meaning: Meaning) => {
    await query().updateMany({ where: { id: { $in: [...ids] } }, data: { meaning } });
  };

  /**
   * Ledger rows written before the price columns existed (an upgrade), a page at a time: their
   * currency is null (a row written since has one, '' when its price could not be read).
   */
  const withoutPrice = async (limit: number) =>
    (await query().findMany({
      where: { currency: { $null: true } },
      select: ['id', 'payload'],
      orderBy: { id: 'asc' },
      limit,
    })) as { id: number; payload: unknown }[];

  const setPrice = async (id: number, price: { amountCents: number; currency: string } | null) => {
    await query().update({ where: { id }, data: { amountCents: price?.amountCents ?? null, currency: price?.currency ?? '' }, select: ['id'] });
  };

  /** One ledger row with what re-applying it needs; null when there is none. */
  const findForReplay = async (id: number): Promise<ReplaySource | null> => {
    const row = (await query().findOne({
      where: { id },
      select: ['id', 'outcome', 'meaning', 'dedupeKey', 'acquirerTransactionId', 'productId', 'remoteAddress', 'payload', 'replayedAt', 'replayedBy'],
    })) as (Omit<ReplaySource, 'replayedAt' | 'payload'> & { replayedAt: unknown; payload: unknown }) | null;
    if (!row) return null;
    const payload = row.payload && typeof row.payload === 'object' && !Array.isArray(row.payload) ? (row.payload as Record<string, unknown>) : null;
    return { ...row, payload, replayedAt: toDate(row.replayedAt) };
  };

  /**
   * Marks a row as being re-applied, unless it already was (or its outcome is not one that may
   * be): a conditional update, so that of two admins only one claims it. False when it did not.
   */
  const claimReplay = async (id: number, claim: { at: Date; by: string; outcomes: readonly string[] }): Promise<boolean> => {
    const { count } = await query().updateMany({
      where: { id, replayedAt: { $null: true }, outcome: { $in: [...claim.outcomes] } },
      data: { replayedAt: claim.at, replayedBy: storableText(claim.by, 255) },
    });
    return Number(count) === 1;
  };

  /** Links a re-applied row to what its replay did: the outcome and the ledger row it wrote. */
  const completeReplay = async (id: number, result: { outcome: Outcome; as: number }) => {
    await query().updateMany({ where: { id }, data: { replayOutcome: result.outcome, replayedAs: result.as } });
  };

  return { findForReplay, claimReplay, completeReplay, record, recordUnlessDuplicate, recordAndDecide, remove, complete, decisive, existsWithKey, paymentsOf, updatePayment, resolvePending, withoutMeaning, setMeaning, withoutPrice, setPrice };
};

export type PaymentEventRepository = ReturnType<typeof paymentEventRepository>;
