import type { Core } from '@strapi/strapi';

const STATEMENT = 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED';

/**
 * MySQL/MariaDB default to REPEATABLE READ: a transaction keeps reading the snapshot of its
 * first read even after it waited on a lock, so two payments for one member could both miss
 * each other's committed subscription and create or extend it twice. READ COMMITTED (the
 * PostgreSQL default, which Strapi is also built for) makes every statement after a lock see
 * what the lock holder committed. Applied to each pooled connection as it is created.
 */
export const useReadCommittedOnMysql = (strapi: Core.Strapi) => {
  if (strapi.db.dialect.client !== 'mysql') return;
  const pool = (strapi.db.connection.client as { pool?: any }).pool;
  if (!pool) return;
  const apply = (connection: { query: (sql: string, cb: (err: Error | null) => void) => void }) =>
    connection.query(STATEMENT, (error) => {
      if (error) strapi.log.warn(`subscriptions: could not set READ COMMITTED: ${error.message}`);
    });
  pool.on('createSuccess', (_id: unknown, connection: Parameters<typeof apply>[0]) => apply(connection));
  for (const entry of [...(pool.free ?? []), ...(pool.used ?? [])]) {
    if (entry?.resource) apply(entry.resource);
  }
};
