import crypto from 'crypto';
import type { Core } from '@strapi/strapi';

/**
 * Named locks held until the current transaction ends, for work that has no row to lock yet
 * (two notifications creating the same new member at the same moment): advisory locks on
 * PostgreSQL, rows of a plugin-owned table of keys on MySQL; SQLite needs none (one writer at a
 * time).
 */
export const LOCK_TABLE = 'subscriptions_locks';

export const ensureLockTable = async (strapi: Core.Strapi) => {
  const knex = strapi.db.connection;
  if (await knex.schema.hasTable(LOCK_TABLE)) return;
  try {
    await knex.schema.createTable(LOCK_TABLE, (t) => {
      t.string('lock_key', 191).primary();
    });
  } catch (error) {
    // Another process created it first.
    if (!(await knex.schema.hasTable(LOCK_TABLE))) throw error;
  }
};

/**
 * SQLite: makes the current transaction the database's writer now, before it reads. A deferred
 * transaction that reads first and writes later cannot wait for another process's writer (SQLite
 * answers "database is locked" at once rather than risk a deadlock); one that starts by writing
 * waits for it (busy timeout). A delete that matches nothing is a write that changes nothing.
 */
export const takeWriterLock = async (strapi: Core.Strapi) => {
  await strapi.db.transaction(async ({ trx }) => {
    // Once per transaction: a transaction that wrote is the writer until it ends.
    if (writers.has(trx)) return;
    await trx.raw(`DELETE FROM ${LOCK_TABLE} WHERE 1 = 0`);
    writers.add(trx);
  });
};

/** SQLite transactions that already hold the writer lock. */
const writers = new WeakSet<object>();

/**
 * PostgreSQL's transaction-level advisory lock for `key`: a 64-bit number from the key's SHA-256
 * (two keys sharing one number would only wait for each other, never skip a lock).
 */
export const advisoryLockId = (key: string): string => crypto.createHash('sha256').update(key).digest().readBigInt64BE(0).toString();

/** Must be called inside `strapi.db.transaction`: blocks until no other transaction holds `key`. */
export const lockKey = async (strapi: Core.Strapi, key: string) => {
  const client = strapi.db.dialect.client;
  if (client === 'sqlite') return takeWriterLock(strapi);
  await strapi.db.transaction(async ({ trx }) => {
    if (client === 'postgres') {
      // An advisory lock, released when the transaction ends: no row written (an upsert on the
      // lock table wrote a row version and its WAL on every payment).
      await trx.raw('SELECT pg_advisory_xact_lock(?::bigint)', [advisoryLockId(key)]);
    } else {
      // An upsert takes the row's exclusive lock straight away, new row or not. (INSERT IGNORE
      // then SELECT FOR UPDATE deadlocks on MySQL: both sides hold the shared lock of the
      // duplicate check and wait to upgrade it. GET_LOCK is per session, not per transaction.)
      await trx.raw(`INSERT INTO ${LOCK_TABLE} (lock_key) VALUES (?) ON DUPLICATE KEY UPDATE lock_key = lock_key`, [key]);
    }
  });
};
