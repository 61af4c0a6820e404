/**
 * A reference model of members' paid time, written from the README ("Lifecycle rules",
 * "Payments and paid time", "Click2Sell", "Roles", "Scheduled work") and NOT from the plugin's
 * code, plus the fast-check generator of Click2Sell / admin / scheduler sequences that both the
 * unit test (the pure domain) and the integration test (the booted plugin over HTTP) replay.
 *
 * The model keeps explicit lists: per subscription the periods bought (from, to, which payment
 * bought them, refunded or not); per acquirer transaction what it did. Everything is in UTC
 * milliseconds; months are counted with Luxon in UTC, clamping to the month's end and keeping
 * the anchor day across renewals (31 Jan → 28/29 Feb → 31 Mar).
 *
 * Where the README leaves a case open, the choice made here is marked "README is silent": those
 * choices follow what the plugin was seen to do, so they are not checks of the README. The
 * differences this model found between the README and the plugin were fixed, in the plugin or in
 * the README's wording; tests/unit/paid-time.model.test.ts keeps each as an example.
 *
 * Not covered: the `queue` stacking mode, unlimited offers, editors' date edits and whole-
 * subscription refunds, unmapped products, roles set by hand.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Settings at their README defaults. */
export const RENEWAL_WINDOW = 48 * HOUR;
export const GRACE = 48 * HOUR;
export const FALLBACK_ROLE = 'authenticated';

// ---------------------------------------------------------------------------------------------
// Offers
// ---------------------------------------------------------------------------------------------

export type OfferKey = 'monthly' | 'weekly';
export interface ModelOffer {
  key: OfferKey;
  title: string;
  productId: string;
  amount: number;
  unit: 'months' | 'days';
  role: string;
  level: number;
}
export const OFFERS: Record<OfferKey, ModelOffer> = {
  monthly: { key: 'monthly', title: 'Model monthly', productId: '7001', amount: 1, unit: 'months', role: 'member', level: 1 },
  weekly: { key: 'weekly', title: 'Model weekly', productId: '7002', amount: 7, unit: 'days', role: 'premium', level: 2 },
};
export const OFFER_KEYS: OfferKey[] = ['monthly', 'weekly'];
export const offerByProduct = (productId: string): ModelOffer | undefined =>
  OFFER_KEYS.map((k) => OFFERS[k]).find((o) => o.productId === productId);

// ---------------------------------------------------------------------------------------------
// Time arithmetic (Luxon, UTC)
// ---------------------------------------------------------------------------------------------

const utc = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' });
export const isoOf = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/**
 * The anchor day a chain of month renewals keeps from `from`: the stored anchor when `from` is on
 * it, or on a month's last day that clamped it (28 Feb for 31); otherwise `from`'s own day (the
 * chain restarted from now after a lapse, or was moved by a refund).
 */
export const anchorFor = (from: number, stored: number | null): number => {
  const d = utc(from);
  if (stored !== null && (d.day === stored || (d.day === d.daysInMonth && stored > d.day))) return stored;
  return d.day;
};

/** `from` + one term of the offer; months clamp and land on the anchor day when the month allows. */
export const addTerm = (from: number, offer: ModelOffer, anchor: number): number => {
  const d = utc(from);
  if (offer.unit === 'days') return d.plus({ days: offer.amount }).toMillis();
  const moved = d.plus({ months: offer.amount });
  return moved.set({ day: Math.min(anchor, moved.daysInMonth as number) }).toMillis();
};

/** The `pick`-th item counted from the end (recent ones are picked most). */
const fromEnd = <T>(items: T[], pick: number): T => items[items.length - 1 - (pick % items.length)];

/** When a subscription stops granting access: its hard end, or never while open-ended. */
const endOf = (s: { endsAt: number | null }) => (s.endsAt === null ? Infinity : s.endsAt);

/** Of several subscriptions, the one paid up to the latest instant (the first of equals). */
const latestPaid = <T extends { dueAt: number }>(subs: T[]): T => subs.reduce((best, x) => (x.dueAt > best.dueAt ? x : best));

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

export interface Variant {
  transactionType: 'Sale' | 'Subscription' | 'Refund';
  subscriptionStatus: '' | 'New' | 'Recurring' | 'Cancel';
  paymentStatus: 'OK' | 'Failed';
}
/** The README's table of what each notification means. */
export type Meaning = 'purchase' | 'rebill' | 'cancel' | 'refund' | 'failed-payment';
export const meaningOfVariant = (v: Variant): Meaning => {
  if (v.paymentStatus === 'Failed') return 'failed-payment';
  if (v.transactionType === 'Refund') return 'refund';
  if (v.transactionType === 'Subscription' && v.subscriptionStatus === 'Recurring') return 'rebill';
  if (v.transactionType === 'Subscription' && v.subscriptionStatus === 'Cancel') return 'cancel';
  return 'purchase'; // Sale, Subscription + New
};
const PAYING: Meaning[] = ['purchase', 'rebill', 'failed-payment'];

export type Nature = 'sale' | 'new' | 'recurring';
export const naturalVariant = (nature: Nature, failed: boolean): Variant => ({
  transactionType: nature === 'sale' ? 'Sale' : 'Subscription',
  subscriptionStatus: nature === 'sale' ? '' : nature === 'new' ? 'New' : 'Recurring',
  paymentStatus: failed ? 'Failed' : 'OK',
});
export const REFUND: Variant = { transactionType: 'Refund', subscriptionStatus: '', paymentStatus: 'OK' };
export const CANCEL: Variant = { transactionType: 'Subscription', subscriptionStatus: 'Cancel', paymentStatus: 'OK' };
/** Every variant a captured notification may be resent as (the README defines each of them). */
export const VARIANTS: Variant[] = [
  naturalVariant('sale', false),
  naturalVariant('new', false),
  naturalVariant('recurring', false),
  naturalVariant('sale', true),
  naturalVariant('new', true),
  naturalVariant('recurring', true),
  CANCEL,
  REFUND,
  { transactionType: 'Refund', subscriptionStatus: 'Cancel', paymentStatus: 'OK' },
];
export const describeVariant = (v: Variant) =>
  `${v.transactionType}${v.subscriptionStatus ? `+${v.subscriptionStatus}` : ''}${v.paymentStatus === 'Failed' ? ' (Failed)' : ''}`;

// ---------------------------------------------------------------------------------------------
// Generated commands (symbolic: resolved against the model when applied, so they shrink well)
// ---------------------------------------------------------------------------------------------

export type Advance =
  | { kind: 'none' }
  | { kind: 'minutes'; n: number }
  | { kind: 'hours'; n: number; minutes: number }
  | { kind: 'days'; n: number; hours: number }
  | { kind: 'weeks'; n: number }
  /** To the last day of this month (or the next one) at `hour`: month ends, 31 Jan, 28/29 Feb. */
  | { kind: 'monthEnd'; hour: number }
  /** To an instant the rules care about (a paid end, a hard end, end + window, paid end + grace), ± offset. */
  | { kind: 'boundary'; pick: number; offset: number };

export type Command =
  /** A new acquirer transaction; its notification is sent now, or held (sent later by `release`). */
  | { kind: 'pay'; member: number; offer: OfferKey; nature: Nature; failed: boolean; hold: boolean }
  | { kind: 'release'; pick: number }
  /** A Refund of any acquirer transaction (sent or still held: then it comes before its payment). */
  | { kind: 'refund'; pick: number; status: '' | 'Cancel' }
  | { kind: 'cancel'; pick: number }
  /** Any earlier notification resent with any type and status, optionally with another product. */
  | { kind: 'replay'; pick: number; variant: number; otherProduct: boolean }
  /** An admin renewal of any member's subscription (counted from the newest). */
  | { kind: 'renew'; pick: number }
  | { kind: 'scheduler' };

export interface Step {
  advance: Advance;
  command: Command;
}
export interface Sequence {
  start: string;
  members: number;
  steps: Step[];
}

/** Concrete actions, as both harnesses perform them. */
export type Action =
  | { kind: 'notify'; member: number; email: string; acquirer: string; c2s: string; productId: string; variant: Variant }
  | { kind: 'renew'; member: number; index: number }
  | { kind: 'scheduler' }
  | { kind: 'skip'; why: string };

export const describeAction = (a: Action): string => {
  switch (a.kind) {
    case 'notify':
      return `notify m${a.member} ${a.acquirer} product ${a.productId} ${describeVariant(a.variant)}`;
    case 'renew':
      return `admin renew m${a.member} subscription #${a.index}`;
    case 'scheduler':
      return 'scheduler run (lifecycle)';
    default:
      return `skip (${a.why})`;
  }
};

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

export type Status = 'pending' | 'active' | 'expired' | 'cancelled' | 'refunded';

export interface ModelPeriod {
  from: number;
  to: number;
  /** The acquirer transaction that bought it; null for an admin renewal. */
  acquirer: string | null;
  refunded: boolean;
  /** When it was bought (the payment's or the renewal's instant). */
  boughtAt: number;
}

export interface ModelSubscription {
  offer: OfferKey;
  startsAt: number;
  dueAt: number;
  endsAt: number | null;
  cancelledAt: number | null;
  refundedAt: number | null;
  /**
   * An open-ended recurring plan (created by a `Subscription` notification, or re-billed): no hard
   * end until cancelled, or until the grace rule ends it.
   */
  recurring: boolean;
  /** The day of the month its month renewals land on. */
  anchor: number;
  periods: ModelPeriod[];
  /**
   * The statuses it may have stored: the README pins the stored status when the subscription
   * changes and when the scheduler runs; in between it may lag (the status at its last change) or
   * have been brought up to date by any other write for the member (the status at that step).
   */
  possibleStatuses: Set<Status>;
}

interface ModelMember {
  email: string;
  exists: boolean;
  subscriptions: ModelSubscription[];
  /** The roles it may have stored: its role at its last change, or at any step since (see possibleStatuses). */
  possibleRoles: Set<string | null>;
}

export interface ModelAcquirer {
  id: string;
  c2s: string;
  member: number;
  offer: OfferKey;
  nature: Nature;
  failed: boolean;
  /** Its own (natural) notification was sent. */
  sent: boolean;
  /** Product of the first accepted notification: the transaction is bound to it. */
  boundProduct: string | null;
  /** Dedupe keys seen: transaction_type + subscription_status. */
  keys: Set<string>;
  /** A paying notification (even a failed one) was processed: any later one is a replay. */
  triedToPay: boolean;
  /** The applied payment: what it bought (null subscription: it bought nothing). */
  payment: { subscription: ModelSubscription | null; period: ModelPeriod | null } | null;
  refundPending: boolean;
  cancelPending: boolean;
  refundApplied: boolean;
  cancelApplied: boolean;
}

export interface ExpectedSubscription {
  offer: OfferKey;
  /** Acceptable stored statuses: the status now, or one it had at its last change or at a step since. */
  statuses: Status[];
  startsAt: number;
  /** Not compared on a refunded subscription (the README only says it ends now). */
  dueAt: number | null;
  dueAtCompared: boolean;
  endsAt: number | null;
  cancelledAt: number | null;
}
export interface ExpectedMember {
  email: string;
  exists: boolean;
  /** Acceptable roles: the role now, or one it had at the member's last change or at a step since. */
  roles: (string | null)[];
  subscriptions: ExpectedSubscription[];
}
export interface ObservedSubscription {
  offer: string;
  status: string;
  startsAt: number;
  dueAt: number | null;
  endsAt: number | null;
  cancelledAt: number | null;
}
export interface ObservedMember {
  exists: boolean;
  role: string | null;
  subscriptions: ObservedSubscription[];
}

export type NotifyOutcome = 'rejected' | 'duplicate' | 'replay' | 'failed-payment' | 'pending' | 'applied' | 'nothing-granted';

export class PaidTimeModel {
  now: number;
  readonly members: ModelMember[];
  readonly acquirers: ModelAcquirer[] = [];
  /** What the last step did, for failure messages. */
  lastNote = '';

  constructor(
    start: number,
    memberCount: number,
    readonly prefix: string
  ) {
    this.now = start;
    this.members = Array.from({ length: memberCount }, (_, i) => ({
      email: `${prefix}-m${i}@example.com`.toLowerCase(),
      exists: false,
      subscriptions: [],
      possibleRoles: new Set([null]),
    }));
  }

  // -- status and role (README: Lifecycle rules, Roles) --------------------------------------

  statusAt(s: ModelSubscription, now = this.now): Status {
    if (s.refundedAt !== null) return 'refunded';
    if (now < s.startsAt) return 'pending';
    if (s.endsAt === null || now < s.endsAt) return 'active';
    return s.cancelledAt !== null ? 'cancelled' : 'expired';
  }

  /** The role of the active subscription whose offer has the highest level (tie: the later end), else the fallback. */
  roleAt(m: ModelMember, now = this.now): string | null {
    if (!m.exists) return null;
    let best: ModelSubscription | null = null;
    for (const s of m.subscriptions) {
      if (this.statusAt(s, now) !== 'active') continue;
      if (!best) {
        best = s;
        continue;
      }
      const [a, b] = [OFFERS[s.offer].level, OFFERS[best.offer].level];
      if (a > b || (a === b && endOf(s) > endOf(best))) best = s;
    }
    return best ? OFFERS[best.offer].role : FALLBACK_ROLE;
  }

  private touch(s: ModelSubscription) {
    s.possibleStatuses = new Set([this.statusAt(s)]);
  }
  private recomputeRole(m: ModelMember) {
    m.possibleRoles = new Set([this.roleAt(m)]);
  }

  // -- time ------------------------------------------------------------------------------------

  /** Interesting instants after now: paid ends, hard ends, end + renewal window, paid end + grace. */
  private boundaries(): number[] {
    const out = new Set<number>();
    for (const m of this.members)
      for (const s of m.subscriptions) {
        if (s.refundedAt !== null) continue;
        out.add(s.dueAt);
        out.add(s.dueAt + GRACE);
        if (s.endsAt !== null) {
          out.add(s.endsAt);
          out.add(s.endsAt + RENEWAL_WINDOW);
        }
      }
    return [...out].filter((t) => t > this.now).sort((a, b) => a - b);
  }

  advance(a: Advance): number {
    let next = this.now;
    switch (a.kind) {
      case 'none':
        break;
      case 'minutes':
        next += a.n * MINUTE;
        break;
      case 'hours':
        next += a.n * HOUR + a.minutes * MINUTE;
        break;
      case 'days':
        next += a.n * DAY + a.hours * HOUR;
        break;
      case 'weeks':
        next += a.n * 7 * DAY;
        break;
      case 'monthEnd': {
        let d = utc(this.now).endOf('month').startOf('day').set({ hour: a.hour });
        if (d.toMillis() <= this.now) d = utc(this.now).plus({ months: 1 }).endOf('month').startOf('day').set({ hour: a.hour });
        next = d.toMillis();
        break;
      }
      case 'boundary': {
        const candidates = this.boundaries();
        if (candidates.length) next = candidates[a.pick % candidates.length] + a.offset;
        if (next <= this.now) next = this.now + HOUR;
        break;
      }
    }
    this.now = next;
    return next;
  }

  // -- commands → actions ------------------------------------------------------------------------

  resolve(c: Command): Action {
    const member = (i: number) => i % this.members.length;
    switch (c.kind) {
      case 'pay': {
        const n = this.acquirers.length;
        const a: ModelAcquirer = {
          id: `${this.prefix}-A${n}`,
          c2s: `${this.prefix}-C${n}`,
          member: member(c.member),
          offer: c.offer,
          nature: c.nature,
          failed: c.failed,
          sent: false,
          boundProduct: null,
          keys: new Set(),
          triedToPay: false,
          payment: null,
          refundPending: false,
          cancelPending: false,
          refundApplied: false,
          cancelApplied: false,
        };
        this.acquirers.push(a);
        if (c.hold) return { kind: 'skip', why: `${a.id} held: its ${describeVariant(naturalVariant(c.nature, c.failed))} comes later` };
        a.sent = true;
        return this.notifyAction(a, naturalVariant(a.nature, a.failed), OFFERS[a.offer].productId);
      }
      case 'release': {
        const held = this.acquirers.filter((a) => !a.sent);
        if (!held.length) return { kind: 'skip', why: 'nothing held' };
        const a = fromEnd(held, c.pick);
        a.sent = true;
        return this.notifyAction(a, naturalVariant(a.nature, a.failed), OFFERS[a.offer].productId);
      }
      case 'refund':
      case 'cancel': {
        if (!this.acquirers.length) return { kind: 'skip', why: `no payment to ${c.kind}` };
        const a = fromEnd(this.acquirers, c.pick);
        const variant = c.kind === 'cancel' ? CANCEL : { ...REFUND, subscriptionStatus: c.status };
        return this.notifyAction(a, variant, OFFERS[a.offer].productId);
      }
      case 'replay': {
        const seen = this.acquirers.filter((a) => a.keys.size > 0);
        if (!seen.length) return { kind: 'skip', why: 'nothing to replay' };
        const a = fromEnd(seen, c.pick);
        const other = OFFER_KEYS.find((k) => k !== a.offer) as OfferKey;
        return this.notifyAction(a, VARIANTS[c.variant % VARIANTS.length], OFFERS[c.otherProduct ? other : a.offer].productId);
      }
      case 'renew': {
        const all = this.members.flatMap((m, i) => m.subscriptions.map((_, index) => ({ member: i, index })));
        if (!all.length) return { kind: 'skip', why: 'no subscription to renew' };
        return { kind: 'renew', ...fromEnd(all, c.pick) };
      }
      case 'scheduler':
        return { kind: 'scheduler' };
    }
  }

  private notifyAction(a: ModelAcquirer, variant: Variant, productId: string): Action {
    return { kind: 'notify', member: a.member, email: this.members[a.member].email, acquirer: a.id, c2s: a.c2s, productId, variant };
  }

  // -- applying actions (README rules) -----------------------------------------------------------

  apply(action: Action): void {
    this.lastNote = '';
    this.perform(action);
    // Whatever was not pinned by this step may have been brought up to date by it.
    for (const m of this.members) {
      m.possibleRoles.add(this.roleAt(m));
      for (const s of m.subscriptions) s.possibleStatuses.add(this.statusAt(s));
    }
  }

  private perform(action: Action): void {
    switch (action.kind) {
      case 'notify':
        this.lastNote = this.notify(action);
        return;
      case 'renew':
        this.lastNote = this.adminRenew(this.members[action.member], action.index);
        return;
      case 'scheduler':
        this.settle();
        this.lastNote = 'settled';
        return;
      default:
        return;
    }
  }

  /** Click2Sell: README "Click2Sell" table and "Payments and paid time". */
  private notify(n: Extract<Action, { kind: 'notify' }>): NotifyOutcome {
    const a = this.acquirers.find((x) => x.id === n.acquirer) as ModelAcquirer;
    const m = this.members[a.member];
    // Only acquirer_transaction_id is signed: the first notification binds the product (403 otherwise).
    if (a.boundProduct !== null && a.boundProduct !== n.productId) return 'rejected';
    // The ledger is unique on c2s_transaction_id + transaction_type + subscription_status: a repeat is "already processed".
    const key = `${n.variant.transactionType}:${n.variant.subscriptionStatus}`;
    if (a.keys.has(key)) return 'duplicate';
    a.keys.add(key);
    a.boundProduct = n.productId;
    const meaning = meaningOfVariant(n.variant);
    const offer = offerByProduct(n.productId) as ModelOffer;

    if (PAYING.includes(meaning)) {
      // One acquirer transaction is at most one payment; a failed one counts as the attempt.
      if (a.triedToPay) return 'replay';
      a.triedToPay = true;
      if (meaning === 'failed-payment') return 'failed-payment';
      if (a.refundPending) {
        // Refunded before it arrived: grants nothing (no subscription, no role, no member).
        a.payment = { subscription: null, period: null };
        a.refundApplied = true;
        if (a.cancelPending) a.cancelApplied = true;
        return 'nothing-granted';
      }
      m.exists = true;
      const recurring = n.variant.transactionType === 'Subscription';
      const { subscription, period } =
        meaning === 'rebill' ? this.rebill(m, offer, a.id) : this.createOrRenew(m, offer, recurring, a.id);
      a.payment = { subscription, period };
      if (a.cancelPending) {
        // A subscription whose cancellation came first is created with cancelledAt set.
        // README is silent on which instant: the cancellation is applied now, with its payment.
        this.cancelSubscription(subscription);
        a.cancelApplied = true;
      }
      this.touch(subscription);
      this.recomputeRole(m);
      return 'applied';
    }

    if (meaning === 'refund') {
      if (!a.payment) {
        a.refundPending = true; // accepted once: a second pending one is "already processed" (no change either way)
        return 'pending';
      }
      if (a.refundApplied) return 'duplicate';
      a.refundApplied = true;
      const { subscription, period } = a.payment;
      if (!subscription || !period) return 'applied'; // bought nothing: recorded, changes nothing
      this.refundPeriod(subscription, period);
      this.touch(subscription);
      this.recomputeRole(m); // "The role is recomputed either way."
      return 'applied';
    }

    // cancel
    if (!a.payment) {
      a.cancelPending = true;
      return 'pending';
    }
    if (a.cancelApplied) return 'duplicate';
    a.cancelApplied = true;
    const { subscription } = a.payment;
    if (!subscription) return 'applied';
    // Already cancelled, or refunded: accepted, nothing changes.
    if (!this.cancelSubscription(subscription)) return 'applied';
    this.touch(subscription);
    this.recomputeRole(m);
    return 'applied';
  }

  /** A new subscription starting now: due = end = start + one term (a recurring one has no hard end). */
  private create(m: ModelMember, offer: ModelOffer, recurring: boolean, acquirer: string | null) {
    const anchor = utc(this.now).day;
    const to = addTerm(this.now, offer, anchor);
    const period: ModelPeriod = { from: this.now, to, acquirer, refunded: false, boughtAt: this.now };
    const s: ModelSubscription = {
      offer: offer.key,
      startsAt: this.now,
      dueAt: to,
      endsAt: recurring ? null : to,
      cancelledAt: null,
      refundedAt: null,
      recurring,
      anchor,
      periods: [period],
      possibleStatuses: new Set<Status>(['active']),
    };
    m.subscriptions.push(s);
    return { subscription: s, period };
  }

  /** Adds one term to `s` from `from`; the hard end follows the paid end unless the plan is open-ended. */
  private extend(s: ModelSubscription, from: number, acquirer: string | null, kind: 'renew' | 'rebill'): ModelPeriod {
    const offer = OFFERS[s.offer];
    if (kind === 'rebill') {
      // A re-bill is a recurring plan's payment: open-ended unless cancelled (README is silent on
      // a re-bill of a Sale's subscription: it becomes a recurring plan).
      s.recurring = true;
    } else if (s.cancelledAt !== null) {
      // README is silent on renewing a cancelled subscription: a renewal reopens it (the
      // cancellation ends; a recurring plan stays stopped: its hard end is now the paid end).
      s.cancelledAt = null;
      s.recurring = false;
    }
    // The anchor day is kept across renewals (README, "Months"); a renewal that counts from now
    // because the paid end had passed starts a new chain on now's day.
    const late = from > s.dueAt;
    s.anchor = late ? utc(from).day : anchorFor(from, s.anchor);
    const to = addTerm(from, offer, s.anchor);
    const period: ModelPeriod = { from, to, acquirer, refunded: false, boughtAt: this.now };
    s.periods.push(period);
    s.dueAt = to;
    // README: "a Subscription stays open-ended until cancelled". README is silent on a payment of the
    // other kind renewing it: whether it is open-ended was decided when it was created.
    s.endsAt = s.recurring && s.cancelledAt === null ? null : to;
    return period;
  }

  /**
   * Create-or-renew: the same offer's subscription that is active, pending, or ended less than the
   * renewal window ago is renewed from the later of its paid end and now; otherwise a new one.
   * A refunded subscription cannot be renewed, so it never qualifies.
   */
  private createOrRenew(m: ModelMember, offer: ModelOffer, recurring: boolean, acquirer: string) {
    const candidates = m.subscriptions.filter((s) => {
      if (s.offer !== offer.key || s.refundedAt !== null) return false;
      const status = this.statusAt(s);
      if (status === 'active' || status === 'pending') return true;
      return s.endsAt !== null && this.now - s.endsAt < RENEWAL_WINDOW;
    });
    if (!candidates.length) return this.create(m, offer, recurring, acquirer);
    // README is silent on several candidates: the one ending last (an open-ended one last of all),
    // then the oldest.
    const s = candidates.reduce((best, x) => (endOf(x) > endOf(best) ? x : best));
    const period = this.extend(s, Math.max(s.dueAt, this.now), acquirer, 'renew');
    return { subscription: s, period };
  }

  /**
   * Re-bill: extend the offer's latest (not refunded) subscription from its current paid end (not
   * from now); reactivate it if the grace rule ended it; a re-bill whose whole period would already
   * be over (more than a period late) starts now instead; without such a subscription, a purchase
   * of a recurring plan (create-or-renew).
   */
  private rebill(m: ModelMember, offer: ModelOffer, acquirer: string) {
    const mine = m.subscriptions.filter((s) => s.offer === offer.key && s.refundedAt === null);
    if (!mine.length) return this.createOrRenew(m, offer, true, acquirer);
    // README is silent on "latest" when the member holds several: the one paid up to the latest
    // instant, then the oldest (as for create-or-renew).
    const latest = latestPaid(mine);
    const wouldEnd = addTerm(latest.dueAt, offer, anchorFor(latest.dueAt, latest.anchor));
    const period = this.extend(latest, wouldEnd <= this.now ? this.now : latest.dueAt, acquirer, 'rebill');
    return { subscription: latest, period };
  }

  /** Cancel: no more renewals; cancelledAt set; access until the paid end, then `cancelled`. */
  private cancelSubscription(s: ModelSubscription): boolean {
    if (s.refundedAt !== null) return false; // README is silent: a refunded subscription stays as it is
    if (s.cancelledAt !== null && s.endsAt === s.dueAt) return false;
    if (s.cancelledAt === null) s.cancelledAt = this.now;
    s.endsAt = s.dueAt;
    return true;
  }

  /**
   * A refund takes back its own period, nothing else: the paid end and the later periods move back
   * by its length, the hard end with them; no paid time left (paid end at or before now, or
   * before the start) → the subscription ends now as refunded (at its start if not started).
   */
  private refundPeriod(s: ModelSubscription, p: ModelPeriod) {
    p.refunded = true;
    if (s.refundedAt !== null) return;
    // README: the later payments move back by P's length, each by what the one before it moved and
    // never to before the instant it was paid; an admin renewal's period (not a payment) moves with
    // the one before it; the paid end moves as much as the last.
    let shift = p.to - p.from;
    const index = s.periods.indexOf(p);
    const endBefore = s.endsAt;
    for (const later of s.periods.slice(index + 1)) {
      if (later.refunded) continue;
      // A period that already starts before it was paid (a late re-bill) does not move.
      const from = later.acquirer === null ? later.from - shift : Math.max(later.from - shift, Math.min(later.from, later.boughtAt));
      shift = later.from - from;
      later.from -= shift;
      later.to -= shift;
    }
    s.dueAt -= shift;
    if (s.endsAt !== null) s.endsAt -= shift;
    if (s.dueAt <= this.now || s.dueAt < s.startsAt) {
      s.refundedAt = this.now;
      // Ends now — at its start if it has not started, at its end if access had already ended.
      const ended = endBefore !== null && endBefore <= this.now;
      s.endsAt = this.now < s.startsAt ? s.startsAt : ended ? endBefore : this.now;
    }
  }

  /** Admin renew: (later of the paid end and now) + one term; a refunded one cannot be renewed. */
  private adminRenew(m: ModelMember, index: number): string {
    const s = m.subscriptions[index];
    if (s.refundedAt !== null) return 'refused: refunded';
    this.extend(s, Math.max(s.dueAt, this.now), null, 'renew');
    this.touch(s);
    this.recomputeRole(m);
    return 'renewed';
  }

  /** The scheduler's lifecycle step: activation, expiry, and grace, for every member. */
  private settle() {
    for (const m of this.members) {
      for (const s of m.subscriptions) {
        if (this.statusAt(s) === 'active' && this.now - s.dueAt > GRACE && (s.endsAt === null || s.endsAt > this.now)) {
          s.endsAt = this.now; // a re-bill that never came
          // The plan has ended: only a re-bill reopens it (README: "reactivate if the grace rule ended
          // it"); README is silent on a Sale or an admin renewal after that: a fixed end.
          s.recurring = false;
        }
        this.touch(s);
      }
      if (m.exists) this.recomputeRole(m);
    }
  }

  // -- what must be observed -------------------------------------------------------------------

  expected(): ExpectedMember[] {
    return this.members.map((m) => ({
      email: m.email,
      exists: m.exists,
      roles: [...new Set([this.roleAt(m), ...m.possibleRoles])],
      subscriptions: m.subscriptions.map((s) => ({
        offer: s.offer,
        statuses: [...new Set([this.statusAt(s), ...s.possibleStatuses])],
        startsAt: s.startsAt,
        dueAt: s.dueAt,
        dueAtCompared: s.refundedAt === null,
        endsAt: s.endsAt,
        cancelledAt: s.cancelledAt,
      })),
    }));
  }

  /** A readable dump of the model (for failure messages). */
  dump(): string {
    return this.members
      .map((m, i) => {
        const subs = m.subscriptions
          .map(
            (s, j) =>
              `    #${j} ${s.offer} ${this.statusAt(s)} start ${isoOf(s.startsAt)} due ${isoOf(s.dueAt)} end ${isoOf(s.endsAt)}` +
              `${s.cancelledAt !== null ? ` cancelled ${isoOf(s.cancelledAt)}` : ''}${s.refundedAt !== null ? ` refunded ${isoOf(s.refundedAt)}` : ''}` +
              ` periods ${s.periods.map((p) => `[${isoOf(p.from)}→${isoOf(p.to)} ${p.acquirer ?? 'admin'}${p.refunded ? ' refunded' : ''}]`).join(' ')}`
          )
          .join('\n');
        return `  m${i} ${m.exists ? `role ${this.roleAt(m)}` : '(no member)'}\n${subs}`;
      })
      .join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

export const compareMember = (label: string, e: ExpectedMember, o: ObservedMember): string[] => {
  const diffs: string[] = [];
  if (e.exists !== o.exists) {
    diffs.push(`${label}: member exists ${o.exists}, model says ${e.exists}`);
    return diffs;
  }
  if (!e.exists) return diffs;
  if (!e.roles.includes(o.role)) diffs.push(`${label}: role ${o.role}, model says ${e.roles.join(' or ')}`);
  if (o.subscriptions.length !== e.subscriptions.length) {
    diffs.push(`${label}: ${o.subscriptions.length} subscriptions, model says ${e.subscriptions.length}`);
  }
  const count = Math.min(o.subscriptions.length, e.subscriptions.length);
  for (let i = 0; i < count; i += 1) {
    const [x, y] = [e.subscriptions[i], o.subscriptions[i]];
    const at = `${label} #${i}`;
    if (y.offer !== x.offer) diffs.push(`${at}: offer ${y.offer}, model says ${x.offer}`);
    if (!(x.statuses as string[]).includes(y.status)) diffs.push(`${at}: status ${y.status}, model says ${x.statuses.join(' or ')}`);
    const dates: [string, number | null, number | null][] = [
      ['startsAt', x.startsAt, y.startsAt],
      ['endsAt', x.endsAt, y.endsAt],
      ['cancelledAt', x.cancelledAt, y.cancelledAt],
    ];
    if (x.dueAtCompared) dates.push(['dueAt', x.dueAt, y.dueAt]);
    for (const [field, want, got] of dates) {
      if (want !== got) diffs.push(`${at}: ${field} ${isoOf(got)}, model says ${isoOf(want)}`);
    }
  }
  return diffs;
};

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/** Starting instants on and around month ends (31 Jan, 29 Feb of a leap year, 30/31 ends), whole seconds. */
export const STARTS = [
  '2031-01-31T10:00:00.000Z',
  '2031-01-30T23:30:00.000Z',
  '2032-02-29T12:00:00.000Z',
  '2031-03-31T00:00:00.000Z',
  '2031-08-31T18:45:00.000Z',
  '2031-05-15T09:00:00.000Z',
  '2031-12-31T23:59:59.000Z',
];

export const advanceArb: fc.Arbitrary<Advance> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Advance>({ kind: 'none' }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('minutes' as const), n: fc.integer({ min: 1, max: 59 }) }) },
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('hours' as const), n: fc.integer({ min: 1, max: 48 }), minutes: fc.integer({ min: 0, max: 59 }) }) },
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('days' as const), n: fc.integer({ min: 1, max: 12 }), hours: fc.integer({ min: 0, max: 23 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('weeks' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('monthEnd' as const), hour: fc.integer({ min: 0, max: 23 }) }) },
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant('boundary' as const),
      pick: fc.nat({ max: 20 }),
      offset: fc.constantFrom(-SECOND, 0, 0, SECOND, MINUTE, -HOUR),
    }),
  }
);

/** Which earlier acquirer transaction a command concerns, counted from the latest: mostly recent ones. */
const pickArb = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.nat({ max: 40 }) });

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      member: fc.nat({ max: 5 }),
      offer: fc.constantFrom<OfferKey>('monthly', 'monthly', 'weekly'),
      nature: fc.constantFrom<Nature>('sale', 'new', 'recurring', 'recurring'),
      failed: fc.constantFrom(false, false, false, false, false, false, true),
      hold: fc.constantFrom(false, false, false, false, false, true),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: pickArb }) },
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: pickArb, status: fc.constantFrom<'' | 'Cancel'>('', '', '', 'Cancel') }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: pickArb }) },
  {
    weight: 14,
    arbitrary: fc.record({
      kind: fc.constant('replay' as const),
      pick: pickArb,
      variant: fc.nat({ max: VARIANTS.length - 1 }),
      otherProduct: fc.constantFrom(false, false, false, false, false, false, false, true),
    }),
  },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('renew' as const), pick: pickArb }) },
  { weight: 14, arbitrary: fc.constant<Command>({ kind: 'scheduler' }) }
);

export const stepArb: fc.Arbitrary<Step> = fc.record({ advance: advanceArb, command: commandArb });

export const sequenceArb = (options: { minSteps: number; maxSteps: number; maxMembers: number }): fc.Arbitrary<Sequence> =>
  fc.record({
    start: fc.constantFrom(...STARTS),
    members: fc.integer({ min: 1, max: options.maxMembers }),
    steps: fc.array(stepArb, { minLength: options.minSteps, maxLength: options.maxSteps, size: 'max' }),
  });

/** Runs a sequence against the model and a system under test, comparing after every step. */
export interface SystemUnderTest {
  perform(action: Action, now: number): Promise<void> | void;
  observe(member: number, email: string): Promise<ObservedMember> | ObservedMember;
}

export const describeTrace = (trace: string[]) => trace.map((line, i) => `  ${String(i + 1).padStart(3)}. ${line}`).join('\n');
