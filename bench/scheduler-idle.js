#!/usr/bin/env node
'use strict';

/**
 * What a scheduler run costs when nothing is due, on a big table: boots the playground on a
 * fresh database, bulk-inserts COUNT subscriptions (default 1,000,000) that are active and far
 * from any date (with a notification rule on their offer), then times `runOnce` and prints the
 * plan of every query it issued. Not a test: numbers depend on the machine.
 *
 *   npx strapi-plugin build && DATABASE_CLIENT=postgres node bench/scheduler-idle.js
 *   DATABASE_CLIENT=mysql COUNT=200000 node bench/scheduler-idle.js
 */
const path = require('path');
const { ephemeralEnv } = require('../playground/scripts/ephemeral-env');
const crypto = require('crypto');

const { PLAYGROUND, PLAYGROUND_DIST, compilePlayground } = require('../playground/scripts/app');
const COUNT = Number(process.env.COUNT || 1_000_000);
const client = (process.env.DATABASE_CLIENT || 'postgres').replace('mariadb', 'mysql');
const name = `subs_bench_${crypto.randomBytes(3).toString('hex')}`;

const createDatabase = async () => {
  if (client === 'postgres') {
    const { Client } = require('pg');
    const admin = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  } else if (client === 'mysql') {
    const mysql = require('mysql2/promise');
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.end();
  } else throw new Error('DATABASE_CLIENT must be postgres or mysql');
};

const dropDatabase = async () => {
  if (client === 'postgres') {
    const { Client } = require('pg');
    const admin = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  } else {
    const mysql = require('mysql2/promise');
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`DROP DATABASE IF EXISTS ${name}`);
    await conn.end();
  }
};

const main = async () => {
  await createDatabase();
  Object.assign(process.env, {
    NODE_ENV: 'production',
    DATABASE_CLIENT: client,
    DATABASE_NAME: name,
    DATABASE_USERNAME: client === 'postgres' ? 'postgres' : 'root',
    ...ephemeralEnv(),
  });
  compilePlayground();
  const { createStrapi } = require('@strapi/strapi');
  const strapi = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  strapi.log.level = 'error';
  await strapi.load();
  try {
    const knex = strapi.db.connection;
    const table = (uid) => strapi.db.metadata.get(uid).tableName;
    const subs = table('plugin::subscriptions.subscription');
    const offerLink = strapi.db.metadata.get('plugin::subscriptions.subscription').attributes.offer.joinTable;
    const offer = await strapi.db.query('plugin::subscriptions.offer').create({ data: { title: 'Bench', duration: 1, period: 'months' } });
    await strapi.db.query('plugin::subscriptions.notification-rule').create({ data: { offer: offer.id, amount: 7, period: 'days', when: 'before' } });

    const now = new Date('2030-01-01T00:00:00Z');
    const started = Date.now();
    const chunk = 5_000; // 9 columns × 5,000 rows stays under the 65,535 bind parameters PostgreSQL allows
    for (let done = 0; done < COUNT; done += chunk) {
      const rows = [];
      for (let i = done; i < Math.min(COUNT, done + chunk); i += 1) {
        // Ends spread over years 2031–2033: nothing due, no reminder near `now`.
        const end = new Date(Date.UTC(2031, 0, 1) + (i % 1000) * 86_400_000 + i);
        rows.push({
          document_id: `b${i.toString(36).padStart(23, '0')}`,
          status: 'active',
          starts_at: new Date(Date.UTC(2029, 0, 1)),
          due_at: end,
          ends_at: end,
          source: 'api',
          // Written a year ago: nothing changed since the previous run.
          created_at: new Date(Date.UTC(2029, 0, 1)),
          updated_at: new Date(Date.UTC(2029, 0, 1)),
          published_at: new Date(Date.UTC(2029, 0, 1)),
        });
      }
      const ids = await knex(subs).insert(rows, ['id']);
      const firstId = typeof ids[0] === 'object' ? ids[0].id : ids[0];
      const idList = typeof ids[0] === 'object' ? ids.map((r) => r.id) : rows.map((_r, k) => firstId + k);
      await knex(offerLink.name).insert(idList.map((id) => ({ [offerLink.joinColumn.name]: id, [offerLink.inverseJoinColumn.name]: offer.id })));
    }
    // The log of what was already sent: as many messages as subscriptions, all done.
    const messagesTable = table('plugin::subscriptions.message');
    for (let done = 0; done < COUNT; done += chunk) {
      const rows = [];
      for (let i = done; i < Math.min(COUNT, done + chunk); i += 1) {
        rows.push({
          document_id: `m${i.toString(36).padStart(23, '0')}`,
          kind: 'reminder',
          status: 'sent',
          dedupe_key: `bench:${i}`,
          to: `member${i}@example.com`,
          attempts: 1,
          sent_at: now,
          created_at: now,
          updated_at: now,
        });
      }
      await knex(messagesTable).insert(rows);
    }
    if (client === 'postgres') await knex.raw(`ANALYZE`);
    else await knex.raw(`ANALYZE TABLE ${subs}, ${offerLink.name}, ${messagesTable}`);
    console.log(`${client}: inserted ${COUNT} subscriptions and ${COUNT} sent messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const scheduler = strapi.plugin('subscriptions').service('scheduler');
    await scheduler.runOnce({ now: new Date(now.getTime() - 60_000) }); // sets the reminder window
    const queries = [];
    const onQuery = (q) => queries.push({ sql: q.sql, bindings: q.bindings || [] });
    knex.on('query', onQuery);
    const t0 = process.hrtime.bigint();
    const figures = await scheduler.runOnce({ now });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    knex.removeListener('query', onQuery);
    console.log(`runOnce with nothing due: ${ms.toFixed(1)} ms, ${queries.length} queries`, figures);
    for (const q of queries.filter((q) => /^select/i.test(q.sql) && /subscriptions_(subscriptions|messages)"/.test(q.sql.replace(/`/g, '"')))) {
      const explain = client === 'postgres' ? 'EXPLAIN (ANALYZE, COSTS OFF) ' : 'EXPLAIN ';
      // The logged SQL has the driver's placeholders ($1 on PostgreSQL): turn them back into knex's.
      const sql = q.sql.replace(/\$\d+/g, '?');
      const result = await knex.raw(explain + sql, q.bindings);
      const lines = client === 'postgres' ? result.rows.map((r) => r['QUERY PLAN']) : result[0].map((r) => `${r.table} type=${r.type} key=${r.key} rows=${r.rows} ${r.Extra || ''}`);
      console.log(`\n${q.sql.slice(0, 160)}…\n  ${lines.join('\n  ')}`);
    }
  } finally {
    await strapi.destroy();
    await dropDatabase();
  }
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(String(error && error.message).slice(0, 2000));
    dropDatabase().finally(() => process.exit(1));
  }
);
