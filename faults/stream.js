'use strict';

/**
 * Scenario 1: a stream of Click2Sell notifications (sales, re-bills, refunds of any payment,
 * cancellations, failed payments, an unmapped product now and then) across many members, each
 * member's in a random order of its own — so refunds and cancellations often come before their
 * payment — with cross-type replays of captured payments, 10% sent again later and 5% sent as
 * two concurrent copies, against the playground on PostgreSQL. Afterwards the answers, the
 * ledger (outcomes, periods bought, refunds), the users, subscriptions, paid ends and roles, and
 * the receipt and welcome e-mails queued must equal the model's (./lib/stream-model.js, written
 * from the README); and each deliberately wrong model rule must give differences.
 */
const crypto = require('crypto');
const os = require('os');
const path = require('path');
const { startApp } = require('../bench/lib/app');
const { freshDatabase } = require('../bench/lib/db');
const { generate, sendStream, readDatabase, evaluate, answerCheck, mutationCheck, traceOf } = require('./lib/stream-run');

const sizes = (quick) => (quick ? { count: 400, members: 60 } : { count: 2000, members: 300 });

const count = (list, f) => list.filter(f).length;
const listed = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
const shown = (list) => (list.length ? `${list.length} differences: ${list.slice(0, 8).join('; ')}` : '');

/** What was sent, by kind (a notification sent as several copies counts once). */
const kindsOf = (all) => ({
  'Sale': count(all, (n) => n.kind === 'purchase' && n.transaction_type === 'Sale' && n.product_id !== '9999'),
  'Subscription + New': count(all, (n) => n.kind === 'purchase' && n.transaction_type === 'Subscription' && n.product_id !== '9999'),
  'Subscription + Recurring': count(all, (n) => n.kind === 'rebill'),
  'unmapped product': count(all, (n) => n.kind === 'purchase' && n.product_id === '9999'),
  'Refund': count(all, (n) => n.kind === 'refund'),
  'Cancel': count(all, (n) => n.kind === 'cancel'),
  'Failed': count(all, (n) => n.kind === 'failed'),
  'captured payment resent as another paying type': count(all, (n) => n.kind === 'replay' && n.of.kind !== 'failed'),
  'Failed resent as OK (another type / as it was)': `${count(all, (n) => n.kind === 'replay' && n.of.kind === 'failed' && !n.repeatOf)} / ${count(all, (n) => n.repeatOf)}`,
});

const run = async ({ quick, log }) => {
  const { count: size, members } = sizes(quick);
  const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1e9);
  const runId = crypto.randomBytes(3).toString('hex');
  const secret = crypto.randomBytes(12).toString('hex');
  const name = `subs_faults_stream_${process.pid}`;
  const dbEnv = await freshDatabase('postgres', name);
  const { histories, emails, random } = generate({ seed, count: size, members, runId });
  log(`seed ${seed}: ${histories.flat().length} notifications over ${members} members`);
  const app = await startApp(dbEnv, { CLICK2SELL_SECRET_KEY: secret, SEED_DEMO_DATA: 'true' }, path.join(os.tmpdir(), `faults-stream-${process.pid}.log`));
  let sent;
  try {
    sent = await sendStream({ app, secret, histories, random, workers: 8, log });
  } finally {
    await app.stop();
  }
  const db = await readDatabase({ host: '127.0.0.1', user: 'postgres', database: name }, emails);
  const { state, ledger, periods, mail, figures: model, outcomes } = evaluate({ histories, emails, db });
  const answers = answerCheck({ histories, answers: sent.answers, strict: true });
  const mutants = mutationCheck({ histories, emails, db });
  for (const problem of [...answers.problems, ...ledger, ...periods, ...state, ...mail].slice(0, 3)) log(`trace: ${traceOf({ histories, answers: sent.answers, db, problem })}`);
  const all = histories.flat();
  const copies = all.reduce((s, n) => s + (sent.answers.get(n)?.length ?? 0) - 1, 0);
  const repeats = count(all, (n) => n.repeatOf);
  const duplicateAnswers = answers.got.duplicate ?? 0;
  const duplicateRows = count(db.ledger, (r) => r.outcome === 'duplicate');
  const ledgerOutcomes = {};
  for (const r of db.ledger) ledgerOutcomes[r.outcome] = (ledgerOutcomes[r.outcome] ?? 0) + 1;
  return {
    figures: {
      seed,
      database: 'PostgreSQL',
      'notifications (each sent once or more)': all.length,
      members,
      'by kind': listed(kindsOf(all)),
      'requests sent (with copies)': sent.figures.requests,
      'sent again later / as two concurrent copies': `${sent.figures.replays} / ${sent.figures.concurrentPairs}`,
      'refunds: of the latest payment / of an earlier one / before their payment (pending, then applied)': `${model.refundOfLatest} / ${model.refundOfEarlier} / ${model.refundPending}`,
      'cancellations: after their payment / before it (pending, then applied)': `${model.cancelInOrder} / ${model.cancelPending}`,
      'subscriptions left without paid time by a refund': model.refundEnded,
      'answers (200)': listed(answers.got),
      'answers the model expects (one per notification)': listed(outcomes),
      'ledger rows by outcome': listed(ledgerOutcomes),
      'non-200 answers / network errors': `${sent.figures.non200} / ${sent.figures.networkErrors}`,
      'requests per second (8 in flight)': sent.figures.notificationsPerSecond,
      'seconds sending': sent.figures.seconds,
      'model: members / subscriptions / periods paid, left / refunded': `${model.users} / ${model.subscriptions} / ${model.periodsLeft} / ${model.periodsRefunded}`,
      'model: refunded / cancelled / open-ended subscriptions': `${model.refunded} / ${model.cancelled} / ${model.openEnded}`,
      'model: receipts': model.receipts,
      'deliberately wrong rules: differences each gives': mutants.map((m) => `${m.wrong} ${m.differences}`).join(', '),
    },
    checks: [
      { name: 'every request answered 200', ok: sent.figures.answered200 === sent.figures.requests, detail: JSON.stringify(sent.figures.statuses) },
      {
        name: 'every notification answered as the model says once (applied / pending / replay / unmapped / failed-payment); every other copy, and a failed payment resent as it was, "already processed"',
        ok: answers.problems.length === 0 && duplicateAnswers === copies + repeats,
        detail: shown(answers.problems) || `${all.length - repeats} own answers; ${duplicateAnswers} "already processed" for ${copies} extra copies and ${repeats} repeats`,
      },
      { name: 'ledger: each dedupe key has exactly one applying row, with the model\'s outcome (applied, replay, pending → applied, unmapped, failed-payment)', ok: ledger.length === 0, detail: shown(ledger) || `${all.length - repeats} keys` },
      { name: 'ledger: one duplicate row per "already processed" answer', ok: duplicateRows === duplicateAnswers, detail: `${duplicateRows} rows, ${duplicateAnswers} answers` },
      { name: 'ledger: each payment\'s period, subscription and refund equal the model\'s (later periods moved back by a refunded one)', ok: periods.length === 0, detail: shown(periods) || `${model.receipts} payments that bought time` },
      { name: 'users, subscriptions (status, start, paid end, hard end, cancellation, last receipt) and roles equal the model', ok: state.length === 0, detail: shown(state) || `${db.users.length} users, ${db.subs.length} subscriptions compared` },
      { name: 'a receipt queued per payment that bought time, a welcome per member created', ok: mail.length === 0, detail: shown(mail) || `${model.receipts} receipts, ${model.users} welcomes` },
      {
        name: 'the model can fail: each deliberately wrong rule gives differences on this database',
        ok: mutants.every((m) => m.differences > 0),
        detail: mutants.map((m) => `${m.wrong}: ${m.differences} (${m.example.slice(0, 140)})`).join('; '),
      },
    ],
  };
};

module.exports = { id: 'stream', title: 'Click2Sell stream: random order, refunds of any payment, out-of-order events, replays and concurrent copies', run, sizes };
