#!/usr/bin/env node
'use strict';

/**
 * `npm run faults` — the fault-injection suite. Attacks the running playground (started as in
 * production) and checks the database against a model of what it must contain afterwards.
 *
 *   npm run faults                       every scenario, full sizes (the issue's: 2,000 notifications…)
 *   npm run faults -- --quick            smaller sizes (what .ci/run runs)
 *   npm run faults -- --only stream,hostile
 *
 * Each scenario module exports { id, title, run(ctx) } and returns
 * { figures: { name: number|string }, checks: [{ name, ok, detail }] }.
 * Results: bench/results/faults-<mode>.json and bench/results/faults.md (or faults-quick.md).
 * Exits 1 when any check fails.
 */
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.FAULTS_MODE === 'quick';
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;

const SCENARIOS = [
  require('./stream'), // 2,000 Click2Sell notifications with duplicates and concurrent copies
  require('./restart'), // PostgreSQL restarted in the middle of the stream
  require('./scheduler-kill'), // SIGKILL in the middle of a scheduler run with reminders due
  require('./smtp-down'), // the SMTP server down during reminder runs
  require('./processes'), // two Strapi processes running the scheduler over simulated time
  require('./hostile'), // 10,000 hostile requests to every public and admin route
].filter((s) => !only || only.includes(s.id));

const resultsDir = path.resolve(__dirname, '..', 'bench', 'results');

const main = async () => {
  // The playground is a TypeScript app: its compiled dist/ is what the scenarios boot.
  require('../playground/scripts/app').compilePlayground();
  fs.mkdirSync(resultsDir, { recursive: true });
  const started = new Date();
  const results = [];
  for (const scenario of SCENARIOS) {
    const t0 = Date.now();
    const log = (message) => process.stdout.write(`[${scenario.id}] ${message}\n`);
    log(`${scenario.title} …`);
    let result;
    try {
      result = await scenario.run({ quick, log, resultsDir });
    } catch (error) {
      result = { figures: {}, checks: [{ name: 'the scenario ran to its end', ok: false, detail: String((error && error.stack) || error).slice(0, 2000) }] };
    }
    const seconds = (Date.now() - t0) / 1000;
    const failed = result.checks.filter((c) => !c.ok);
    for (const c of result.checks) log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
    log(`${failed.length === 0 ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)} s`);
    results.push({ id: scenario.id, title: scenario.title, seconds, ...result });
  }
  const report = {
    mode: quick ? 'quick' : 'full',
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: { cpus: require('os').cpus().length, node: process.version },
    results,
  };
  const suffix = quick ? '-quick' : '';
  if (!only) {
    fs.writeFileSync(path.join(resultsDir, `faults${suffix}.json`), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(resultsDir, `faults${suffix}.md`), summary(report));
  }
  process.stdout.write(`\n${summary(report)}`);
  const checks = results.flatMap((r) => r.checks);
  const failed = checks.filter((c) => !c.ok).length;
  if (process.env.TEST_SUMMARY_FILE) {
    // .ci/run adds the suite's checks to its total.
    fs.appendFileSync(process.env.TEST_SUMMARY_FILE, `${JSON.stringify({ db: 'faults', passed: checks.length - failed, failed, skipped: 0 })}\n`);
  }
  // The plain closing line CI reads.
  process.stdout.write(`faults: ${checks.length - failed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
};

const cell = (v) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

const summary = (report) => {
  const lines = [
    `# Fault-injection results (${report.mode} mode)`,
    '',
    `Run ${report.started} on ${report.machine.cpus} cores, Node ${report.machine.node}. Command: \`npm run faults${report.mode === 'quick' ? ' -- --quick' : ''}\`. Every server is on this machine; every check compares the database (or the SMTP server's mailbox) with a model of what it must contain.`,
    '',
  ];
  for (const r of report.results) {
    const failed = r.checks.filter((c) => !c.ok).length;
    lines.push(`## ${r.title}`, '', `${failed === 0 ? 'Passed' : `**${failed} check(s) failed**`} in ${r.seconds.toFixed(1)} s.`, '');
    const figures = Object.entries(r.figures || {});
    if (figures.length) {
      lines.push('| figure | value |', '|---|---|');
      for (const [k, v] of figures) lines.push(`| ${cell(k)} | ${cell(v)} |`);
      lines.push('');
    }
    lines.push('| check | result | detail |', '|---|---|---|');
    for (const c of r.checks) lines.push(`| ${cell(c.name)} | ${c.ok ? 'ok' : '**FAILED**'} | ${cell(c.detail ?? '')} |`);
    lines.push('');
  }
  return lines.join('\n') + '\n';
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
