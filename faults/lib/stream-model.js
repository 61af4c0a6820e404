'use strict';

const { mulberry32 } = require('./prng');

/**
 * The Click2Sell stream of the fault suite: a generator of members' notification histories and a
 * model of what the database must contain after them. The model is written here from the rules
 * as the README states them ("Payments and paid time", "Click2Sell", "Lifecycle rules"), not by
 * calling or reading the plugin's code, so that the two can disagree.
 *
 * Rules modelled (all notifications arrive within minutes, so no paid end is ever reached: a
 * subscription is left without paid time only when every payment it had is refunded):
 * - every payment (`Sale`, `Subscription` + `New`, `Subscription` + `Recurring`, OK) is bound to
 *   its acquirer transaction and buys one period of its offer for one subscription;
 * - a purchase (`Sale`, `Subscription` + `New`) renews the member's non-refunded subscription to
 *   the offer (one more period after its paid end; a cancelled one is un-cancelled, its hard end
 *   kept) or creates one starting now — open-ended (no hard end) for a `Subscription`;
 * - a re-bill (`Subscription` + `Recurring`) extends that subscription by one period from its paid
 *   end and leaves it open-ended unless cancelled; without one it creates one (open-ended);
 * - a refund takes back its own payment's period: the subscription's paid end, its hard end and
 *   the periods of its later payments move back by that period's length; when no paid time is
 *   left the subscription ends now as `refunded`;
 * - a cancellation sets `cancelledAt` on the subscription its payment paid for: access until the
 *   paid end, which becomes the hard end;
 * - a refund or cancellation that arrives before its payment is `pending` (nothing changes) and
 *   applied with the payment: a payment refunded first grants nothing (no member, no
 *   subscription, no role, no receipt); one cancelled first is applied, then cancelled;
 * - one acquirer transaction pays once: any later paying notification on it (another type or
 *   status, or a `Failed` one resent as `OK`) is a `replay` and changes nothing; one with the
 *   same receipt, type and status as a recorded notification is a repeat (`duplicate`);
 * - `payment_status=Failed` changes nothing and creates no member; an unmapped product creates
 *   the member only; a refund or cancel of an unmapped payment changes nothing;
 * - each payment that bought time queues one receipt e-mail; each member created, one welcome;
 * - the role is the active subscription's offer role with the highest level, else `authenticated`.
 */

const prng = mulberry32;

const OFFERS = {
  1001: { period: 'months', amount: 1, role: 'member', level: 1 },
  1002: { period: 'months', amount: 12, role: 'premium', level: 2 },
  1003: { period: 'days', amount: 3, role: 'member', level: 1 },
};

const keyOf = (n) => `click2sell:${n.c2s_transaction_id}:${n.transaction_type}:${n.subscription_status}`;
const isPayment = (n) => n.kind === 'purchase' || n.kind === 'rebill';

/** The ways a captured notification is resent on its acquirer transaction as another paying one. */
const REPLAY_VARIANTS = [
  { transaction_type: 'Subscription', subscription_status: 'Recurring' },
  { transaction_type: 'Subscription', subscription_status: 'New' },
  { transaction_type: 'Sale', subscription_status: 'Recurring' },
  { transaction_type: 'Sale', subscription_status: '' },
];

/**
 * `count` unique notifications over `members` members. Each member buys one product, a quarter of
 * them a second one (another role level), and gets a history of purchases, re-bills,
 * cancellations and refunds of any of its payments (not only the latest), failed payments and
 * now and then an unmapped product, in a random order of its own: about half of the refunds and
 * cancellations thus come before their payment. The members are interleaved at random by the
 * sender. Besides, about 7% of the notifications are cross-type replays: a captured payment resent
 * on its acquirer transaction as another paying type (`after` names it; the sender sends it once
 * it has been answered), or a failed payment resent as OK. Each notification may be marked to be
 * sent again later (`twice`) or as two concurrent copies.
 */
const generate = ({ seed, count, members, runId, duplicateRate = 0.1, concurrentRate = 0.05, replayRate = 0.07 }) => {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  let receipt = 0;
  const nextReceipt = () => `C2S-${runId}-${(receipt += 1)}`;
  const histories = Array.from({ length: members }, () => []);
  const emails = Array.from({ length: members }, (_v, i) => `member${i}-${runId}@faults.example`);

  const seen = histories.map(() => new Set());
  let made = 0;
  const add = (m, n) => {
    if (n.of) {
      // Refunds, cancellations and replays name their payment's acquirer transaction, with its
      // receipt, product and buyer (what the acquirer transaction's first notification binds).
      n.c2s_transaction_id = n.of.c2s_transaction_id;
      n.acquirer = n.of.acquirer;
      n.product_id = n.of.product_id;
    } else {
      n.c2s_transaction_id = nextReceipt();
      n.acquirer = `PP-${runId}-${receipt}`;
    }
    n.key = keyOf(n);
    // A failed payment resent as OK with its own type and status is a repeat of it.
    n.repeatOf = n.kind === 'replay' && n.key === n.of.key ? n.of : null;
    if (!n.repeatOf && seen[m].has(n.key)) return;
    seen[m].add(n.key);
    n.member = m;
    n.email = emails[m];
    n.send = random() < concurrentRate ? 'concurrent' : random() < duplicateRate / (1 - concurrentRate) ? 'twice' : 'once';
    histories[m].push(n);
    made += 1;
  };

  // Every member gets at least one notification (a purchase); the rest are spread at random. A
  // cancellation or refund already drawn is drawn again: each key is unique.
  const replays = Math.round(count * replayRate);
  for (let draw = 0; made < count - replays; draw += 1) {
    if (draw > count * 20) throw new Error('could not draw enough unique notifications');
    const m = draw < members ? draw : Math.floor(random() * members);
    const h = histories[m];
    if (!h.products) {
      const first = pick(['1001', '1001', '1002', '1003']);
      h.products = random() < 0.25 ? [first, first === '1002' ? pick(['1001', '1003']) : '1002'] : [first];
    }
    const product = pick(h.products);
    const payments = h.filter(isPayment);
    const r = random();
    if (payments.length === 0 || r < 0.3) {
      const n = random() < 0.5
        ? { kind: 'purchase', transaction_type: 'Subscription', subscription_status: 'New' }
        : { kind: 'purchase', transaction_type: 'Sale', subscription_status: '' };
      n.product_id = random() < 0.05 ? '9999' : product; // now and then a product no offer maps
      add(m, n);
    } else if (r < 0.73) {
      add(m, { kind: 'rebill', transaction_type: 'Subscription', subscription_status: 'Recurring', product_id: product });
    } else if (r < 0.83) {
      add(m, { kind: 'cancel', transaction_type: 'Subscription', subscription_status: 'Cancel', of: pick(payments) });
    } else if (r < 0.93) {
      add(m, { kind: 'refund', transaction_type: 'Refund', subscription_status: '', of: pick(payments) });
    } else {
      add(m, { kind: 'failed', transaction_type: 'Subscription', subscription_status: 'Recurring', payment_status: 'Failed', product_id: product });
    }
  }
  // Then the replays, of any member's notifications: a third of them failed payments resent as
  // OK — as they were (the same receipt, type and status: a repeat of a recorded notification)
  // or as another paying type — the rest captured payments resent as another paying type.
  const others = (of) => REPLAY_VARIANTS.filter((v) => v.transaction_type !== of.transaction_type || v.subscription_status !== of.subscription_status);
  const all = histories.flat();
  const failures = all.filter((n) => n.kind === 'failed');
  const payments = all.filter(isPayment);
  for (let draw = 0; made < count; draw += 1) {
    if (draw > count * 20) throw new Error('could not draw enough unique replays');
    if (failures.length && random() < 1 / 3) {
      const of = pick(failures);
      add(of.member, { kind: 'replay', ...(random() < 0.5 ? { transaction_type: of.transaction_type, subscription_status: of.subscription_status } : pick(others(of))), of, after: of });
    } else {
      const of = pick(payments);
      add(of.member, { kind: 'replay', ...pick(others(of)), of, after: of });
    }
  }
  // A member's notifications in a random order of their own (replays go after what they replay).
  for (const h of histories) {
    for (let i = h.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [h[i], h[j]] = [h[j], h[i]];
    }
  }
  return { histories, emails, random };
};

/**
 * Applies a member's history to the model, in the order the server applied it: the member's own
 * order (its notifications are sent one after the other), each replay after what it replays.
 * `n.window` is [first send, last answer] of the notification (ms since epoch): the instant the
 * server read its clock lies in it.
 *
 * Returns `{ user, subs, payments, expect, role }`: each subscription with the operations that
 * made its paid time (`ops`: a payment bought a period, a refund took one back), and for each
 * notification the answers and final ledger outcomes accepted (`expect`: `{ answers, outcomes }`,
 * the first the model's own; several only where the README names none).
 *
 * `rules` switches on a deliberately wrong rule, to show that the checks can fail:
 * `refund-ends-subscription` (the old rule), `refund-takes-latest` (a refund takes back the
 * latest period, whoever paid it), `replays-pay`, `pending-dropped` (a refund or cancel before its
 * payment is lost).
 */
const expecting = (o) => ({ answers: [o].flat(), outcomes: [o].flat() });

const modelMember = (history, rules = {}) => {
  const state = { user: false, subs: [], payments: new Map(), expect: new Map(), stats: { refundOfLatest: 0, refundOfEarlier: 0, refundPending: 0, refundEnded: 0, cancelInOrder: 0, cancelPending: 0 } };
  const pending = { refund: new Map(), cancel: new Map() };
  const live = (product) => state.subs.filter((s) => s.product === product && !s.refunded);

  const refund = (payment, n) => {
    if (!payment.sub || payment.refunded) return; // bought nothing (unmapped, refunded first)
    const sub = payment.sub;
    const alive = sub.payments.filter((p) => !p.refunded);
    if (rules.wrong === 'refund-ends-subscription') {
      for (const p of alive) p.refunded = true;
    } else if (rules.wrong === 'refund-takes-latest') {
      payment = alive[alive.length - 1];
      payment.refunded = true;
      sub.ops.push({ type: 'refund', payment });
    } else {
      if (alive[alive.length - 1] === payment) state.stats.refundOfLatest += 1;
      else state.stats.refundOfEarlier += 1;
      payment.refunded = true;
      sub.ops.push({ type: 'refund', payment });
    }
    if (sub.payments.every((p) => p.refunded)) {
      sub.refunded = true;
      sub.refundWindow = n.window;
      state.stats.refundEnded += 1;
    }
  };
  const cancel = (payment) => {
    if (!payment.sub) return;
    payment.sub.cancelled = true;
    payment.sub.open = false;
  };
  const pay = (n) => {
    const payment = { n, sub: null, refunded: false, refundedFirst: false, unmapped: !OFFERS[n.product_id] };
    state.payments.set(n.acquirer, payment);
    const refundFirst = pending.refund.get(n.acquirer);
    const cancelFirst = pending.cancel.get(n.acquirer);
    state.expect.set(n, payment.unmapped ? expecting('unmapped') : expecting('applied'));
    // A refund or cancel that waited for this payment is applied with it (of an unmapped
    // product: recorded, changing nothing; the README names no outcome for it).
    for (const first of [refundFirst, cancelFirst]) if (first) state.expect.get(first).outcomes = payment.unmapped ? ['applied', 'unmapped'] : ['applied'];
    if (refundFirst) {
      // Refunded before it arrived: grants nothing, not even a member. (An unmapped one: the
      // README says both "recorded as unmapped" and "grants nothing": either outcome.)
      payment.refunded = true;
      payment.refundedFirst = true;
      state.stats.refundPending += 1;
      if (payment.unmapped) state.expect.set(n, expecting(['unmapped', 'applied']));
      return;
    }
    state.user = true;
    if (!payment.unmapped) {
      const existing = live(n.product_id)[0];
      if (existing) {
        if (n.kind === 'rebill') existing.open = !existing.cancelled;
        else {
          existing.open = existing.open && !existing.cancelled;
          existing.cancelled = false;
        }
        existing.payments.push(payment);
        existing.ops.push({ type: 'pay', payment });
        existing.lastPurchaseId = n.c2s_transaction_id;
        payment.sub = existing;
      } else {
        const sub = {
          product: n.product_id,
          open: n.transaction_type === 'Subscription',
          cancelled: false,
          refunded: false,
          lastPurchaseId: n.c2s_transaction_id,
          startWindow: n.window,
          payments: [payment],
          ops: [{ type: 'pay', payment }],
        };
        state.subs.push(sub);
        payment.sub = sub;
      }
    }
    if (cancelFirst) {
      cancel(payment);
      state.stats.cancelPending += 1;
    }
  };

  const replays = [];
  for (const n of history) {
    if (n.kind === 'replay') {
      replays.push(n);
      continue;
    }
    if (n.kind === 'failed') {
      state.payments.set(n.acquirer, { n, failed: true });
      state.expect.set(n, expecting('failed-payment'));
      continue;
    }
    if (n.kind === 'cancel' || n.kind === 'refund') {
      const payment = state.payments.get(n.acquirer);
      const unmapped = !OFFERS[n.product_id];
      if (!payment) {
        // Before its payment: pending, applied when the payment arrives.
        state.expect.set(n, { answers: unmapped ? ['pending', 'unmapped'] : ['pending'], outcomes: ['pending'] });
        if (rules.wrong !== 'pending-dropped') pending[n.kind].set(n.acquirer, n);
        continue;
      }
      state.expect.set(n, expecting(unmapped ? ['applied', 'unmapped'] : 'applied'));
      if (n.kind === 'refund') refund(payment, n);
      else {
        if (payment.sub) state.stats.cancelInOrder += 1;
        cancel(payment);
      }
      continue;
    }
    pay(n);
  }
  for (const n of replays) {
    if (n.repeatOf) {
      state.expect.set(n, expecting('duplicate'));
    } else if (rules.wrong === 'replays-pay') {
      state.expect.set(n, expecting('applied'));
      pay({ ...n, acquirer: `${n.acquirer}:replay`, kind: n.subscription_status === 'Recurring' ? 'rebill' : 'purchase' });
    } else {
      state.expect.set(n, expecting('replay'));
    }
  }
  const active = state.subs.filter((s) => !s.refunded);
  const best = [...active].sort((a, b) => OFFERS[b.product].level - OFFERS[a.product].level)[0];
  state.role = state.user ? (best ? OFFERS[best.product].role : 'authenticated') : null;
  return state;
};

module.exports = { prng, generate, modelMember, OFFERS, keyOf };
