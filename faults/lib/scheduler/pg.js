'use strict';

/**
 * Reads the scenario's PostgreSQL database from the orchestrating process (no Strapi needed: the
 * worker may just have been killed). Only plain columns: ids, statuses, counts.
 */
const { Client } = require('pg');

const connect = async (env) => {
  const client = new Client({
    host: env.DATABASE_HOST || '127.0.0.1',
    port: Number(env.DATABASE_PORT || 5432),
    user: env.DATABASE_USERNAME || 'postgres',
    password: env.DATABASE_PASSWORD || undefined,
    database: env.DATABASE_NAME,
  });
  await client.connect();
  return {
    /** Every outbox row: id, kind, status, attempts, dedupe key, recipient. */
    outbox: async () =>
      (
        await client.query(
          'SELECT id, kind, status, attempts, dedupe_key AS "dedupeKey", "to", last_error AS "lastError" FROM subscriptions_messages ORDER BY id'
        )
      ).rows,
    /** Outbox rows per status: { sent: n, sending: n, … }. */
    statusCounts: async () => {
      const { rows } = await client.query('SELECT status, COUNT(*)::int AS n FROM subscriptions_messages GROUP BY status');
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    query: (sql, params) => client.query(sql, params),
    close: () => client.end(),
  };
};

module.exports = { connect };
