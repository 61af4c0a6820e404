'use strict';

/**
 * Scenario 2: the same kind of Click2Sell stream (refunds of any payment, out-of-order refunds and
 * cancellations, cross-type replays, copies), with PostgreSQL crashed (immediate stop: every
 * connection cut, no checkpoint) in the middle of it and started again a few seconds later.
 * Every notification answered 200 must be in the database, every other one must succeed when
 * resent, and nothing may be applied twice: the ledger, the final state and the e-mails queued
 * equal the model's.
 * The database is a PostgreSQL server of the suite's own (./lib/private-postgres.js).
 */
const crypto = require('crypto');
const os = require('os');
const path = require('path');
const { startApp } = require('../bench/lib/app');
const { startPrivatePostgres } = require('./lib/private-postgres');
const { generate, sendStream, readDatabase, evaluate, answerCheck, traceOf } = require('./lib/stream-run');
const { sizes } = require('./stream');

const DOWN_MS = 4000;

const run = async ({ quick, log }) => {
  const { count, members } = sizes(quick);
  const seed = Number(process.env.FAULTS_SEED ?? (Date.now() + 1) % 1e9);
  const runId = crypto.randomBytes(3).toString('hex');
  const secret = crypto.randomBytes(12).toString('hex');
  const { histories, emails, random } = generate({ seed, count, members, runId });
  const total = histories.flat().length;
  log(`seed ${seed}: ${total} notifications over ${members} members; PostgreSQL crashes after ${Math.round(total * 0.4)} requests`);
  const pg = await startPrivatePostgres();
  let app;
  let sent;
  const outage = { crashedAt: null, restartedAt: null, requestsBefore: 0 };
  let restart = null;
  try {
    app = await startApp(pg.env, { CLICK2SELL_SECRET_KEY: secret, SEED_DEMO_DATA: 'true' }, path.join(os.tmpdir(), `faults-restart-${process.pid}.log`));
    const onProgress = (figures) => {
      if (outage.crashedAt || figures.requests < total * 0.4) return;
      outage.crashedAt = Date.now();
      outage.requestsBefore = figures.requests;
      pg.crash();
      log(`PostgreSQL crashed after ${figures.requests} requests; down for ${DOWN_MS / 1000} s`);
      restart = new Promise((resolve) =>
        setTimeout(() => {
          pg.start();
          outage.restartedAt = Date.now();
          log('PostgreSQL started again');
          resolve();
        }, DOWN_MS)
      );
    };
    sent = await sendStream({ app, secret, histories, random, workers: 8, onProgress, log });
    await restart;
    outage.appAlive = await fetch(`${app.url}/_health`).then((r) => r.status < 500, () => false);
  } finally {
    await app?.stop();
  }
  let db;
  try {
    db = await readDatabase(pg.pg, emails);
  } finally {
    pg.destroy();
  }
  const { state: diffs, ledger, periods, mail } = evaluate({ histories, emails, db });
  const answers = answerCheck({ histories, answers: sent.answers, strict: false });
  for (const problem of [...answers.problems, ...ledger, ...periods, ...diffs, ...mail].slice(0, 3)) log(`trace: ${traceOf({ histories, answers: sent.answers, db, problem })}`);
  const all = histories.flat();
  const failedFirst = all.filter((n) => (sent.answers.get(n) ?? [])[0]?.status !== 200);
  const recovered = failedFirst.filter((n) => sent.answers.get(n).some((a) => a.status === 200));
  const stillFailing = all.filter((n) => !sent.answers.get(n).some((a) => a.status === 200));
  return {
    figures: {
      seed,
      database: 'PostgreSQL (a server of the suite\'s own)',
      'notifications (each sent once or more)': all.length,
      members,
      'requests before the crash': outage.requestsBefore,
      'seconds down': outage.restartedAt && outage.crashedAt ? (outage.restartedAt - outage.crashedAt) / 1000 : 'n/a',
      'requests sent': sent.figures.requests,
      'answers by status (0 = connection error)': JSON.stringify(sent.figures.statuses),
      'notifications refused during the outage, then resent': failedFirst.length,
      'resend rounds': sent.figures.resends,
      'requests per second': sent.figures.notificationsPerSecond,
    },
    checks: [
      { name: 'the crash happened in the middle of the stream', ok: outage.crashedAt !== null && outage.requestsBefore < sent.figures.requests, detail: `${outage.requestsBefore} of ${sent.figures.requests} requests before it` },
      { name: 'some notifications were refused while PostgreSQL was down (the fault was felt)', ok: failedFirst.length > 0, detail: `${failedFirst.length} refused` },
      { name: 'refusals say "try again" (503) or the connection was cut; never another status', ok: Object.keys(sent.figures.statuses).every((s) => ['0', '200', '503'].includes(s)), detail: JSON.stringify(sent.figures.statuses) },
      { name: 'the Strapi process survived the outage and answers again', ok: outage.appAlive === true },
      { name: 'every refused notification succeeded when resent', ok: stillFailing.length === 0 && recovered.length === failedFirst.length, detail: `${recovered.length}/${failedFirst.length} recovered` },
      { name: 'every answer given 200 is the model\'s or "already processed" (a resend whose first attempt committed)', ok: answers.problems.length === 0, detail: answers.problems.length ? `${answers.problems.length} differences: ${answers.problems.slice(0, 5).join('; ')}` : JSON.stringify(answers.got) },
      { name: 'every notification is in the ledger once, with the model\'s outcome; each payment\'s period and refund equal the model\'s', ok: ledger.length === 0 && periods.length === 0, detail: [...ledger, ...periods].slice(0, 5).join('; ') },
      { name: 'users, subscriptions, paid ends and roles equal the model (no duplicate, nothing lost)', ok: diffs.length === 0, detail: diffs.length ? `${diffs.length} differences: ${diffs.slice(0, 8).join('; ')}` : `${db.users.length} users, ${db.subs.length} subscriptions compared` },
      { name: 'a receipt queued per payment that bought time, a welcome per member created', ok: mail.length === 0, detail: mail.length ? `${mail.length} differences: ${mail.slice(0, 5).join('; ')}` : '' },
    ],
  };
};

module.exports = { id: 'restart', title: 'Click2Sell stream with PostgreSQL crashed and restarted in the middle', run };
