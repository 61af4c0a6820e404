'use strict';

/**
 * Sends a generated Click2Sell stream to a running playground and checks the database against
 * the model (./stream-model.js). Shared by the `stream` and `restart` scenarios.
 *
 * Sending: `workers` requests in flight; a member's notifications go one after the other in the
 * member's own (random) order, the members interleaved at random; a notification marked `twice`
 * is replayed at a random later point of the stream, one marked `concurrent` is sent as two
 * copies at the same instant. A request not answered 200 (database down, connection reset) is
 * resent after a pause until it is — the member's later notifications wait for it, as Click2Sell's
 * own retries would come before the member's next payment.
 */
const crypto = require('crypto');
const { Client } = require('pg');
const { DateTime } = require('luxon');
const { generate, modelMember, OFFERS } = require('./stream-model');

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex').toUpperCase();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const fieldsOf = (n, secret) => {
  const acq = `PP-${n.c2s_transaction_id}-${n.transaction_type}-${n.subscription_status || 'none'}`;
  const at = new Date();
  return {
    acquirer_transaction_id: acq,
    c2s_transaction_id: n.c2s_transaction_id,
    checksum: md5(`${secret}_${acq}`),
    transaction_type: n.transaction_type,
    subscription_status: n.subscription_status,
    payment_status: n.payment_status ?? 'OK',
    purchase_date: at.toISOString().slice(0, 10),
    purchase_time: at.toISOString().slice(11, 19),
    product_id: n.product_id,
    product_name: `Product ${n.product_id}`,
    buyer_email: n.email,
    buyer_name: 'Fault',
    buyer_surname: `Member ${n.member}`,
    payment_type: 'Paypal',
  };
};

/** One POST; never throws: a network error is `{ status: 0 }`. */
const post = async (url, fields) => {
  try {
    const res = await fetch(`${url}/api/subscriptions/click2sell`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(60_000),
    });
    const body = await res.json().catch(() => ({}));
    return { status: res.status, outcome: body.outcome ?? null, message: body.message ?? body.error?.message ?? '' };
  } catch (error) {
    return { status: 0, outcome: null, message: String(error.cause?.code ?? error.message) };
  }
};

const sendStream = async ({ app, secret, histories, random, workers = 8, onProgress, log }) => {
  const unique = histories.flat();
  const figures = { unique: unique.length, requests: 0, answered200: 0, non200: 0, networkErrors: 0, statuses: {}, replays: 0, concurrentPairs: 0, resends: 0 };
  const answers = new Map(); // notification → answers (all copies)
  const firstSend = new Map();
  const lastAnswer = new Map();
  const record = (n, answer, t0) => {
    figures.requests += 1;
    figures.statuses[answer.status] = (figures.statuses[answer.status] ?? 0) + 1;
    if (answer.status === 200) figures.answered200 += 1;
    else if (answer.status === 0) figures.networkErrors += 1;
    else figures.non200 += 1;
    if (!firstSend.has(n)) firstSend.set(n, t0);
    lastAnswer.set(n, Date.now());
    if (!answers.has(n)) answers.set(n, []);
    answers.get(n).push(answer);
    onProgress?.(figures);
  };
  /** Sends until answered 200 (resending after a pause when not). */
  const deliver = async (n, copies = 1) => {
    for (let attempt = 0; ; attempt += 1) {
      const fields = fieldsOf(n, secret);
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: copies }, () => post(app.url, fields)));
      for (const r of results) record(n, r, t0);
      if (results.some((r) => r.status === 200)) return;
      if (attempt > 600) throw new Error(`notification ${n.c2s_transaction_id} never answered 200: ${JSON.stringify(results)}`);
      figures.resends += 1;
      await sleep(500);
    }
  };

  // The interleaving: one task per notification, owned by its member; replays added as we go.
  const order = histories.flatMap((h, m) => h.map(() => m));
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const next = histories.map(() => 0);
  const busy = new Set();
  const queue = order.map((m) => ({ member: m }));
  let done = 0;

  const take = () => {
    for (let i = 0; i < queue.length; i += 1) {
      const task = queue[i];
      if (task.replay) {
        queue.splice(i, 1);
        return task;
      }
      if (!busy.has(task.member)) {
        queue.splice(i, 1);
        return task;
      }
    }
    return null;
  };
  const worker = async () => {
    for (;;) {
      const task = take();
      if (!task) {
        if (queue.length === 0 && busy.size === 0) return;
        await sleep(5);
        continue;
      }
      if (task.replay) {
        figures.replays += 1;
        await deliver(task.replay);
      } else {
        const m = task.member;
        busy.add(m);
        const n = histories[m][next[m]];
        next[m] += 1;
        if (n.send === 'concurrent') figures.concurrentPairs += 1;
        await deliver(n, n.send === 'concurrent' ? 2 : 1);
        busy.delete(m);
        if (n.send === 'twice') {
          const at = Math.floor(random() * (queue.length + 1));
          queue.splice(at, 0, { replay: n });
        }
      }
      done += 1;
      if (log && done % 250 === 0) log(`${done}/${done + queue.length} sent`);
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: workers }, worker));
  figures.seconds = (Date.now() - t0) / 1000;
  figures.notificationsPerSecond = Math.round((figures.requests / figures.seconds) * 10) / 10;
  for (const n of unique) n.window = [firstSend.get(n) - 1000, lastAnswer.get(n) + 1000];
  return { figures, answers };
};

/** Reads what the database holds for the run's members (PostgreSQL, the playground's tables). */
const readDatabase = async (pgConfig, emails) => {
  const client = new Client(pgConfig);
  await client.connect();
  try {
    const users = (
      await client.query(
        `select u.id, u.email, r.type as role
           from up_users u
           left join up_users_role_lnk l on l.user_id = u.id
           left join up_roles r on r.id = l.role_id
          where u.email = any($1)`,
        [emails]
      )
    ).rows;
    const subs = (
      await client.query(
        `select s.id, u.email, o.click_2_sell_product_id as product, s.status, s.starts_at, s.due_at, s.ends_at,
                s.cancelled_at, s.last_purchase_id
           from subscriptions_subscriptions s
           join subscriptions_subscriptions_user_lnk su on su.subscription_id = s.id
           join up_users u on u.id = su.user_id
           join subscriptions_subscriptions_offer_lnk so on so.subscription_id = s.id
           join subscriptions_offers o on o.id = so.offer_id
          where u.email = any($1)
          order by s.starts_at, s.id`,
        [emails]
      )
    ).rows;
    const ledger = (
      await client.query(
        `select dedupe_key, outcome, count(*)::int as n from subscriptions_payment_events
          where email = any($1) group by dedupe_key, outcome`,
        [emails]
      )
    ).rows;
    return { users, subs, ledger };
  } finally {
    await client.end();
  }
};

const plus = (date, offer, times) => DateTime.fromJSDate(date, { zone: 'utc' }).plus({ [offer.period]: offer.amount * times }).toJSDate();
const within = (date, [from, to]) => date && date.getTime() >= from && date.getTime() <= to;

/** Compares the database with the model; returns the list of differences (empty when equal). */
const compare = ({ histories, emails, db }) => {
  const diffs = [];
  const usersByEmail = new Map(db.users.map((u) => [u.email, u]));
  const subsByEmail = new Map();
  for (const s of db.subs) {
    if (!subsByEmail.has(s.email)) subsByEmail.set(s.email, []);
    subsByEmail.get(s.email).push(s);
  }
  const figures = { modelUsers: 0, modelSubscriptions: 0, modelRefunded: 0, modelCancelled: 0, modelOpenEnded: 0, modelPeriodsPaid: 0 };
  histories.forEach((h, m) => {
    const email = emails[m];
    const model = modelMember(h);
    const user = usersByEmail.get(email);
    if (model.user) figures.modelUsers += 1;
    if (Boolean(user) !== model.user) diffs.push(`${email}: user ${user ? 'exists' : 'missing'}, model says ${model.user ? 'exists' : 'none'}`);
    if (user && model.user && user.role !== model.role) diffs.push(`${email}: role ${user.role}, model ${model.role}`);
    const rows = subsByEmail.get(email) ?? [];
    if (rows.length !== model.subs.length) {
      diffs.push(`${email}: ${rows.length} subscriptions, model ${model.subs.length} (${JSON.stringify(model.subs.map((s) => s.product))})`);
      return;
    }
    // Both in creation order: the model's in the order applied, the rows by start.
    model.subs.forEach((s, i) => {
      const row = rows[i];
      const offer = OFFERS[s.product];
      figures.modelSubscriptions += 1;
      figures.modelPeriodsPaid += s.periods;
      if (s.refunded) figures.modelRefunded += 1;
      if (s.cancelled) figures.modelCancelled += 1;
      if (s.open && !s.refunded) figures.modelOpenEnded += 1;
      const where = `${email} subscription ${i + 1} (${s.product})`;
      if (row.product !== s.product) return diffs.push(`${where}: product ${row.product}`);
      if (!within(row.starts_at, s.startWindow)) diffs.push(`${where}: starts ${row.starts_at?.toISOString()} outside the request's window`);
      if (row.last_purchase_id !== s.lastPurchaseId) diffs.push(`${where}: last purchase ${row.last_purchase_id}, model ${s.lastPurchaseId}`);
      if (s.refunded) {
        if (row.status !== 'refunded') diffs.push(`${where}: status ${row.status}, model refunded`);
        if (!within(row.ends_at, s.refundWindow)) diffs.push(`${where}: refunded, ends ${row.ends_at?.toISOString()} outside the refund's window`);
        return;
      }
      const due = plus(row.starts_at, offer, s.periods);
      if (row.status !== 'active') diffs.push(`${where}: status ${row.status}, model active`);
      if (row.due_at?.getTime() !== due.getTime()) diffs.push(`${where}: due ${row.due_at?.toISOString()}, model ${due.toISOString()} (${s.periods} × ${offer.amount} ${offer.period})`);
      const end = s.open ? null : due;
      if ((row.ends_at?.getTime() ?? null) !== (end?.getTime() ?? null)) diffs.push(`${where}: ends ${row.ends_at?.toISOString() ?? 'never'}, model ${end?.toISOString() ?? 'never'}`);
      if (Boolean(row.cancelled_at) !== s.cancelled) diffs.push(`${where}: cancelled ${Boolean(row.cancelled_at)}, model ${s.cancelled}`);
    });
  });
  const extraUsers = db.users.filter((u) => !emails.includes(u.email));
  if (extraUsers.length) diffs.push(`${extraUsers.length} users not in the stream`);
  return { diffs, figures };
};

/** Each unique notification has exactly one ledger row that is not a `duplicate`. */
const ledgerCheck = ({ histories, db }) => {
  const byKey = new Map();
  for (const row of db.ledger) {
    if (!byKey.has(row.dedupe_key)) byKey.set(row.dedupe_key, {});
    byKey.get(row.dedupe_key)[row.outcome] = row.n;
  }
  const problems = [];
  for (const n of histories.flat()) {
    const key = `click2sell:${n.c2s_transaction_id}:${n.transaction_type}:${n.subscription_status}`;
    const outcomes = byKey.get(key) ?? {};
    const applied = Object.entries(outcomes).filter(([o]) => o !== 'duplicate' && o !== 'rejected').reduce((s, [, k]) => s + k, 0);
    if (applied !== 1) problems.push(`${key}: ${applied} ledger rows applied (${JSON.stringify(outcomes)})`);
  }
  return problems;
};

module.exports = { generate, sendStream, readDatabase, compare, ledgerCheck };
