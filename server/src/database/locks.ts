import type { Core } from '@strapi/strapi';

/**
 * Named row locks held until the current transaction ends, for work that has no row to lock
 * yet (two notifications creating the same new member at the same moment). A plugin-owned table
 * of keys; SQLite needs none (one writer at a time).
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

/** Must be called inside `strapi.db.transaction`: blocks until no other transaction holds `key`. */
export const lockKey = async (strapi: Core.Strapi, key: string) => {
  const client = strapi.db.dialect.client;
  if (client === 'sqlite') return takeWriterLock(strapi);
  await strapi.db.transaction(async ({ trx }) => {
    // An upsert takes the row's exclusive lock straight away, new row or not. (INSERT IGNORE
    // then SELECT FOR UPDATE deadlocks on MySQL: both sides hold the shared lock of the
    // duplicate check and wait to upgrade it.)
    if (client === 'postgres') {
      await trx.raw(
        `INSERT INTO ${LOCK_TABLE} (lock_key) VALUES (?) ON CONFLICT (lock_key) DO UPDATE SET lock_key = EXCLUDED.lock_key`,
        [key]
      );
    } else {
      await trx.raw(`INSERT INTO ${LOCK_TABLE} (lock_key) VALUES (?) ON DUPLICATE KEY UPDATE lock_key = lock_key`, [key]);
    }
  });
};
