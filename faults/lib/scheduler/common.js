'use strict';

const { mulberry32 } = require('../prng');

/** Small pieces shared by faults/scheduler-kill.js, faults/smtp-down.js and faults/processes.js. */
const crypto = require('crypto');
const path = require('path');
const { freshDatabase } = require('../../../bench/lib/db');

const SEED = path.join(__dirname, 'seed.js');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** This checkout, in short: several checkouts may run the suite against one PostgreSQL server at once. */
const CHECKOUT = crypto.createHash('sha1').update(path.resolve(__dirname, '..', '..', '..')).digest('hex').slice(0, 8);

/** A fresh PostgreSQL database of this checkout on the shared server (dropped and created), and its env for the playground. */
const freshPostgres = (name) => freshDatabase('postgres', `${name}_${CHECKOUT}`);

/** Drops a scenario's database once it has passed (a failed run's is kept to look at; the next run drops it). */
const dropPostgres = async (env) => {
  const { Client } = require('pg');
  const admin = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${env.DATABASE_NAME} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
};

/** The outbox row id inside a Message-ID the plugin wrote (`<subscriptions.message.<id>.<digest>@host>`). */
const rowIdOf = (messageId) => {
  const match = /^<subscriptions\.message\.(\d+)\.[0-9a-f]+@[^>]+>$/.exec(messageId || '');
  return match ? Number(match[1]) : null;
};

const check = (name, ok, detail = '') => ({ name, ok: Boolean(ok), detail: String(detail) });

const FIGURE_KEYS = ['activated', 'expired', 'cancelled', 'graceEnded', 'remindersQueued', 'remindersSkipped', 'sent', 'failed', 'errors'];

/** Sums runOnce figures over runs ([{ figures }] or [figures]). */
const sumFigures = (runs) => {
  const total = Object.fromEntries(FIGURE_KEYS.map((k) => [k, 0]));
  for (const run of runs) {
    const figures = run.figures || run;
    for (const k of FIGURE_KEYS) total[k] += figures[k] || 0;
  }
  return total;
};

/** A small deterministic generator, so that a run can be replayed from its seed. */
const random = mulberry32;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts of values: [a, b, a] → { a: 2, b: 1 }. */
const tally = (values) => {
  const out = {};
  for (const v of values) out[v] = (out[v] || 0) + 1;
  return out;
};

/** Up to n items of a list, for a check's detail. */
const sample = (list, n = 5) => `${list.slice(0, n).join(', ')}${list.length > n ? ` … (${list.length})` : ''}`;

module.exports = { CHECKOUT, SEED, MINUTE, HOUR, DAY, freshPostgres, dropPostgres, rowIdOf, check, sumFigures, random, sleep, tally, sample, FIGURE_KEYS };
