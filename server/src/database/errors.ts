/** What a database error means, whatever the dialect (PostgreSQL, MySQL/MariaDB, SQLite). */

/** A unique index refused the row: someone else wrote the same key first. */
export const isUniqueViolation = (error: unknown): boolean => {
  const e = error as { code?: string; errno?: number; message?: string };
  return (
    e?.code === '23505' || // PostgreSQL
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 || // MySQL / MariaDB
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /unique constraint|duplicate key|duplicate entry/i.test(e?.message ?? '')
  );
};

/**
 * The database could not be reached or dropped the connection (down, restarting, pool
 * exhausted): the statement itself was not at fault, and running it again later may succeed.
 */
export const isConnectionError = (error: unknown): boolean => {
  const e = error as { code?: string; message?: string };
  return (
    /^(08|57P)/.test(e?.code ?? '') || // PostgreSQL: connection exception, operator intervention
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'].includes(e?.code ?? '') ||
    /Connection terminated|Connection ended unexpectedly|connection is closed|server closed the connection|not queryable|Timeout acquiring a connection|ECONNREFUSED|the database system is (starting up|shutting down|in recovery mode)/i.test(
      e?.message ?? ''
    )
  );
};

