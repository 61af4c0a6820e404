#!/usr/bin/env node
'use strict';

/**
 * How the admin's tracking queries hold up on a big table: boots the playground (built plugin)
 * on a scratch SQLite file, writes ROWS subscriptions (default 1,000,000) with their user and
 * offer links, and a proportional payment ledger (a payment per subscription, a re-bill for one
 * in two, a refund for one in fifty: 1.52 events per subscription, EUR and USD; one subscription
 * in ten recurring and open-ended), then times the list (first and a deep page, with and without
 * a search), the figures, the chart and the revenue figures (payments and refunds per month and
 * currency, MRR, new and lost members). Run: `npm run build && node bench/admin-tracking.js [rows]`
 * (the scratch database is kept: a second run with the same size reuses it).
 */
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');

const ROWS = Number(process.argv[2] || 1_000_000);
const USERS = Math.max(1, Math.floor(ROWS / 2));
const { PLAYGROUND, PLAYGROUND_DIST, compilePlayground } = require('../playground/scripts/app');
const file = path.join(PLAYGROUND, '.tmp', `bench-tracking-${ROWS}.db`);

const secret = () => crypto.randomBytes(16).toString('base64');
Object.assign(process.env, {
  NODE_ENV: 'test', DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: file, SEED_DEMO_DATA: 'false',
  SUBSCRIPTIONS_CRON_ENABLED: 'false', STRAPI_TELEMETRY_DISABLED: 'true',
  APP_KEYS: `${secret()},${secret()}`, API_TOKEN_SALT: secret(), ADMIN_JWT_SECRET: secret(),
  TRANSFER_TOKEN_SALT: secret(), JWT_SECRET: secret(), ENCRYPTION_KEY: secret(),
});

const time = async (label, fn) => {
  const start = process.hrtime.bigint();
  const result = await fn();
  console.log(`${label.padEnd(44)} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1).padStart(9)} ms`);
  return result;
};

(async () => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fresh = !fs.existsSync(file);
  compilePlayground();
  const { createStrapi } = require('@strapi/strapi');
  const strapi = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  strapi.log.level = 'error';
  await strapi.load();
  const knex = strapi.db.connection;
  const meta = (uid) => strapi.db.metadata.get(uid);
  const sub = meta('plugin::subscriptions.subscription');
  const event = meta('plugin::subscriptions.payment-event');
  let eventId = 0;
  /** The ledger of a batch of subscriptions: what Click2Sell would have sent for them. */
  const writeLedger = async (subs, now) => {
    const rows = [];
    const links = [];
    const add = (s, at, meaning, cents, currency, type) => {
      eventId += 1;
      rows.push({ id: eventId, document_id: `e${eventId}`, provider: 'click2sell', dedupe_key: `bench:${eventId}`, acquirer_transaction_id: `A${s.id}`,
        transaction_id: `C${eventId}`, transaction_type: type, meaning, outcome: 'applied', amount_cents: cents, currency, received_at: at });
      links.push({ [event.attributes.subscription.joinTable.joinColumn.name]: eventId, [event.attributes.subscription.joinTable.inverseJoinColumn.name]: s.id });
    };
    for (const s of subs) {
      const currency = s.id % 3 === 0 ? 'USD' : 'EUR';
      const type = s.ends_at === null ? 'Subscription' : 'Sale';
      add(s, s.starts_at, 'purchase', 990 + (s.id % 7) * 100, currency, type);
      if (s.id % 2 === 0 && s.starts_at + 30 * 86_400_000 < now) add(s, s.starts_at + 30 * 86_400_000, 'rebill', 990, currency, type);
      if (s.id % 50 === 0) add(s, s.starts_at + 86_400_000, 'refund', 990, currency, 'Refund');
    }
    // SQLite's multi-row insert is a compound SELECT: at most 500 terms.
    for (let i = 0; i < rows.length; i += 400) {
      await knex(event.tableName).insert(rows.slice(i, i + 400));
      await knex(event.attributes.subscription.joinTable.name).insert(links.slice(i, i + 400));
    }
  };
  if (fresh) {
    await time(`write ${ROWS} subscriptions`, async () => {
      const offer = await strapi.db.query('plugin::subscriptions.offer').create({ data: { title: 'Bench', duration: 1, period: 'months' } });
      const userTable = meta('plugin::users-permissions.user').tableName;
      const now = Date.now();
      const DAY = 86_400_000;
      for (let i = 0; i < USERS; i += 500) {
        const rows = [];
        for (let j = i; j < Math.min(USERS, i + 500); j += 1) {
          rows.push({ document_id: `u${j}`, username: `member${j}`, email: `member${j}@bench.test`, provider: 'local', confirmed: true, blocked: false });
        }
        await knex(userTable).insert(rows);
      }
      const userLink = sub.attributes.user.joinTable;
      const offerLink = sub.attributes.offer.joinTable;
      for (let i = 0; i < ROWS; i += 500) {
        const rows = [];
        for (let j = i; j < Math.min(ROWS, i + 500); j += 1) {
          const start = now - ((j * 7919) % 730) * DAY;
          // One in ten: a recurring plan, open-ended (no hard end) while it is paid.
          const recurring = j % 10 === 0;
          const end = recurring ? null : start + 30 * DAY;
          rows.push({ id: j + 1, document_id: `s${j}`, status: end === null || end > now ? 'active' : 'expired', starts_at: start, due_at: start + 30 * DAY, ends_at: end, source: ['manual', 'click2sell', 'api'][j % 3] });
        }
        await knex(sub.tableName).insert(rows);
        await knex(userLink.name).insert(rows.map((r) => ({ [userLink.joinColumn.name]: r.id, [userLink.inverseJoinColumn.name]: (r.id % USERS) + 1 })));
        await knex(offerLink.name).insert(rows.map((r) => ({ [offerLink.joinColumn.name]: r.id, [offerLink.inverseJoinColumn.name]: offer.id })));
        await writeLedger(rows, now);
      }
      await knex.raw('ANALYZE');
    });
  }
  const tracking = strapi.plugin('subscriptions').service('tracking');
  const events = await knex(meta('plugin::subscriptions.payment-event').tableName).count({ n: '*' });
  console.log(`${ROWS} subscriptions, ${Number(events[0].n)} payment events`);
  const now = new Date();
  const q = { list: 'active', page: 1, pageSize: 20 };
  await time('active list, page 1 (with total)', () => tracking.list(q));
  await time('ended list, page 1', () => tracking.list({ ...q, list: 'ended' }));
  await time('ended list, page 1000', () => tracking.list({ ...q, list: 'ended', page: 1000 }));
  await time('all, search "member123"', () => tracking.list({ ...q, list: 'all', search: 'member123' }));
  await time('all, source click2sell, end-date range', () =>
    tracking.list({ ...q, list: 'all', source: 'click2sell', from: new Date(now.getTime() - 30 * 86_400_000), to: now }));
  await time('figures', () => tracking.figures(now));
  await time('chart (365 days, 12 months)', () => tracking.chart(now));
  await time('revenue (12 months, MRR, members)', () => tracking.revenue({}, now));
  await time('revenue (one month)', () => tracking.revenue({ from: new Date(now.getTime() - 30 * 86_400_000) }, now));
  await strapi.destroy();
  process.exit(0);
})().catch((error) => {
  console.error(String(error.stack || error).slice(0, 2000));
  process.exit(1);
});
