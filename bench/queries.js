#!/usr/bin/env node
'use strict';

/**
 * `node bench/queries.js [--db sqlite|postgres|mysql] [--sql]` — counts the SQL statements each
 * benchmarked operation runs (knex's `query` event: every statement, BEGIN/COMMIT/SAVEPOINT
 * included). Unlike timings, these counts do not move with the machine's load. `--sql` prints
 * the statements of one operation of each kind. Prints a JSON summary as its last line.
 */
const crypto = require('crypto');
const path = require('path');
const { SMTPServer } = require('smtp-server');
const { ephemeralEnv } = require('../playground/scripts/ephemeral-env');
const { freshDatabase } = require('./lib/db');

const args = process.argv.slice(2);
const db = args.includes('--db') ? args[args.indexOf('--db') + 1] : 'sqlite';
const showSql = args.includes('--sql');
/** `--record before|after`: merge the counts into bench/results/queries.json (or `--results <file>`). */
const record = args.includes('--record') ? args[args.indexOf('--record') + 1] : null;
const resultsPath = args.includes('--results') ? path.resolve(args[args.indexOf('--results') + 1]) : null;
const { PLAYGROUND, PLAYGROUND_DIST, compilePlayground } = require('../playground/scripts/app');
const SECRET = crypto.randomBytes(12).toString('hex');
const md5 = (s) => crypto.createHash('md5').update(s).digest('hex').toUpperCase();
const DAY = 86_400_000;
const r = (n) => Math.round(n * 10) / 10;

const notification = (fields) => {
  const acq = `PP-${crypto.randomBytes(8).toString('hex')}`;
  return {
    acquirer_transaction_id: acq,
    c2s_transaction_id: `C2S-${crypto.randomBytes(8).toString('hex')}`,
    checksum: md5(`${SECRET}_${acq}`),
    transaction_type: 'Sale',
    payment_status: 'OK',
    subscription_status: '',
    purchase_date: new Date().toISOString().slice(0, 10),
    purchase_time: new Date().toISOString().slice(11, 19),
    product_id: '1001',
    buyer_name: 'Bench',
    buyer_surname: 'Member',
    ...fields,
  };
};

const startSmtp = async () => {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        count += 1;
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.server.address().port, count: () => count, close: () => new Promise((r) => server.close(r)) };
};

const main = async () => {
  const smtp = await startSmtp();
  Object.assign(process.env, {
    NODE_ENV: 'production',
    ...ephemeralEnv(),
    USERS_PERMISSIONS_RATELIMIT: 'false',
    BENCH_BASELINE: 'true',
    CLICK2SELL_SECRET_KEY: SECRET,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    ...(await freshDatabase(db, `subs_bench_queries_${process.pid}`)),
  });
  compilePlayground();
  const { createStrapi } = require('@strapi/strapi');
  const strapi = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  strapi.log.level = 'error';
  await strapi.load();
  await strapi.server.mount();
  const request = require('supertest');
  const http = () => request(strapi.server.httpServer);

  let log = null;
  let commits = null;
  strapi.db.connection.on('query', (q) => {
    if (log) log.push(q.sql);
    // Durable commits: COMMITs, and writes outside any transaction (each its own commit).
    if (commits !== null && (/^commit/i.test(q.sql) || (!q.__knexTxId && /^\s*(insert|update|delete)/i.test(q.sql)))) commits += 1;
  });
  const settle = () => new Promise((r) => setTimeout(r, 300));
  /** Runs `work` `times` times, each counted alone; returns the mean count and one run's statements. */
  const count = async (label, times, work, { waitDelivery = true } = {}) => {
    const counts = [];
    let sample = [];
    let deliverySample = [];
    const deliveries = [];
    commits = 0;
    for (let i = 0; i < times; i += 1) {
      log = [];
      await work(i);
      counts.push(log.length);
      if (i === times - 1) sample = log;
      log = null;
      if (waitDelivery) {
        // The e-mail a change queued is sent shortly after its commit: counted apart.
        log = [];
        await settle();
        deliveries.push(log.length);
        if (i === times - 1) deliverySample = log;
        log = null;
      }
    }
    const commitsPerRun = commits / times;
    commits = null;
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    const delivery = deliveries.length ? deliveries.reduce((a, b) => a + b, 0) / deliveries.length : 0;
    if (showSql) process.stdout.write(`\n--- ${label}: ${counts.join(', ')}\n${sample.map((s) => `  ${s.slice(0, 220)}`).join('\n')}\n`);
    if (showSql && deliverySample.length > 0) process.stdout.write(`  … then, delivering what it queued:\n${deliverySample.map((s) => `  ${s.slice(0, 220)}`).join('\n')}\n`);
    return { queries: mean, delivery, commits: commitsPerRun, runs: counts };
  };

  const out = { db };
  const prefix = `q${Date.now()}`;
  const setup = await http().post('/api/bench-baseline/setup').send({ members: 20, prefix });
  if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${JSON.stringify(setup.body)}`);
  await settle();

  const post = async (fields) => {
    const res = await http().post('/api/subscriptions/click2sell').type('form').send(fields);
    if (res.status !== 200 || res.body.outcome !== 'applied') throw new Error(`click2sell: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const rebill = (i) => post(notification({ transaction_type: 'Subscription', subscription_status: 'Recurring', buyer_email: `${prefix}-${i % 20}@bench.local` }));
  await rebill(19); // warm caches (settings, roles)
  await settle();
  out.rebill = await count('re-bill notification', 10, rebill);
  out.rebillBaseline = await count(
    'baseline re-bill',
    5,
    async (i) => {
      const res = await http().post('/api/bench-baseline/rebill').type('form').send(notification({ transaction_type: 'Subscription', subscription_status: 'Recurring', buyer_email: `${prefix}-${i}@bench.local` }));
      if (res.status !== 200) throw new Error(`baseline: ${res.status}`);
    },
    { waitDelivery: false }
  );
  out.sale = await count('new-member sale', 5, (i) => post(notification({ buyer_email: `${prefix}-new${i}@bench.local` })));
  out.register = await count(
    'users-permissions register',
    3,
    async (i) => {
      const res = await http().post('/api/auth/local/register').send({ username: `${prefix}reg${i}`, email: `${prefix}reg${i}@bench.local`, password: 'Bench-password-1' });
      if (res.status !== 200) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    },
    { waitDelivery: false }
  );

  // Access check.
  const email = `${prefix}access@bench.local`;
  const reg = await http().post('/api/auth/local/register').send({ username: email, email, password: 'Bench-password-1' });
  await http().post('/api/bench-baseline/setup').send({ members: 0, subscribeEmails: [email] });
  const auth = `Bearer ${reg.body.jwt}`;
  const get = async (url) => {
    const res = await http().get(url).set('authorization', auth);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await get('/api/subscriptions/me');
  out.me = await count('GET /api/subscriptions/me', 5, () => get('/api/subscriptions/me'), { waitDelivery: false });
  out.usersMe = await count('GET /api/users/me', 5, () => get('/api/users/me'), { waitDelivery: false });

  // Expiry sweep: 400 subscriptions due (two pages), one member each.
  const scheduler = strapi.plugin('subscriptions').service('scheduler');
  const service = strapi.plugin('subscriptions').service('subscriptions');
  const offer = await strapi.db.query('plugin::subscriptions.offer').findOne({ where: { click2sellProductId: '1001' } });
  const fallback = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
  const DUE = 400;
  const base = new Date(Date.UTC(2031, 0, 1));
  const dueUsers = [];
  for (let i = 0; i < DUE; i += 1) {
    const e = `${prefix}due${i}@bench.local`;
    const user = await strapi.db.query('plugin::users-permissions.user').create({ data: { username: e, email: e, provider: 'local', confirmed: true, blocked: false, role: fallback.id } });
    await service.subscribe({ user: user.id, offer: offer.id, source: 'api', now: new Date(base.getTime() - 40 * DAY) });
    dueUsers.push(user.id);
  }
  const sweepAt = new Date(base.getTime() + 2 * DAY);
  await scheduler.runOnce({ now: new Date(base.getTime() - 39 * DAY), steps: ['lifecycle'] });
  const sweep = await count('expiry sweep (400 due, 2 pages)', 1, () => scheduler.runOnce({ now: sweepAt, steps: ['lifecycle'] }), { waitDelivery: false });
  out.sweep = { ...sweep, perRow: sweep.queries / DUE };
  out.sweepIdle = await count('sweep, nothing due', 1, () => scheduler.runOnce({ now: new Date(sweepAt.getTime() + 1000), steps: ['lifecycle'] }), { waitDelivery: false });

  // Reminders: 100 due ("7 days before"), queued then delivered (expiry notices delivered first).
  await scheduler.runOnce({ now: sweepAt, steps: ['delivery'] });
  const REMIND = 100;
  const remindAt = new Date(base.getTime() + 100 * DAY);
  for (let i = 0; i < REMIND; i += 1) {
    const e = `${prefix}rem${i}@bench.local`;
    const user = await strapi.db.query('plugin::users-permissions.user').create({ data: { username: e, email: e, provider: 'local', confirmed: true, blocked: false, role: fallback.id } });
    // Ends 7 days after remindAt, less a few seconds.
    await service.subscribe({ user: user.id, offer: offer.id, source: 'api', startsAt: new Date(remindAt.getTime() + 7 * DAY - 30_000 - 31 * DAY), now: new Date(remindAt.getTime() - 60 * DAY) });
  }
  await strapi.db.query('plugin::subscriptions.notification-rule').create({ data: { offer: offer.id, amount: 7, period: 'days', when: 'before' } });
  await scheduler.runOnce({ now: new Date(remindAt.getTime() - 60_000), steps: ['reminders'] });
  const sentBefore = smtp.count();
  const queued = await count('reminders queued (100)', 1, () => scheduler.runOnce({ now: remindAt, steps: ['reminders'] }), { waitDelivery: false });
  const delivered = await count('reminders delivered (100)', 1, () => scheduler.runOnce({ now: remindAt, steps: ['delivery'] }), { waitDelivery: false });
  out.reminders = { queued: queued.queries, delivered: delivered.queries, perMessage: (queued.queries + delivered.queries) / REMIND, smtpReceived: smtp.count() - sentBefore };

  await strapi.destroy();
  await smtp.close();
  process.stdout.write(
    `\n[${db}] queries per operation\n` +
      `  re-bill notification: ${r(out.rebill.queries)} (+${r(out.rebill.delivery)} delivering its receipt); ${r(out.rebill.commits)} commits   baseline: ${r(out.rebillBaseline.queries)}; ${r(out.rebillBaseline.commits)} commits\n` +
      `  new-member sale: ${r(out.sale.queries)} (+${r(out.sale.delivery)} delivering)   register: ${r(out.register.queries)}\n` +
      `  GET /api/subscriptions/me: ${r(out.me.queries)}   /api/users/me: ${r(out.usersMe.queries)}\n` +
      `  expiry sweep of ${DUE} due: ${r(out.sweep.queries)} statements (${r(out.sweep.perRow)} per row); nothing due: ${r(out.sweepIdle.queries)}\n` +
      `  reminders: ${r(out.reminders.perMessage)} per message (queue ${out.reminders.queued}, deliver ${out.reminders.delivered} for ${REMIND}; SMTP received ${out.reminders.smtpReceived})\n`
  );
  if (record) {
    // Merged into bench/results/queries.json: one column per database, `before` and `after`.
    const fs = require('fs');
    const file = resultsPath || path.join(__dirname, 'results', 'queries.json');
    const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { databases: [], rows: [] };
    if (!existing.databases.includes(db)) existing.databases.push(db);
    const rows = [
      ['rebill', 're-bill notification (Click2Sell, existing member), in its request', r(out.rebill.queries), r(out.rebillBaseline.queries)],
      ['rebillDelivery', 're-bill: delivering its receipt after the commit', r(out.rebill.delivery), 0],
      ['rebillCommits', 're-bill: durable commits, receipt included', r(out.rebill.commits), r(out.rebillBaseline.commits)],
      ['sale', 'new-member sale, in its request', r(out.sale.queries), `${r(out.register.queries)} (register)`],
      ['me', 'GET /api/subscriptions/me (users-permissions authentication included)', r(out.me.queries), `${r(out.usersMe.queries)} (/api/users/me)`],
      ['sweep', 'expiry sweep of 400 due subscriptions', r(out.sweep.queries), ''],
      ['sweepIdle', 'scheduler lifecycle run with nothing due', r(out.sweepIdle.queries), ''],
      ['reminder', 'reminder, queued and delivered (per message, 100 due)', r(out.reminders.perMessage), ''],
    ];
    for (const [key, label, value, baseline] of rows) {
      let row = existing.rows.find((x) => x.key === key);
      if (!row) {
        row = { key, label };
        existing.rows.push(row);
      }
      row.label = label;
      row.baseline = baseline;
      row[db] = { ...(row[db] ?? {}), [record]: value };
    }
    existing[`${record}At`] = { ...(existing[`${record}At`] ?? {}), [db]: new Date().toISOString() };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(existing, null, 2) + '\n');
    process.stdout.write(`recorded as "${record}" in ${file}\n`);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  }
);
