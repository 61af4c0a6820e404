import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';
import { storableText, redactPayload, type Meaning } from '../domain';
import { joinTableOf } from '../database/links';
import { toDate } from '../utils/dates';

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
];

const LINKS = { user: { select: ['id'] }, subscription: { select: ['id'] } };

type RawEntry = Omit<LedgerEntry, 'userId' | 'subscriptionId' | 'periodStart' | 'periodEnd' | 'refundedAt'> & {
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
  userId: row.user?.id ?? null,
  subscriptionId: row.subscription?.id ?? null,
});

/** Payments: the meanings that pay for time. */
export const PAYING_MEANINGS: Meaning[] = ['purchase', 'rebill'];

/**
 * Every query on the payment-event ledger (`plugin::subscriptions.payment-event`) that the
 * Click2Sell write path runs. Inside `strapi.db.transaction` each joins the caller's transaction.
 */
export const paymentEventRepository = (strapi: Core.Strapi) => {
  const query = () => strapi.db.query(UID.paymentEvent);

  /** Records one notification as it arrived (the checksum never stored). */
  const record = async (entry: {
    outcome: Outcome;
    reason?: string;
    fields: Record<string, unknown>;
    remoteAddress: string;
    now: Date;
    dedupeKey?: string | null;
    meaning?: Meaning | null;
    /** Keep only a small, truncated payload (rejected calls). */
    small?: boolean;
  }): Promise<{ id: number }> => {
    const f = entry.fields;
    const text = (key: string, max = 255) => (typeof f[key] === 'string' ? storableText(f[key] as string, max) : null);
    return (await query().create({
      data: {
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
        outcome: entry.outcome,
        reason: entry.reason === undefined ? null : storableText(entry.reason, 2000),
        remoteAddress: storableText(entry.remoteAddress, 64),
        payload: entry.small ? redactPayload(f, { keys: 24, length: 64 }) : redactPayload(f),
        receivedAt: entry.now,
      },
      select: ['id'],
    })) as { id: number };
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
    await strapi.db.transaction(async ({ trx }) => {
      await trx(meta.tableName).where({ id }).update(columns);
      for (const [relation, target] of [
        ['user', data.user],
        ['subscription', data.subscription],
      ] as const) {
        if (!target) continue;
        const join = joinTableOf(strapi, UID.paymentEvent, relation);
        await trx(join.name).insert({ [join.joinColumn.name]: id, [join.inverseJoinColumn.name]: target });
      }
    });
  };

  /**
   * The ledger rows that decide a notification: the one with its dedupe key (a resend), and every
   * earlier row of its acquirer transaction that bound it (at most a handful).
   */
  const decisive = async (dedupeKey: string, acquirerTransactionId: string, bindingOutcomes: readonly Outcome[]): Promise<LedgerEntry[]> => {
    const rows = (await query().findMany({
      where: { $or: [{ dedupeKey }, { acquirerTransactionId, outcome: { $in: [...bindingOutcomes] } }] },
      select: ENTRY_FIELDS,
      populate: LINKS,
      orderBy: { id: 'asc' },
      limit: 32,
    })) as RawEntry[];
    return rows.map(entryOf);
  };

  const existsWithKey = async (dedupeKey: string) => !!(await query().findOne({ where: { dedupeKey }, select: ['id'] }));

  /** A member's applied payments with the periods they bought (oldest first). */
  const paymentsOf = async (userId: number): Promise<PaymentRecord[]> => {
    const rows = (await query().findMany({
      where: { user: { id: userId }, outcome: 'applied', meaning: { $in: PAYING_MEANINGS } },
      select: ['id', 'acquirerTransactionId', 'periodStart', 'periodEnd', 'refundedAt', 'receivedAt'],
      populate: { subscription: { select: ['id'] } },
      orderBy: { id: 'asc' },
    })) as (RawEntry & { acquirerTransactionId: string })[];
    return rows.map((row) => ({
      id: row.id,
      acquirerTransactionId: row.acquirerTransactionId ?? '',
      subscriptionId: row.subscription?.id ?? null,
      periodStart: toDate(row.periodStart),
      periodEnd: toDate(row.periodEnd),
      refundedAt: toDate(row.refundedAt),
      paidAt: toDate((row as { receivedAt?: unknown }).receivedAt),
    }));
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

  return { record, complete, decisive, existsWithKey, paymentsOf, updatePayment, resolvePending, withoutMeaning, setMeaning };
};

export type PaymentEventRepository = ReturnType<typeof paymentEventRepository>;
