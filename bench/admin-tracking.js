#!/usr/bin/env node
'use strict';

/**
 * How the admin's tracking queries hold up on a big table: boots the playground (built plugin)
 * on a scratch SQLite file, writes ROWS subscriptions (default 1,000,000) with their user and
 * offer links, then times the list (first and a deep page, with and without a search), the
 * figures and the chart. Run: `npm run build && node bench/admin-tracking.js [rows]`.
 */
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');

const ROWS = Number(process.argv[2] || 1_000_000);
const USERS = Math.max(1, Math.floor(ROWS / 2));
const { PLAYGROUND, PLAYGROUND_DIST, compilePlayground } = require('../playground/scripts/app');
const file = path.join(PLAYGROUND, '.tmp', 'bench-tracking.db');

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
          const end = start + 30 * DAY;
          rows.push({ id: j + 1, document_id: `s${j}`, status: end > now ? 'active' : 'expired', starts_at: start, due_at: end, ends_at: end, source: ['manual', 'click2sell', 'api'][j % 3] });
        }
        await knex(sub.tableName).insert(rows);
        await knex(userLink.name).insert(rows.map((r) => ({ [userLink.joinColumn.name]: r.id, [userLink.inverseJoinColumn.name]: (r.id % USERS) + 1 })));
        await knex(offerLink.name).insert(rows.map((r) => ({ [offerLink.joinColumn.name]: r.id, [offerLink.inverseJoinColumn.name]: offer.id })));
      }
      await knex.raw('ANALYZE');
    });
  }
  const tracking = strapi.plugin('subscriptions').service('tracking');
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
  await strapi.destroy();
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
