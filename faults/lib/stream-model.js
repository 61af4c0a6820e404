'use strict';

const { mulberry32 } = require('./prng');

/**
 * The Click2Sell stream of the fault suite: a generator of members' notification histories and a
 * model of what the database must contain after them. The model is written here from the rules
 * as the README states them, not by calling the plugin's code, so that the two can disagree.
 *
 * Rules modelled (all notifications arrive within minutes, so no subscription reaches its end):
 * - a purchase (`Sale`, or `Subscription` + `New`) renews the member's non-refunded subscription to
 *   the offer (one more period after its paid end; a cancelled one is un-cancelled) or creates one
 *   starting now — open-ended (no hard end) for a `Subscription`;
 * - a re-bill (`Subscription` + `Recurring`) extends that subscription by one period from its paid
 *   end and leaves it open-ended unless cancelled; without one it is a recurring purchase;
 * - a cancellation ends the subscription at its paid end; a refund ends it now (status refunded);
 *   both act on the subscription whose last receipt is the notification's, else the latest one,
 *   and never create a member;
 * - `payment_status=Failed` changes nothing; an unmapped product creates the member only;
 * - the role is the active subscription's offer role with the highest level, else `authenticated`.
 */

const prng = mulberry32;

const OFFERS = {
  1001: { period: 'months', amount: 1, role: 'member', level: 1 },
  1002: { period: 'months', amount: 12, role: 'premium', level: 2 },
  1003: { period: 'days', amount: 3, role: 'member', level: 1 },
};

/**
 * `count` notifications over `members` members: each member gets a history of purchases,
 * re-bills, cancellations, refunds, failed payments and now and then an unmapped product, in a
 * random order of its own; the members are interleaved at random. Each notification may be
 * marked to be sent twice (replayed later) or as two concurrent copies.
 */
const generate = ({ seed, count, members, runId, duplicateRate = 0.1, concurrentRate = 0.05 }) => {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  let receipt = 0;
  const nextReceipt = () => `C2S-${runId}-${(receipt += 1)}`;
  const histories = Array.from({ length: members }, () => []);
  const emails = Array.from({ length: members }, (_v, i) => `member${i}-${runId}@faults.example`);

  // Every member gets at least one notification; the rest are spread at random. A cancellation
  // or refund of a receipt already cancelled or refunded is drawn again: each one is unique.
  const seen = histories.map(() => new Set());
  let made = 0;
  for (let draw = 0; made < count; draw += 1) {
    if (draw > count * 20) throw new Error('could not draw enough unique notifications');
    const m = draw < members ? draw : Math.floor(random() * members);
    const h = histories[m];
    const product = h.product ?? (h.product = pick(['1001', '1001', '1002', '1003']));
    const purchases = h.filter((n) => n.kind === 'purchase' || n.kind === 'rebill');
    const r = random();
    let n;
    if (r < 0.3 || purchases.length === 0) {
      const recurring = random() < 0.5;
      n = recurring
        ? { kind: 'purchase', transaction_type: 'Subscription', subscription_status: 'New' }
        : { kind: 'purchase', transaction_type: 'Sale', subscription_status: '' };
      n.product_id = random() < 0.04 ? '9999' : product; // now and then a product no offer maps
    } else if (r < 0.75) {
      n = { kind: 'rebill', transaction_type: 'Subscription', subscription_status: 'Recurring', product_id: product };
    } else if (r < 0.85) {
      // A cancellation names the receipt of a purchase (its own receipt number, another status).
      n = { kind: 'cancel', transaction_type: 'Subscription', subscription_status: 'Cancel', product_id: product, receiptOf: pick(purchases) };
    } else if (r < 0.93) {
      n = { kind: 'refund', transaction_type: 'Refund', subscription_status: '', product_id: product, receiptOf: pick(purchases) };
    } else {
      n = { kind: 'failed', transaction_type: 'Subscription', subscription_status: 'Recurring', payment_status: 'Failed', product_id: product };
    }
    n.c2s_transaction_id = n.receiptOf ? n.receiptOf.c2s_transaction_id : nextReceipt();
    delete n.receiptOf;
    const key = `${n.c2s_transaction_id}:${n.transaction_type}:${n.subscription_status}`;
    if (seen[m].has(key)) continue;
    seen[m].add(key);
    n.member = m;
    n.email = emails[m];
    n.send = random() < concurrentRate ? 'concurrent' : random() < duplicateRate / (1 - concurrentRate) ? 'twice' : 'once';
    h.push(n);
    made += 1;
  }
  // A member's notifications in a random order of their own.
  for (const h of histories) {
    for (let i = h.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [h[i], h[j]] = [h[j], h[i]];
    }
  }
  return { histories, emails, random };
};

/**
 * Applies a member's notifications, in the order the server applied them, to the model.
 * `n.window` is [first send, last answer] of the notification (ms since epoch): the instant the
 * server read its clock lies in it.
 */
const modelMember = (applied) => {
  const state = { user: false, subs: [] };
  const current = (product) => state.subs.filter((s) => s.product === product && !s.refunded);
  const latestFor = (product, receipt) => {
    const rows = current(product);
    return rows.find((s) => s.lastPurchaseId === receipt) ?? rows[rows.length - 1] ?? null;
  };
  for (const n of applied) {
    if (n.payment_status === 'Failed') continue;
    const mapped = Boolean(OFFERS[n.product_id]);
    if (n.kind === 'cancel' || n.kind === 'refund') {
      if (!state.user || !mapped) continue;
      const target = latestFor(n.product_id, n.c2s_transaction_id);
      if (!target) continue;
      if (n.kind === 'cancel') {
        if (!target.cancelled) {
          target.cancelled = true;
          target.open = false;
        }
      } else {
        target.refunded = true;
        target.refundWindow = n.window;
      }
      continue;
    }
    state.user = true;
    if (!mapped) continue;
    const existing = current(n.product_id)[0];
    if (n.kind === 'rebill' && existing) {
      existing.periods += 1;
      existing.open = !existing.cancelled;
      existing.lastPurchaseId = n.c2s_transaction_id;
    } else if (existing) {
      existing.periods += 1;
      existing.open = existing.open && !existing.cancelled;
      existing.cancelled = false;
      existing.lastPurchaseId = n.c2s_transaction_id;
    } else {
      state.subs.push({
        product: n.product_id,
        periods: 1,
        open: n.transaction_type === 'Subscription',
        cancelled: false,
        refunded: false,
        lastPurchaseId: n.c2s_transaction_id,
        startWindow: n.window,
      });
    }
  }
  const active = state.subs.filter((s) => !s.refunded);
  const best = active.sort((a, b) => OFFERS[b.product].level - OFFERS[a.product].level)[0];
  state.role = state.user ? (best ? OFFERS[best.product].role : 'authenticated') : null;
  return state;
};

module.exports = { prng, generate, modelMember, OFFERS };
