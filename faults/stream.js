'use strict';

/**
 * Scenario 1: a stream of Click2Sell notifications (sales, re-bills, refunds, cancellations,
 * failed payments, an unmapped product now and then) across many members, in random order, 10%
 * replayed later and 5% sent as two concurrent copies, against the playground on PostgreSQL.
 * Afterwards the users, subscriptions, end dates and roles must equal the model's, and each
 * notification must have exactly one ledger row that applied it.
 */
const crypto = require('crypto');
const os = require('os');
const path = require('path');
const { startApp } = require('../bench/lib/app');
const { freshDatabase } = require('../bench/lib/db');
const { generate, sendStream, readDatabase, compare, ledgerCheck } = require('./lib/stream-run');

const sizes = (quick) => (quick ? { count: 400, members: 60 } : { count: 2000, members: 300 });

const run = async ({ quick, log }) => {
  const { count, members } = sizes(quick);
  const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1e9);
  const runId = crypto.randomBytes(3).toString('hex');
  const secret = crypto.randomBytes(12).toString('hex');
  const name = `subs_faults_stream_${process.pid}`;
  const dbEnv = await freshDatabase('postgres', name);
  const { histories, emails, random } = generate({ seed, count, members, runId });
  log(`seed ${seed}: ${histories.flat().length} notifications over ${members} members`);
  const app = await startApp(dbEnv, { CLICK2SELL_SECRET_KEY: secret, SEED_DEMO_DATA: 'true' }, path.join(os.tmpdir(), `faults-stream-${process.pid}.log`));
  let sent;
  try {
    sent = await sendStream({ app, secret, histories, random, workers: 8, log });
  } finally {
    await app.stop();
  }
  const db = await readDatabase({ host: '127.0.0.1', user: 'postgres', database: name }, emails);
  const { diffs, figures: model } = compare({ histories, emails, db });
  const ledger = ledgerCheck({ histories, db });
  const all = histories.flat();
  const nonDuplicate = [...sent.answers.values()].flat().filter((a) => a.status === 200 && a.outcome !== 'duplicate').length;
  const duplicates = [...sent.answers.values()].flat().filter((a) => a.outcome === 'duplicate').length;
  const extraCopies = sent.figures.requests - all.length;
  const kinds = {};
  for (const n of all) kinds[n.kind] = (kinds[n.kind] ?? 0) + 1;
  return {
    figures: {
      seed,
      database: 'PostgreSQL',
      'unique notifications': all.length,
      members,
      'by kind': Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', '),
      'requests sent (with replays and copies)': sent.figures.requests,
      'replayed later': sent.figures.replays,
      'sent as two concurrent copies': sent.figures.concurrentPairs,
      'answered 200': sent.figures.answered200,
      'answered "already processed"': duplicates,
      'non-200 answers / network errors': `${sent.figures.non200} / ${sent.figures.networkErrors}`,
      'requests per second (8 in flight)': sent.figures.notificationsPerSecond,
      'seconds sending': sent.figures.seconds,
      'model: members / subscriptions / periods paid': `${model.modelUsers} / ${model.modelSubscriptions} / ${model.modelPeriodsPaid}`,
      'model: refunded / cancelled / open-ended': `${model.modelRefunded} / ${model.modelCancelled} / ${model.modelOpenEnded}`,
    },
    checks: [
      { name: 'every request answered 200', ok: sent.figures.answered200 === sent.figures.requests, detail: JSON.stringify(sent.figures.statuses) },
      { name: 'each notification applied once: non-duplicate answers = unique notifications', ok: nonDuplicate === all.length, detail: `${nonDuplicate} applied answers for ${all.length} notifications` },
      { name: 'every replayed or concurrent copy answered "already processed"', ok: duplicates === extraCopies, detail: `${duplicates} duplicates for ${extraCopies} extra copies` },
      { name: 'ledger: exactly one applying row per notification', ok: ledger.length === 0, detail: ledger.slice(0, 5).join('; ') },
      { name: 'users, subscriptions, end dates and roles equal the model', ok: diffs.length === 0, detail: diffs.length ? `${diffs.length} differences: ${diffs.slice(0, 8).join('; ')}` : `${db.users.length} users, ${db.subs.length} subscriptions compared` },
    ],
  };
};

module.exports = { id: 'stream', title: 'Click2Sell stream: random order, replays and concurrent copies', run, sizes };
