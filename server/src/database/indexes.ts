import type { Core } from '@strapi/strapi';
import { UID } from '../content-types';

/**
 * Indexes Strapi's schema files cannot declare: unique keys that make "exactly once" a database
 * guarantee (one ledger row per Click2Sell notification, one message per reminder occurrence),
 * and the indexes the scheduler's due-work queries use. Created at bootstrap if missing.
 */
interface IndexSpec {
  uid: string;
  name: string;
  columns: string[];
  unique?: boolean;
  /** Only on these dialects (default: all). */
  only?: string[];
}

export const INDEXES: IndexSpec[] = [
  { uid: UID.paymentEvent, name: 'subs_payment_events_dedupe_uq', columns: ['dedupe_key'], unique: true },
  { uid: UID.paymentEvent, name: 'subs_payment_events_received_idx', columns: ['received_at'] },
  // The signed acquirer transaction id, bound to the first transaction it applied.
  { uid: UID.paymentEvent, name: 'subs_payment_events_acquirer_idx', columns: ['acquirer_transaction_id'] },
  // Rows without a meaning (written before it existed), found at bootstrap.
  { uid: UID.paymentEvent, name: 'subs_payment_events_meaning_idx', columns: ['meaning'] },
  // The failed-verification count behind Click2Sell's 429.
  { uid: UID.paymentEvent, name: 'subs_payment_events_address_idx', columns: ['remote_address', 'received_at'] },
  // Revenue figures: payments or refunds of a date range summed per month and currency, read
  // from the index alone (it holds every column the query reads).
  {
    uid: UID.paymentEvent,
    name: 'subs_payment_events_revenue_idx',
    columns: ['meaning', 'received_at', 'outcome', 'currency', 'amount_cents', 'replay_of'],
    only: ['sqlite', 'postgres'],
  },
  // MySQL keys stop at 3072 bytes and Strapi's strings are VARCHAR(255) utf8mb4 (1020 bytes):
  // two of them at most, so the outcome is read from the row.
  {
    uid: UID.paymentEvent,
    name: 'subs_payment_events_revenue_my_idx',
    columns: ['meaning', 'received_at', 'currency', 'amount_cents'],
    only: ['mysql'],
  },
  // Rows written before the price columns existed (null currency), found at bootstrap.
  { uid: UID.paymentEvent, name: 'subs_payment_events_currency_idx', columns: ['currency'] },
  { uid: UID.message, name: 'subs_messages_dedupe_uq', columns: ['dedupe_key'], unique: true },
  { uid: UID.message, name: 'subs_messages_status_next_idx', columns: ['status', 'next_attempt_at'] },
  { uid: UID.subscription, name: 'subs_subscriptions_status_starts_idx', columns: ['status', 'starts_at'] },
  { uid: UID.subscription, name: 'subs_subscriptions_status_ends_idx', columns: ['status', 'ends_at'] },
  { uid: UID.subscription, name: 'subs_subscriptions_status_due_idx', columns: ['status', 'due_at'] },
  // Scheduler: reminders by end, subscriptions written since the previous run, expired leases.
  { uid: UID.subscription, name: 'subs_subscriptions_updated_idx', columns: ['updated_at'] },
  { uid: UID.message, name: 'subs_messages_status_claim_idx', columns: ['status', 'claimed_until'] },
  // Admin tracking: lists sorted by end date, figures and chart as range counts on start and end
  // (this one also serves the scheduler's reminder range on ends_at).
  { uid: UID.subscription, name: 'subs_subscriptions_ends_idx', columns: ['ends_at', 'id'] },
  { uid: UID.subscription, name: 'subs_subscriptions_starts_idx', columns: ['starts_at'] },
  { uid: UID.subscription, name: 'subs_subscriptions_source_idx', columns: ['source', 'ends_at'] },
  { uid: UID.message, name: 'subs_messages_created_idx', columns: ['created_at'] },
  // A subscription's history, newest first; a member's role entries.
  { uid: UID.historyEntry, name: 'subs_history_subscription_idx', columns: ['subscription_document_id', 'id'] },
  { uid: UID.historyEntry, name: 'subs_history_user_idx', columns: ['user_id', 'id'] },
];

const exists = async (strapi: Core.Strapi, table: string, name: string): Promise<boolean> => {
  const knex = strapi.db.connection;
  const client = strapi.db.dialect.client;
  if (client === 'sqlite') {
    const rows = await knex.raw(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?`, [name]);
    return rows.length > 0;
  }
  if (client === 'postgres') {
    const result = await knex.raw(`SELECT 1 FROM pg_indexes WHERE indexname = ?`, [name]);
    return result.rows.length > 0;
  }
  const [rows] = await knex.raw(
    `SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?`,
    [table, name]
  );
  return rows.length > 0;
};

export const ensureIndexes = async (strapi: Core.Strapi) => {
  for (const spec of INDEXES) {
    if (spec.only && !spec.only.includes(strapi.db.dialect.client as string)) continue;
    const table = strapi.db.metadata.get(spec.uid as never).tableName;
    if (await exists(strapi, table, spec.name)) continue;
    await strapi.db.connection.schema.alterTable(table, (t) => {
      if (spec.unique) t.unique(spec.columns, { indexName: spec.name });
      else t.index(spec.columns, spec.name);
    });
  }
};
