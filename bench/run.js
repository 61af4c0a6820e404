#!/usr/bin/env node
'use strict';

/**
 * `npm run bench` — measures the plugin against baselines measured in the same run, on SQLite
 * and PostgreSQL, and writes bench/results/<mode>.json and .md. Each scenario runs three rounds
 * (BENCH_ROUNDS), each the baseline then the plugin; a goal is met when the median of the three
 * ratios meets it, and the spread (min–max) is reported beside it.
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
/** `--only rebill,access,…`: some scenarios (ids: rebill, new-member, access, scheduler); written to results/<mode>-<ids>-<db>.md, beside the whole run's. */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
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
/** Rounds per scenario: each runs the baseline then the plugin, so that drifts in the machine's load hit both. */
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const median = (xs) => {
  const sorted = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** A figure over the rounds: its median and its spread. */
const stat = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), values: xs });
/** Runs `ROUNDS` rounds of (baseline, plugin) and summarises each figure. */
const rounds = async (label, runRound) => {
  const all = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const round = await runRound(r);
    all.push(round);
    process.stdout.write(`    ${label} round ${r + 1}/${ROUNDS}: ${JSON.stringify(round.ratios)}\n`);
  }
  return all;
};
const httpStats = (all) => ({
  throughput: stat(all.map((a) => ratio(a.plugin.throughput, a.baseline.throughput))),
  p50: stat(all.map((a) => ratio(a.plugin.p50, a.baseline.p50))),
  p99: stat(all.map((a) => ratio(a.plugin.p99, a.baseline.p99))),
  pluginThroughput: stat(all.map((a) => a.plugin.throughput)),
  baselineThroughput: stat(all.map((a) => a.baseline.throughput)),
  pluginP50: stat(all.map((a) => a.plugin.p50)),
  pluginP99: stat(all.map((a) => a.plugin.p99)),
  baselineP50: stat(all.map((a) => a.baseline.p50)),
  baselineP99: stat(all.map((a) => a.baseline.p99)),
  pluginNon2xx: all.reduce((n, a) => n + a.plugin.non2xx, 0),
  baselineNon2xx: all.reduce((n, a) => n + a.baseline.non2xx, 0),
  pluginPeakRss: Math.max(...all.map((a) => a.plugin.peakRss)),
});
const fmt = (n, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : Number(n).toFixed(digits));
const mb = (bytes) => bytes / 1024 / 1024;

const scenarioRebill = async (app) => {
  const prefix = `rebill${Date.now()}`;
  // BENCH_RECEIPTS=false: a diagnostic run without receipt e-mails (what they cost a re-bill).
  const settings = process.env.BENCH_RECEIPTS === 'false' ? { receiptEmails: false } : null;
  await post(`${app.url}/api/bench-baseline/setup`, { members: sizes.members, prefix, settings });
  const email = () => `${prefix}-${Math.floor(Math.random() * sizes.members)}@bench.local`;
  const body = () => notification({ transaction_type: 'Subscription', subscription_status: 'Recurring', buyer_email: email() });
  const base = { app, connections: sizes.connections, duration: sizes.duration, form: true, body };
  const all = await rounds('re-bills', async () => {
    const baseline = await load({ ...base, name: 'baseline: plain knex re-bill', path: '/api/bench-baseline/rebill' });
    const plugin = await load({ ...base, name: 'plugin: Click2Sell re-bill', path: '/api/subscriptions/click2sell' });
    return { plugin, baseline, ratios: { throughput: ratio(plugin.throughput, baseline.throughput), pluginP99: plugin.p99 } };
  });
  const stats = httpStats(all);
  return {
    id: 'rebill',
    title: 'Re-bill notifications (existing member, mapped product)',
    rounds: all,
    stats,
    goal: 'throughput ≥ 0.5× baseline and p99 ≤ 100 ms at 16 connections',
    met: stats.throughput.median >= 0.5 && stats.pluginP99.median <= 100,
  };
};

const scenarioNewMember = async (app) => {
  const run = Date.now();
  const all = await rounds('new members', async (r) => {
    const baseline = await load({
      app,
      name: 'baseline: users-permissions register',
      path: '/api/auth/local/register',
      connections: sizes.connections,
      duration: sizes.duration,
      body: (i) => ({ username: `reg${run}-${r}-${i}`, email: `reg${run}-${r}-${i}@bench.local`, password: 'Bench-password-1' }),
    });
    const plugin = await load({
      app,
      name: 'plugin: Click2Sell sale for a new member',
      path: '/api/subscriptions/click2sell',
      connections: sizes.connections,
      duration: sizes.duration,
      form: true,
      body: (i) => notification({ buyer_email: `sale${run}-${r}-${i}@bench.local` }),
    });
    return { plugin, baseline, ratios: { throughput: ratio(plugin.throughput, baseline.throughput) } };
  });
  const stats = httpStats(all);
  return {
    id: 'new-member',
    title: 'New-member sales vs users-permissions register',
    rounds: all,
    stats,
    goal: 'throughput ≥ 2× baseline',
    met: stats.throughput.median >= 2,
  };
};

const scenarioAccess = async (app) => {
  const email = `access${Date.now()}@bench.local`;
  const registered = await post(`${app.url}/api/auth/local/register`, { username: email, email, password: 'Bench-password-1' });
  await post(`${app.url}/api/bench-baseline/setup`, { members: 0, subscribeEmails: [email] });
  const headers = { authorization: `Bearer ${registered.jwt}` };
  const base = { app, method: 'GET', connections: sizes.connections, duration: sizes.duration, headers };
  const all = await rounds('access check', async () => {
    const baseline = await load({ ...base, name: 'baseline: GET /api/users/me', path: '/api/users/me' });
    const plugin = await load({ ...base, name: 'plugin: GET /api/subscriptions/me', path: '/api/subscriptions/me' });
    return { plugin, baseline, ratios: { p50: ratio(plugin.p50, baseline.p50) } };
  });
  const stats = httpStats(all);
  return {
    id: 'access',
    title: 'Access check: /api/subscriptions/me vs /api/users/me',
    rounds: all,
    stats,
    goal: 'p50 ≤ 1.2× baseline',
    met: stats.p50.median <= 1.2,
  };
};

const SCENARIOS = [scenarioRebill, scenarioNewMember, scenarioAccess];
const SCENARIO_IDS = new Map([
  [scenarioRebill, 'rebill'],
  [scenarioNewMember, 'new-member'],
  [scenarioAccess, 'access'],
]);

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
      BENCH_ROUNDS: String(ROUNDS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60 * 60_000,
  });
  const result = JSON.parse(output.toString().trim().split('\n').pop());
  const sweeps = result.sweeps;
  const reminders = result.reminders;
  const sweepStats = {
    time: stat(sweeps.map((s) => ratio(s.pluginMs, s.baselineMs))),
    pluginMs: stat(sweeps.map((s) => s.pluginMs)),
    baselineMs: stat(sweeps.map((s) => s.baselineMs)),
    aboveIdleMb: stat(sweeps.map((s) => mb(s.pluginPeakRss - s.idleRss))),
    idleRunMs: stat(sweeps.map((s) => s.idleRunMs)),
  };
  const reminderStats = {
    rate: stat(reminders.map((m) => ratio(m.baselineMs, m.pluginMs))),
    pluginMs: stat(reminders.map((m) => m.pluginMs)),
    baselineMs: stat(reminders.map((m) => m.baselineMs)),
  };
  const expiredEach = sweeps.every((s) => s.checkedExpired === Math.min(1000, s.due) && s.pluginFigures.expired === s.due);
  const deliveredOnce = reminders.every((m) => m.deliveredOnce === m.due && m.deliveredMore === 0);
  return [
    {
      db,
      id: 'expiry-sweep',
      title: `Expiry sweep: ${sweeps[0].total} subscriptions, ${sweeps[0].due} due`,
      rounds: sweeps,
      stats: sweepStats,
      expiredEach,
      goal: 'time ≤ 2× plain SQL, ≤ 150 MB above idle RSS, a run with nothing due ≤ 50 ms',
      met: sweepStats.time.median <= 2 && sweepStats.aboveIdleMb.max <= 150 && sweepStats.idleRunMs.median <= 50 && expiredEach,
    },
    {
      db,
      id: 'reminders',
      title: `Reminders: ${reminders[0].due} due, delivered to a local SMTP server`,
      rounds: reminders,
      stats: reminderStats,
      deliveredOnce,
      goal: 'rate ≥ 0.7× plain pooled nodemailer, each delivered once',
      met: reminderStats.rate.median >= 0.7 && deliveredOnce,
    },
  ];
};

const loadAtStart = require('os').loadavg();

/** Statements per operation, from `node bench/queries.js` (bench/results/queries.json), when present. */
const readQueries = () => {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, 'results', 'queries.json'), 'utf8'));
  } catch {
    return null;
  }
};

const range = (s, digits = 2, unit = '×') => (s ? `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : 'n/a');

const headline = (r) => {
  if (r.id === 'rebill') return `throughput ${range(r.stats.throughput)}, p99 ${range(r.stats.pluginP99, 0, ' ms')}`;
  if (r.id === 'new-member') return `throughput ${range(r.stats.throughput)}`;
  if (r.id === 'access') return `p50 ${range(r.stats.p50)}`;
  if (r.id === 'expiry-sweep') return `time ${range(r.stats.time)}, ${fmt(r.stats.aboveIdleMb.max, 0)} MB above idle, idle run ${range(r.stats.idleRunMs, 1, ' ms')}`;
  return `rate ${range(r.stats.rate)}, each once: ${r.deliveredOnce}`;
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
      for (const scenario of SCENARIOS.filter((sc) => !only || only.includes(SCENARIO_IDS.get(sc)))) {
        process.stdout.write(`[${db}] ${scenario.name.replace(/^scenario/, '')} …\n`);
        const result = await scenario(app);
        runs.push({ db, ...result });
        process.stdout.write(`[${db}] ${result.title}: ${headline(result)} goal ${result.met ? 'met' : 'MISSED'}\n`);
      }
    } finally {
      await app.stop();
    }
    if (only && !only.includes('scheduler')) continue;
    process.stdout.write(`[${db}] scheduler scenarios (expiry sweep, reminders) …\n`);
    for (const result of await schedulerScenarios(db)) {
      runs.push(result);
      process.stdout.write(`[${db}] ${result.title}: ${headline(result)} goal ${result.met ? 'met' : 'MISSED'}\n`);
    }
  }
  const os = require('os');
  const { execSync } = require('child_process');
  const git = (cmd) => {
    try {
      return execSync(`git ${cmd}`, { cwd: path.join(__dirname, '..') }).toString().trim();
    } catch {
      return null;
    }
  };
  const report = {
    mode: full ? 'full' : 'quick',
    rounds: ROUNDS,
    started: started.toISOString(),
    finished: new Date().toISOString(),
    commit: git('rev-parse --short HEAD'),
    uncommitted: git('status --porcelain -- server bench playground/src')?.split('\n').filter(Boolean).length ?? null,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      node: process.version,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg(),
      note: process.env.BENCH_NOTE || null,
    },
    sizes,
    runs,
    queries: readQueries(),
  };
  // A partial run (--only, --db) is written beside the whole one, never over it.
  const name = only || dbArg ? `${report.mode}-${[...(only ?? ['all']), dbArg ?? 'all'].join('-')}` : report.mode;
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, `${name}.md`), summary(report));
  process.stdout.write(`\n${summary(report)}\nwritten to bench/results/${name}.json and .md\n`);
};

const summary = (report) => {
  const when = `${report.started.slice(0, 16).replace('T', ' ')} UTC`;
  const m = report.machine;
  const lines = [
    `# Benchmark results (${report.mode} mode)`,
    '',
    `Run ${when} at commit ${report.commit}${report.uncommitted ? ` (+${report.uncommitted} uncommitted files)` : ''}, on ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}; load average ${m.loadAverageAtStart.map((x) => x.toFixed(1)).join(' / ')} at the start, ${m.loadAverageAtEnd.map((x) => x.toFixed(1)).join(' / ')} at the end.${m.note ? ` ${m.note}` : ''}`,
    '',
    `${report.sizes.connections} connections, ${report.sizes.duration} s per HTTP measurement, ${report.sizes.members} members for re-bills; load generator (autocannon) and SMTP server on the same machine. Each scenario ran ${report.rounds} rounds, each the baseline then the plugin; every figure is the **median** of the rounds with its spread (min–max), and a goal is met when the median meets it.`,
    '',
    '| database | scenario | goal | median (min–max) | met |',
    '|---|---|---|---|---|',
  ];
  for (const r of report.runs) lines.push(`| ${r.db} | ${r.title} | ${r.goal} | ${headline(r)} | ${r.met ? 'yes' : '**no**'} |`);
  lines.push(
    '',
    '## HTTP scenarios, per round',
    '',
    '| database | scenario | round | plugin req/s | baseline req/s | ratio | plugin p50 / p99 ms | baseline p50 / p99 ms | plugin peak RSS MB | non-2xx (plugin / baseline) |',
    '|---|---|---|---|---|---|---|---|---|---|'
  );
  for (const r of report.runs.filter((run) => run.id === 'rebill' || run.id === 'new-member' || run.id === 'access')) {
    r.rounds.forEach((a, i) =>
      lines.push(
        `| ${r.db} | ${r.id} | ${i + 1} | ${fmt(a.plugin.throughput, 0)} | ${fmt(a.baseline.throughput, 0)} | ${fmt(ratio(a.plugin.throughput, a.baseline.throughput))}× | ${a.plugin.p50} / ${a.plugin.p99} | ${a.baseline.p50} / ${a.baseline.p99} | ${fmt(mb(a.plugin.peakRss), 0)} | ${a.plugin.non2xx} / ${a.baseline.non2xx} |`
      )
    );
  }
  lines.push(
    '',
    '## Scheduler scenarios, per round',
    '',
    '| database | scenario | round | plugin | baseline | ratio | other figures |',
    '|---|---|---|---|---|---|---|'
  );
  for (const r of report.runs.filter((run) => run.id === 'expiry-sweep')) {
    r.rounds.forEach((s, i) =>
      lines.push(
        `| ${r.db} | expiry sweep | ${i + 1} | ${fmt(s.pluginMs, 1)} ms | ${fmt(s.baselineMs, 1)} ms (plain SQL) | ${fmt(ratio(s.pluginMs, s.baselineMs))}× time | ${fmt(mb(s.pluginPeakRss - s.idleRss), 0)} MB above idle RSS; nothing due: ${fmt(s.idleRunMs, 1)} ms; ${s.pluginFigures.expired} expired (${s.checkedExpired} checked), ${s.checkedDemoted} roles checked back to the fallback |`
      )
    );
  }
  for (const r of report.runs.filter((run) => run.id === 'reminders')) {
    r.rounds.forEach((m, i) =>
      lines.push(
        `| ${r.db} | reminders | ${i + 1} | ${fmt(m.due / (m.pluginMs / 1000), 0)} msg/s | ${fmt(m.due / (m.baselineMs / 1000), 0)} msg/s (nodemailer pool) | ${fmt(ratio(m.baselineMs, m.pluginMs))}× rate | delivered once: ${m.deliveredOnce}/${m.due}, twice or more: ${m.deliveredMore} |`
      )
    );
  }
  const sweepRuns = report.runs.filter((run) => run.id === 'expiry-sweep' && run.rounds.some((s) => s.pluginSql));
  if (sweepRuns.length > 0) {
    lines.push(
      '',
      '## Expiry sweep: where the time goes (the median round)',
      '',
      'Database time by statement (knex `query` to `query-response`, the statement built, sent, run and its answer read); the rest of the run is JavaScript: reading the candidates, deciding each member in the domain, building the rows.',
      ''
    );
    for (const r of sweepRuns) {
      const sorted = [...r.rounds].sort((a, b) => a.pluginMs - b.pluginMs);
      const m = sorted[Math.floor(sorted.length / 2)];
      const sum = (xs) => xs.reduce((n, x) => n + x.ms, 0);
      lines.push(
        `**${r.db}**: plugin ${fmt(m.pluginMs, 1)} ms, of which SQL ${fmt(sum(m.pluginSql), 1)} ms in ${m.pluginSql.reduce((n, x) => n + x.statements, 0)} statements; baseline ${fmt(m.baselineMs, 1)} ms, of which SQL ${fmt(sum(m.baselineSql), 1)} ms in ${m.baselineSql.reduce((n, x) => n + x.statements, 0)} statements.`,
        '',
        '| statement | plugin: statements | plugin: ms | baseline: statements | baseline: ms |',
        '|---|---|---|---|---|'
      );
      const kinds = [...new Set([...m.pluginSql.map((x) => x.kind), ...m.baselineSql.map((x) => x.kind)])];
      for (const kind of kinds) {
        const p = m.pluginSql.find((x) => x.kind === kind);
        const b = m.baselineSql.find((x) => x.kind === kind);
        lines.push(`| ${kind} | ${p?.statements ?? ''} | ${p ? fmt(p.ms, 1) : ''} | ${b?.statements ?? ''} | ${b ? fmt(b.ms, 1) : ''} |`);
      }
      lines.push('');
    }
  }
  if (report.queries) {
    lines.push('', '## SQL statements per operation (`node bench/queries.js`; BEGIN/COMMIT included)', '', ...queriesTable(report.queries));
  }
  return lines.join('\n') + '\n';
};

/** The statements-per-operation table of bench/results/queries.json (before → after, per database). */
const queriesTable = (q) => {
  const lines = ['| operation | ' + q.databases.map((d) => `${d} before → after`).join(' | ') + ' | baseline |', '|---|' + q.databases.map(() => '---|').join('') + '---|'];
  for (const row of q.rows) {
    lines.push(`| ${row.label} | ${q.databases.map((d) => `${row[d]?.before ?? 'n/a'} → ${row[d]?.after ?? 'n/a'}`).join(' | ')} | ${row.baseline ?? ''} |`);
  }
  return lines;
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
