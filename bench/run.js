#!/usr/bin/env node
'use strict';

/**
 * `npm run bench` — measures the plugin against baselines measured in the same run, on SQLite
 * and PostgreSQL, and writes bench/results/latest.json and bench/results/summary.md.
 *
 *   npm run bench                 quick mode (small sizes, a few minutes)
 *   npm run bench -- --full       the sizes of the issue
 *   npm run bench -- --db sqlite  one database only
 *
 * Every figure is a ratio to a baseline measured in the same run on the same machine: absolute
 * numbers move with the machine, ratios much less.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { startApp } = require('./lib/app');
const { load } = require('./lib/load');
const { freshDatabase, postgresReachable } = require('./lib/db');

const args = process.argv.slice(2);
const full = args.includes('--full') || process.env.BENCH_MODE === 'full';
const dbArg = args.includes('--db') ? args[args.indexOf('--db') + 1] : null;
const SECRET = crypto.randomBytes(12).toString('hex');

const sizes = full
  ? { duration: 30, connections: 16, members: 5000, total: 1_000_000, due: 10_000, reminders: 10_000 }
  : { duration: 8, connections: 16, members: 300, total: 20_000, due: 1_000, reminders: 500 };

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex').toUpperCase();
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

const post = async (url, body, headers = {}) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
};

const ratio = (a, b) => (b ? a / b : null);
const fmt = (n, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : Number(n).toFixed(digits));
const mb = (bytes) => bytes / 1024 / 1024;

const scenarioRebill = async (app) => {
  const prefix = `rebill${Date.now()}`;
  await post(`${app.url}/api/bench-baseline/setup`, { members: sizes.members, prefix });
  const email = () => `${prefix}-${Math.floor(Math.random() * sizes.members)}@bench.local`;
  const body = () => notification({ transaction_type: 'Subscription', subscription_status: 'Recurring', buyer_email: email() });
  const base = { app, connections: sizes.connections, duration: sizes.duration, form: true, body };
  const baseline = await load({ ...base, name: 'baseline: plain knex re-bill', path: '/api/bench-baseline/rebill' });
  const plugin = await load({ ...base, name: 'plugin: Click2Sell re-bill', path: '/api/subscriptions/click2sell' });
  return {
    id: 'rebill',
    title: 'Re-bill notifications (existing member, mapped product)',
    plugin,
    baseline,
    ratios: { throughput: ratio(plugin.throughput, baseline.throughput), p99: ratio(plugin.p99, baseline.p99) },
    goal: 'throughput ≥ 0.5× baseline and p99 ≤ 100 ms at 16 connections',
    met: ratio(plugin.throughput, baseline.throughput) >= 0.5 && plugin.p99 <= 100,
  };
};

const scenarioNewMember = async (app) => {
  const run = Date.now();
  const baseline = await load({
    app,
    name: 'baseline: users-permissions register',
    path: '/api/auth/local/register',
    connections: sizes.connections,
    duration: sizes.duration,
    body: (i) => ({ username: `reg${run}-${i}`, email: `reg${run}-${i}@bench.local`, password: 'Bench-password-1' }),
  });
  const plugin = await load({
    app,
    name: 'plugin: Click2Sell sale for a new member',
    path: '/api/subscriptions/click2sell',
    connections: sizes.connections,
    duration: sizes.duration,
    form: true,
    body: (i) => notification({ buyer_email: `sale${run}-${i}@bench.local` }),
  });
  return {
    id: 'new-member',
    title: 'New-member sales vs users-permissions register',
    plugin,
    baseline,
    ratios: { throughput: ratio(plugin.throughput, baseline.throughput), p99: ratio(plugin.p99, baseline.p99) },
    goal: 'throughput ≥ 1× baseline',
    met: ratio(plugin.throughput, baseline.throughput) >= 1,
  };
};

const scenarioAccess = async (app) => {
  const email = `access${Date.now()}@bench.local`;
  const registered = await post(`${app.url}/api/auth/local/register`, { username: email, email, password: 'Bench-password-1' });
  await post(`${app.url}/api/bench-baseline/setup`, { members: 0, subscribeEmails: [email] });
  const headers = { authorization: `Bearer ${registered.jwt}` };
  const base = { app, method: 'GET', connections: sizes.connections, duration: sizes.duration, headers };
  const baseline = await load({ ...base, name: 'baseline: GET /api/users/me', path: '/api/users/me' });
  const plugin = await load({ ...base, name: 'plugin: GET /api/subscriptions/me', path: '/api/subscriptions/me' });
  return {
    id: 'access',
    title: 'Access check: /api/subscriptions/me vs /api/users/me',
    plugin,
    baseline,
    ratios: { throughput: ratio(plugin.throughput, baseline.throughput), p50: ratio(plugin.p50, baseline.p50) },
    goal: 'p50 ≤ 1.5× baseline',
    met: ratio(plugin.p50, baseline.p50) <= 1.5,
  };
};

const SCENARIOS = [scenarioRebill, scenarioNewMember, scenarioAccess];

/** Scenarios 3 and 4 run in a child process of their own: its RSS is the scheduler's. */
const schedulerScenarios = async (db) => {
  const dbEnv = await freshDatabase(db, `subs_bench_sched_${process.pid}`);
  const { execFileSync } = require('child_process');
  const output = execFileSync(process.execPath, ['--max-old-space-size=4096', path.join(__dirname, 'lib', 'scheduler-worker.js')], {
    cwd: path.join(__dirname, '..', 'playground'),
    env: {
      ...process.env,
      ...dbEnv,
      BENCH_TOTAL: String(sizes.total),
      BENCH_DUE: String(sizes.due),
      BENCH_REMINDERS: String(sizes.reminders),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60 * 60_000,
  });
  const result = JSON.parse(output.toString().trim().split('\n').pop());
  const sweep = result.sweep;
  const reminders = result.reminders;
  const aboveIdleMb = mb(sweep.pluginPeakRss - sweep.idleRss);
  return [
    {
      db,
      id: 'expiry-sweep',
      title: `Expiry sweep: ${sweep.total} subscriptions, ${sweep.due} due`,
      sweep,
      ratios: { time: ratio(sweep.pluginMs, sweep.baselineMs) },
      aboveIdleMb,
      goal: 'time ≤ 2× plain SQL, ≤ 150 MB above idle RSS, a run with nothing due ≤ 50 ms',
      met: ratio(sweep.pluginMs, sweep.baselineMs) <= 2 && aboveIdleMb <= 150 && sweep.idleRunMs <= 50,
    },
    {
      db,
      id: 'reminders',
      title: `Reminders: ${reminders.due} due, delivered to a local SMTP server`,
      reminders,
      ratios: { rate: ratio(reminders.baselineMs, reminders.pluginMs) },
      goal: 'rate ≥ 0.5× plain pooled nodemailer, each delivered once',
      met: ratio(reminders.baselineMs, reminders.pluginMs) >= 0.5 && reminders.deliveredOnce === reminders.due && reminders.deliveredMore === 0,
    },
  ];
};

const main = async () => {
  // The playground is a TypeScript app: its compiled dist/ is what the benchmarks boot.
  require('../playground/scripts/app').compilePlayground();
  const databases = dbArg ? [dbArg] : ['sqlite', ...((await postgresReachable()) ? ['postgres'] : [])];
  const started = new Date();
  const runs = [];
  for (const db of databases) {
    const dbEnv = await freshDatabase(db, `subs_bench_${process.pid}`);
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    const app = await startApp(dbEnv, { CLICK2SELL_SECRET_KEY: SECRET }, path.join(__dirname, 'results', `server-${db}.log`));
    try {
      for (const scenario of SCENARIOS) {
        process.stdout.write(`[${db}] ${scenario.name.replace(/^scenario/, '')} …\n`);
        const result = await scenario(app);
        runs.push({ db, ...result });
        process.stdout.write(`[${db}] ${result.title}: ratios ${JSON.stringify(result.ratios)} goal ${result.met ? 'met' : 'MISSED'}\n`);
      }
    } finally {
      await app.stop();
    }
    process.stdout.write(`[${db}] scheduler scenarios (expiry sweep, reminders) …\n`);
    for (const result of await schedulerScenarios(db)) {
      runs.push(result);
      process.stdout.write(`[${db}] ${result.title}: ratios ${JSON.stringify(result.ratios)} goal ${result.met ? 'met' : 'MISSED'}\n`);
    }
  }
  const report = {
    mode: full ? 'full' : 'quick',
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: { cpus: require('os').cpus().length, node: process.version, memoryGiB: Math.round(require('os').totalmem() / 2 ** 30) },
    sizes,
    runs,
  };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${report.mode}.json`), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, `${report.mode}.md`), summary(report));
  process.stdout.write(`\n${summary(report)}\nwritten to bench/results/${report.mode}.json and .md\n`);
};

const summary = (report) => {
  const lines = [
    `# Benchmark results (${report.mode} mode)`,
    '',
    `Run ${report.started} on ${report.machine.cpus} cores, Node ${report.machine.node}; ${report.sizes.connections} connections, ${report.sizes.duration} s per HTTP measurement, ${report.sizes.members} members for re-bills; load generator (autocannon) and SMTP server on the same machine. Every ratio compares with a baseline measured in the same run.`,
    '',
    '| database | scenario | plugin req/s | baseline req/s | throughput ratio | plugin p50 / p99 ms | baseline p50 / p99 ms | plugin peak RSS MB | non-2xx (plugin / baseline) | goal | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of report.runs.filter((run) => run.plugin)) {
    lines.push(
      `| ${r.db} | ${r.title} | ${fmt(r.plugin.throughput, 0)} | ${fmt(r.baseline.throughput, 0)} | ${fmt(r.ratios.throughput)}× | ${r.plugin.p50} / ${r.plugin.p99} | ${r.baseline.p50} / ${r.baseline.p99} | ${fmt(mb(r.plugin.peakRss), 0)} | ${r.plugin.non2xx} / ${r.baseline.non2xx} | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`
    );
  }
  lines.push(
    '',
    '| database | scenario | plugin | baseline | ratio | other figures | goal | met |',
    '|---|---|---|---|---|---|---|---|'
  );
  for (const r of report.runs.filter((run) => run.sweep)) {
    const s = r.sweep;
    lines.push(
      `| ${r.db} | ${r.title} | ${fmt(s.pluginMs / 1000)} s | ${fmt(s.baselineMs / 1000)} s (plain SQL) | ${fmt(r.ratios.time)}× time | ${fmt(r.aboveIdleMb, 0)} MB above idle RSS; nothing due: ${fmt(s.idleRunMs, 1)} ms; ${s.pluginFigures.expired} expired | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`
    );
  }
  for (const r of report.runs.filter((run) => run.reminders)) {
    const m = r.reminders;
    lines.push(
      `| ${r.db} | ${r.title} | ${fmt(m.due / (m.pluginMs / 1000), 0)} msg/s | ${fmt(m.due / (m.baselineMs / 1000), 0)} msg/s (nodemailer pool) | ${fmt(r.ratios.rate)}× rate | delivered once: ${m.deliveredOnce}/${m.due}, twice or more: ${m.deliveredMore} | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`
    );
  }
  return lines.join('\n') + '\n';
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
