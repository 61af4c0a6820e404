'use strict';

/**
 * Sends a generated Click2Sell stream to a running playground and checks the database against
 * the model (./stream-model.js). Shared by the `stream` and `restart` scenarios.
 *
 * Sending: `workers` requests in flight; a member's notifications go one after the other in the
 * member's own (random) order, the members interleaved at random; a notification marked `twice`
 * is sent again at a random later point of the stream, one marked `concurrent` as two copies at
 * the same instant; a cross-type replay goes at a random point after what it replays has been
 * answered. A request not answered 200 (database down, connection reset) is resent after a pause
 * until it is — the member's later notifications wait for it, as Click2Sell's own retries would
 * come before the member's next payment.
 */
const crypto = require('crypto');
const { Client } = require('pg');
const { DateTime } = require('luxon');
const { generate, modelMember, OFFERS } = require('./stream-model');

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex').toUpperCase();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const fieldsOf = (n, secret) => {
  const at = new Date();
  return {
    acquirer_transaction_id: n.acquirer,
    c2s_transaction_id: n.c2s_transaction_id,
    checksum: md5(`${secret}_${n.acquirer}`),
    transaction_type: n.transaction_type,
    subscription_status: n.subscription_status,
    payment_status: n.kind === 'failed' ? 'Failed' : 'OK',
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
  const figures = { unique: unique.length, requests: 0, answered200: 0, non200: 0, networkErrors: 0, statuses: {}, replays: 0, concurrentPairs: 0, crossType: 0, resends: 0 };
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
      if (attempt > 600) throw new Error(`notification ${n.key} never answered 200: ${JSON.stringify(results)}`);
      figures.resends += 1;
      await sleep(500);
    }
  };

  // The interleaving: one task per notification of a member's own sequence; copies sent again
  // and cross-type replays are added as we go, at a random later point.
  const sequences = histories.map((h) => h.filter((n) => !n.after));
  const replaysOf = new Map();
  for (const n of unique) if (n.after) replaysOf.set(n.after, [...(replaysOf.get(n.after) ?? []), n]);
  const order = sequences.flatMap((s, m) => s.map(() => m));
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const next = histories.map(() => 0);
  const busy = new Set();
  const queue = order.map((m) => ({ member: m }));
  const later = (task) => queue.splice(Math.floor(random() * (queue.length + 1)), 0, task);
  let done = 0;

  const take = () => {
    for (let i = 0; i < queue.length; i += 1) {
      const task = queue[i];
      if (task.member === undefined || !busy.has(task.member)) {
        queue.splice(i, 1);
        return task;
      }
    }
    return null;
  };
  /** First delivery of a notification, then what follows it. */
  const first = async (n) => {
    if (n.send === 'concurrent') figures.concurrentPairs += 1;
    await deliver(n, n.send === 'concurrent' ? 2 : 1);
    if (n.send === 'twice') later({ again: n });
    for (const r of replaysOf.get(n) ?? []) later({ replay: r });
  };
  const worker = async () => {
    for (;;) {
      const task = take();
      if (!task) {
        if (queue.length === 0 && busy.size === 0) return;
        await sleep(5);
        continue;
      }
      if (task.again) {
        figures.replays += 1;
        await deliver(task.again);
      } else if (task.replay) {
        figures.crossType += 1;
        await first(task.replay);
      } else {
        const m = task.member;
        busy.add(m);
        const n = sequences[m][next[m]];
        next[m] += 1;
        await first(n);
        busy.delete(m);
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
        `select e.id, e.email, e.dedupe_key, e.outcome, e.acquirer_transaction_id, e.received_at, e.period_start, e.period_end, e.refunded_at,
                l.subscription_id
           from subscriptions_payment_events e
           left join subscriptions_payment_events_subscription_lnk l on l.payment_event_id = e.id
          where e.email = any($1)
          order by e.id`,
        [emails]
      )
    ).rows;
    const messages = (
      await client.query(
        `select "to" as email, kind, count(*)::int as n from subscriptions_messages
          where "to" = any($1) and kind in ('receipt', 'welcome') group by 1, 2`,
        [emails]
      )
    ).rows;
    return { users, subs, ledger, messages };
  } finally {
    await client.end();
  }
};

const within = (date, [from, to]) => date && date.getTime() >= from && date.getTime() <= to;
const iso = (ms) => (ms === null || ms === undefined ? 'none' : new Date(ms).toISOString());
const ms = (date) => (date ? date.getTime() : null);

/**
 * One period of the offer after `from` (ms), in UTC. Months clamp to the month's end and keep the
 * anchor day (31 Jan → 28 Feb → 31 Mar): the day the paid end would have if no month had
 * clamped it.
 */
const addPeriod = (from, offer, anchorDay) => {
  const end = DateTime.fromMillis(from, { zone: 'utc' }).plus({ [offer.period]: offer.amount });
  return (offer.period === 'months' ? end.set({ day: Math.min(anchorDay, end.daysInMonth) }) : end).toMillis();
};
const dayOf = (t) => DateTime.fromMillis(t, { zone: 'utc' }).day;

/**
 * A model subscription's paid time, in dates, from its start in the database: each payment's
 * period (a create: start → paid end; a renewal or re-bill: old paid end → new paid end, the paid
 * end being days ahead in a stream of minutes) and the paid end, after the refunds took back
 * their periods. A refund of P moves the later payments back by P's length, each by at most what
 * the one before it moved and never to before the instant it was paid (`paidAt`, the ledger's
 * `receivedAt`, checked against the request's window); the paid end moves back as much as the
 * last of them (by P's length when none follows P).
 *
 * The anchor day of months: the start's day for the periods that follow it; a paid end that a
 * refund moved back by a length of days is a new date, whose own day is then the anchor (the
 * README does not say; this is its "keep the anchor day across renewals" applied to the paid end
 * the renewal continues from).
 */
const paidTime = (sub, start, paidAt) => {
  const offer = OFFERS[sub.product];
  const periods = new Map();
  const anchors = new Map(); // payment → anchor day of its period's end
  const live = [];
  let due = start;
  let anchor = dayOf(start);
  for (const op of sub.ops) {
    if (op.type === 'pay') {
      const end = addPeriod(due, offer, anchor);
      periods.set(op.payment, [due, end]);
      anchors.set(op.payment, anchor);
      live.push(op.payment);
      due = end;
    } else {
      const [from, to] = periods.get(op.payment);
      let shift = to - from;
      const at = live.indexOf(op.payment);
      for (const p of live.slice(at + 1)) {
        const [pFrom, pTo] = periods.get(p);
        shift = Math.min(shift, Math.max(0, pFrom - paidAt(p)));
        if (shift === 0) break;
        periods.set(p, [pFrom - shift, pTo - shift]);
        anchors.set(p, dayOf(pTo - shift));
      }
      live.splice(at, 1);
      due -= shift;
      anchor = live.length ? anchors.get(live[live.length - 1]) : dayOf(start);
    }
  }
  return { periods, due, live };
};

/**
 * Compares the database with the model: users, roles, subscriptions (status, start, paid end,
 * hard end, cancellation, last receipt), the ledger (one row per key that is not a repeat, its
 * outcome, the period each payment bought, the subscription it paid for, refunds), the receipt
 * and welcome e-mails queued. `rules` makes the model deliberately wrong (see modelMember).
 * Returns `{ state, ledger, periods, mail }` lists of differences and the model's figures.
 */
const evaluate = ({ histories, emails, db, rules = {} }) => {
  const state = [];
  const ledger = [];
  const periods = [];
  const mail = [];
  const usersByEmail = new Map(db.users.map((u) => [u.email, u]));
  const group = (rows, key) => {
    const map = new Map();
    for (const r of rows) {
      if (!map.has(r[key])) map.set(r[key], []);
      map.get(r[key]).push(r);
    }
    return map;
  };
  const subsByEmail = group(db.subs, 'email');
  const rowsByKey = group(db.ledger, 'dedupe_key');
  const mailByEmail = new Map();
  for (const m of db.messages) mailByEmail.set(`${m.email}:${m.kind}`, m.n);
  const figures = { users: 0, subscriptions: 0, refunded: 0, cancelled: 0, openEnded: 0, periodsLeft: 0, periodsRefunded: 0, receipts: 0, refundOfLatest: 0, refundOfEarlier: 0, refundPending: 0, refundEnded: 0, cancelInOrder: 0, cancelPending: 0 };
  const outcomes = {};

  histories.forEach((h, m) => {
    const email = emails[m];
    const model = modelMember(h, rules);
    for (const [k, v] of Object.entries(model.stats)) figures[k] += v;
    const user = usersByEmail.get(email);
    if (model.user) figures.users += 1;
    if (Boolean(user) !== model.user) state.push(`${email}: user ${user ? 'exists' : 'missing'}, model says ${model.user ? 'exists' : 'none'}`);
    if (user && model.user && user.role !== model.role) state.push(`${email}: role ${user.role}, model ${model.role}`);

    // The instant each payment was paid: its ledger row's, which must lie in its request's window.
    const paidAtOf = (payment) => {
      const row = (rowsByKey.get(payment.n.key) ?? []).find((r) => r.outcome !== 'duplicate' && r.outcome !== 'rejected');
      if (!row?.received_at) return Infinity; // reported with the ledger
      if (!within(row.received_at, payment.n.window)) periods.push(`${payment.n.key}: received ${row.received_at.toISOString()} outside the request's window`);
      return row.received_at.getTime();
    };

    // Subscriptions, both in creation order: the model's in the order applied, the rows by start.
    const rows = subsByEmail.get(email) ?? [];
    const rowOf = new Map();
    const times = new Map();
    if (rows.length !== model.subs.length) {
      state.push(`${email}: ${rows.length} subscriptions, model ${model.subs.length} (${JSON.stringify(model.subs.map((s) => s.product))})`);
    } else {
      model.subs.forEach((s, i) => {
        const row = rows[i];
        figures.subscriptions += 1;
        if (s.refunded) figures.refunded += 1;
        else if (s.cancelled) figures.cancelled += 1;
        if (s.open && !s.refunded) figures.openEnded += 1;
        const where = `${email} subscription ${i + 1} (${s.product})`;
        if (row.product !== s.product) return state.push(`${where}: product ${row.product}`);
        rowOf.set(s, row);
        const paid = paidTime(s, row.starts_at.getTime(), paidAtOf);
        times.set(s, paid);
        figures.periodsLeft += paid.live.length;
        figures.periodsRefunded += s.payments.filter((p) => p.refunded).length;
        if (!within(row.starts_at, s.startWindow)) state.push(`${where}: starts ${row.starts_at?.toISOString()} outside the request's window`);
        if (row.last_purchase_id !== s.lastPurchaseId) state.push(`${where}: last purchase ${row.last_purchase_id}, model ${s.lastPurchaseId}`);
        if (s.refunded) {
          if (row.status !== 'refunded') state.push(`${where}: status ${row.status}, model refunded (every payment refunded)`);
          if (!within(row.ends_at, s.refundWindow)) state.push(`${where}: refunded, ends ${row.ends_at?.toISOString()} outside the last refund's window`);
          return;
        }
        if (row.status !== 'active') state.push(`${where}: status ${row.status}, model active`);
        if (ms(row.due_at) !== paid.due) state.push(`${where}: due ${row.due_at?.toISOString()}, model ${iso(paid.due)} (${paid.live.length} periods of ${OFFERS[s.product].amount} ${OFFERS[s.product].period} left)`);
        const end = s.open ? null : paid.due;
        if (ms(row.ends_at) !== end) state.push(`${where}: ends ${row.ends_at?.toISOString() ?? 'never'}, model ${end === null ? 'never' : iso(end)}`);
        if (Boolean(row.cancelled_at) !== s.cancelled) state.push(`${where}: cancelled ${Boolean(row.cancelled_at)}, model ${s.cancelled}`);
      });
    }

    // The ledger: each notification that is not a repeat has one row that is not a duplicate.
    for (const n of h) {
      const expect = model.expect.get(n);
      outcomes[expect.answers[0]] = (outcomes[expect.answers[0]] ?? 0) + 1;
      if (n.repeatOf) continue;
      const own = (rowsByKey.get(n.key) ?? []).filter((r) => r.outcome !== 'duplicate' && r.outcome !== 'rejected');
      if (own.length !== 1) {
        ledger.push(`${n.key}: ${own.length} applying ledger rows (${own.map((r) => r.outcome).join(', ')})`);
        continue;
      }
      if (!expect.outcomes.includes(own[0].outcome)) ledger.push(`${n.key} (${n.kind}${n.product_id === '9999' ? ', unmapped product' : ''}): outcome ${own[0].outcome}, model ${expect.outcomes.join(' or ')}`);
    }
    // The payments: the period each bought, the subscription it paid for, refunds.
    for (const payment of model.payments.values()) {
      if (payment.failed) continue;
      const row = (rowsByKey.get(payment.n.key) ?? []).find((r) => r.outcome !== 'duplicate' && r.outcome !== 'rejected');
      if (!row) continue; // reported above
      const where = `${payment.n.key} (${payment.n.kind})`;
      // (An unmapped payment bought nothing to refund: whether its row is marked is not checked.)
      if (!payment.unmapped && Boolean(row.refunded_at) !== payment.refunded) periods.push(`${where}: refunded ${Boolean(row.refunded_at)}, model ${payment.refunded}${payment.refundedFirst ? ' (refunded before it arrived)' : ''}`);
      if (!payment.sub) {
        if (row.period_start || row.period_end || row.subscription_id) periods.push(`${where}: period ${iso(ms(row.period_start))} → ${iso(ms(row.period_end))} for subscription ${row.subscription_id}, model none (${payment.unmapped ? 'unmapped' : 'refunded before it arrived'})`);
        continue;
      }
      figures.receipts += 1;
      const subRow = rowOf.get(payment.sub);
      if (!subRow) continue; // the subscriptions differ: reported above
      if (row.subscription_id !== subRow.id) periods.push(`${where}: paid for subscription ${row.subscription_id}, model ${subRow.id}`);
      if (payment.refunded) continue; // its period is no longer paid time: only the refund is checked
      const [from, to] = times.get(payment.sub).periods.get(payment);
      if (ms(row.period_start) !== from || ms(row.period_end) !== to) periods.push(`${where}: period ${iso(ms(row.period_start))} → ${iso(ms(row.period_end))}, model ${iso(from)} → ${iso(to)}`);
    }
    // E-mails: a receipt per payment that bought time, a welcome per member created.
    const receipts = [...model.payments.values()].filter((p) => p.sub).length;
    const gotReceipts = mailByEmail.get(`${email}:receipt`) ?? 0;
    if (gotReceipts !== receipts) mail.push(`${email}: ${gotReceipts} receipts queued, model ${receipts}`);
    const gotWelcome = mailByEmail.get(`${email}:welcome`) ?? 0;
    if (gotWelcome !== (model.user ? 1 : 0)) mail.push(`${email}: ${gotWelcome} welcome e-mails queued, model ${model.user ? 1 : 0}`);
  });
  const extraUsers = db.users.filter((u) => !emails.includes(u.email));
  if (extraUsers.length) state.push(`${extraUsers.length} users not in the stream`);
  return { state, ledger, periods, mail, figures, outcomes };
};

/** Compares users, subscriptions and roles with the model. */
const compare = ({ histories, emails, db }) => {
  const { state, figures } = evaluate({ histories, emails, db });
  return { diffs: state, figures };
};

/** The ledger (outcomes, then periods) and the e-mails against the model: lists of differences. */
const ledgerCheck = ({ histories, emails, db }) => {
  const { ledger, periods, mail } = evaluate({ histories, emails, db });
  return { ledger, periods, mail };
};

/** Each answer given 200 is the model's for that notification or "already processed". */
const answerCheck = ({ histories, answers, strict }) => {
  const problems = [];
  const got = {};
  for (const h of histories) {
    const model = modelMember(h);
    for (const n of h) {
      const expect = model.expect.get(n);
      const ok200 = (answers.get(n) ?? []).filter((a) => a.status === 200);
      for (const a of ok200) got[a.outcome] = (got[a.outcome] ?? 0) + 1;
      const own = ok200.filter((a) => a.outcome !== 'duplicate');
      const accepted = expect.answers;
      const wanted = accepted[0] === 'duplicate' ? 0 : 1;
      const wrong = own.filter((a) => !accepted.includes(a.outcome));
      // Without faults each notification gets its own answer once; after a refused attempt
      // whose commit made it, the resend is answered "already processed" instead.
      if (wrong.length || own.length > wanted || (strict && own.length !== wanted)) {
        problems.push(`${n.key} (${n.kind}): answers ${ok200.map((a) => a.outcome).join(', ') || 'none'}, model ${accepted.join(' or ')}${wanted ? ' once' : ' never'}`);
      }
    }
  }
  return { problems, got };
};

/**
 * A member's notifications as sent (its own order; copies and replays where they went) with the
 * answers each got: printed for the first differences, since the interleaving and the timing of
 * a run cannot be replayed from the seed alone.
 */
const traceOf = ({ histories, answers, db, problem }) => {
  const n = histories.flat().find((x) => problem.startsWith(x.key) || problem.startsWith(x.email));
  if (!n) return `${problem.slice(0, 80)}: not in the stream`;
  const short = (x) => `${x.c2s_transaction_id.split('-').pop()} ${x.transaction_type}${x.subscription_status ? `+${x.subscription_status}` : ''}${x.kind === 'failed' ? ' Failed' : ''} ${x.product_id}`;
  const lines = histories[n.member].map((x) => `${x.after ? '  (replay) ' : ''}${short(x)} → ${(answers.get(x) ?? []).map((a) => (a.status === 200 ? a.outcome : a.status)).join(', ')}`);
  const rows = (db?.ledger ?? []).filter((r) => r.email === n.email).map((r) => `${r.dedupe_key ? r.dedupe_key.split('-').pop() : '(no key)'} ${r.outcome}`);
  return `${n.email}: sent ${lines.join('; ')} | ledger ${rows.join('; ')}`;
};

/**
 * The model can fail: each deliberately wrong rule, checked against the same database, must give
 * differences (it would otherwise be a rule the checks cannot see).
 */
const WRONG_RULES = ['refund-ends-subscription', 'refund-takes-latest', 'replays-pay', 'pending-dropped'];
const mutationCheck = ({ histories, emails, db }) =>
  WRONG_RULES.map((wrong) => {
    const { state, ledger, periods, mail } = evaluate({ histories, emails, db, rules: { wrong } });
    const all = [...state, ...ledger, ...periods, ...mail];
    return { wrong, differences: all.length, example: all[0] ?? '' };
  });

module.exports = { generate, sendStream, readDatabase, compare, ledgerCheck, evaluate, answerCheck, mutationCheck, traceOf, WRONG_RULES };
