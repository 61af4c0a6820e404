/**
 * Model-based property test of the money path in the pure domain: random sequences of Click2Sell
 * notifications (sales, new subscriptions, re-bills, refunds and cancellations of any earlier
 * payment, replays of any earlier notification as any type and status, out-of-order refunds and
 * cancellations, failed payments and their resends), admin renewals and scheduler runs, applied
 * through `classifyNotice` and `applyToMember` with the state kept between events as the write
 * path keeps it, and compared after every step with the README's reference model
 * (tests/model/paid-time-model.ts).
 *
 * The Click2Sell service's own decisions before the reducer (dedupe of identical notifications,
 * the binding of an acquirer id to its product, a refund for a member who does not exist yet) are
 * emulated here only as far as needed to keep the sequence meaningful; the integration test
 * (tests/integration/paid-time.model.test.ts) covers the real service.
 */
import fc from 'fast-check';
import {
  applyToMember,
  classifyNotice,
  isDomainError,
  meaningOf,
  targetRole,
  NEW_PAYMENT,
  type EarlierNotice,
  type Key,
  type Meaning,
  type MemberEvent,
  type MemberOffer,
  type MemberResult,
  type MemberSettings,
  type MemberState,
  type PendingNotice,
} from '../../server/src/domain';
import {
  DAY,
  OFFERS,
  PaidTimeModel,
  compareMember,
  describeAction,
  describeTrace,
  isoOf,
  naturalVariant,
  sequenceArb,
  REFUND,
  CANCEL,
  type Action,
  type ObservedMember,
  type OfferKey,
  type Sequence,
} from '../model/paid-time-model';

const SETTINGS: MemberSettings = { renewalWindowHours: 48, graceHours: 48, stackingMode: 'parallel' };
const ROLE_IDS: Record<string, number> = { authenticated: 1, member: 10, premium: 20 };
const ROLE_NAMES = new Map(Object.entries(ROLE_IDS).map(([name, id]) => [id, name]));
const OFFER_IDS: Record<OfferKey, number> = { monthly: 1, weekly: 2 };
const memberOffer = (key: OfferKey): MemberOffer => ({
  id: OFFER_IDS[key],
  roleId: ROLE_IDS[OFFERS[key].role],
  level: OFFERS[key].level,
  duration: OFFERS[key].amount,
  period: OFFERS[key].unit,
});
const offerByProductId = (productId: string): OfferKey =>
  (Object.keys(OFFERS) as OfferKey[]).find((k) => OFFERS[k].productId === productId) as OfferKey;
const offerKeyById = (id: number | undefined) => (Object.keys(OFFER_IDS) as OfferKey[]).find((k) => OFFER_IDS[k] === id) ?? `offer ${id}`;

/** Ledger outcomes that bind an acquirer transaction (the service's BINDING_OUTCOMES). */
const BINDING = ['applied', 'unmapped', 'failed-payment', 'replay', 'pending', 'duplicate'];

interface LedgerRow extends EarlierNotice {
  id: number;
  key: string | null;
  productId: string;
}

/**
 * The write path, emulated around the pure domain: one member state per member (subscriptions,
 * payments), the payment-event ledger per acquirer id, ids for new subscriptions and payments,
 * and the role recomputed with the domain's role rule after every change.
 */
class DomainWritePath {
  readonly members = new Map<number, { state: MemberState; roleId: number }>();
  readonly ledger = new Map<string, LedgerRow[]>();
  private nextRow = 1;
  private nextSubscription = 1;
  readonly notes: string[] = [];

  private change(member: number, event: MemberEvent, now: Date, pending: PendingNotice[], rowId: number | null): MemberResult | null {
    const m = this.members.get(member);
    if (!m) throw new Error(`test bug: member ${member} does not exist`);
    let result: MemberResult;
    try {
      result = applyToMember({ ...m.state, pending }, event, now, SETTINGS);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.notes.push(`DomainError: ${error.message}`);
      return null; // nothing written
    }
    const ids = new Map<Key, Key>();
    const subscriptions = result.state.subscriptions.map((s) => {
      if (!String(s.id).startsWith('new:')) return s;
      const id = this.nextSubscription++;
      ids.set(s.id, id);
      return { ...s, id };
    });
    const payments = result.state.payments.map((p) => ({
      ...p,
      id: p.id === NEW_PAYMENT ? (rowId ?? -1) : p.id,
      subscriptionId: p.subscriptionId !== null && ids.has(p.subscriptionId) ? (ids.get(p.subscriptionId) as Key) : p.subscriptionId,
    }));
    m.state = { subscriptions, payments, pending: [] };
    m.roleId = targetRole(
      subscriptions.map((s) => ({
        status: s.status,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        cancelledAt: s.cancelledAt,
        roleId: s.offer?.roleId ?? null,
        level: s.offer?.level ?? 0,
      })),
      ROLE_IDS.authenticated,
      now
    );
    this.notes.push(`${result.outcome}: ${result.message}`);
    return result;
  }

  perform(action: Action, now: Date) {
    if (action.kind === 'skip') return;
    if (action.kind === 'scheduler') {
      for (const member of this.members.keys()) this.change(member, { type: 'settle' }, now, [], null);
      return;
    }
    if (action.kind === 'renew') {
      const m = this.members.get(action.member);
      const subscription = m?.state.subscriptions[action.index];
      if (!subscription) throw new Error(`test bug: no subscription #${action.index} of m${action.member}`);
      this.change(action.member, { type: 'renew', subscriptionId: subscription.id }, now, [], null);
      return;
    }
    this.notify(action, now);
  }

  private notify(n: Extract<Action, { kind: 'notify' }>, now: Date) {
    const rows = this.ledger.get(n.acquirer) ?? [];
    this.ledger.set(n.acquirer, rows);
    const earlier = rows.filter((r) => BINDING.includes(r.outcome));
    // The service: a signed acquirer id stays bound to its first transaction's product (403).
    if (earlier[0] && earlier[0].productId !== n.productId) return this.notes.push('rejected: bound elsewhere');
    // The service: the ledger is unique per c2s id + type + status (a repeat is "already processed").
    const key = `${n.c2s}:${n.variant.transactionType}:${n.variant.subscriptionStatus}`;
    if (rows.some((r) => r.key === key)) {
      rows.push({ id: this.nextRow++, key: null, productId: n.productId, meaning: null, outcome: 'duplicate' });
      return this.notes.push('duplicate');
    }
    const meaning: Meaning = meaningOf({
      transaction_type: n.variant.transactionType,
      subscription_status: n.variant.subscriptionStatus,
      payment_status: n.variant.paymentStatus,
    });
    const row: LedgerRow = { id: this.nextRow++, key, productId: n.productId, meaning, outcome: 'applied' };
    rows.push(row);
    const pending: PendingNotice[] = earlier
      .filter((r) => r.outcome === 'pending' && (r.meaning === 'refund' || r.meaning === 'cancel'))
      .map((r) => ({ id: r.id, acquirerId: n.acquirer, kind: r.meaning as 'refund' | 'cancel' }));

    if (classifyNotice(meaning, earlier) === 'replay') {
      row.outcome = 'replay';
      return this.notes.push('replay');
    }
    if (meaning === 'failed-payment') {
      row.outcome = 'failed-payment';
      return this.notes.push('failed-payment');
    }
    if (meaning === 'refund' || meaning === 'cancel') {
      if (!this.members.has(n.member)) {
        row.outcome = 'pending'; // the service: no member yet, the refund or cancel waits for its payment
        return this.notes.push('pending (no member)');
      }
      const result = this.change(
        n.member,
        { type: meaning === 'refund' ? 'refund-payment' : 'cancel-payment', acquirerId: n.acquirer },
        now,
        pending,
        null
      );
      row.outcome = !result ? 'rejected' : result.outcome === 'replay' ? 'duplicate' : result.outcome;
      for (const id of result?.resolved ?? []) rows.filter((r) => r.id === id).forEach((r) => (r.outcome = 'applied'));
      return;
    }
    // A payment.
    if (!this.members.has(n.member) && pending.some((p) => p.kind === 'refund')) {
      // The service: refunded before it arrived, no member is created.
      for (const r of rows) if (r.outcome === 'pending') r.outcome = 'applied';
      return this.notes.push('payment already refunded: nothing granted (no member)');
    }
    if (!this.members.has(n.member)) {
      this.members.set(n.member, { state: { subscriptions: [], payments: [], pending: [] }, roleId: ROLE_IDS.authenticated });
    }
    const result = this.change(
      n.member,
      {
        type: 'payment',
        acquirerId: n.acquirer,
        offer: memberOffer(offerByProductId(n.productId)),
        mode: meaning === 'rebill' ? 'rebill' : 'purchase',
        recurring: n.variant.transactionType === 'Subscription',
        source: 'click2sell',
      },
      now,
      pending,
      row.id
    );
    row.outcome = !result ? 'rejected' : result.outcome === 'replay' ? 'replay' : 'applied';
    for (const id of result?.resolved ?? []) rows.filter((r) => r.id === id).forEach((r) => (r.outcome = 'applied'));
  }

  observe(member: number): ObservedMember {
    const m = this.members.get(member);
    if (!m) return { exists: false, role: null, subscriptions: [] };
    return {
      exists: true,
      role: ROLE_NAMES.get(m.roleId) ?? `role ${m.roleId}`,
      subscriptions: [...m.state.subscriptions]
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((s) => ({
          offer: offerKeyById(s.offer?.id),
          status: s.status,
          startsAt: s.startsAt.getTime(),
          dueAt: s.dueAt ? s.dueAt.getTime() : null,
          endsAt: s.endsAt ? s.endsAt.getTime() : null,
          cancelledAt: s.cancelledAt ? s.cancelledAt.getTime() : null,
        })),
    };
  }

  dump(members: number): string {
    return Array.from({ length: members }, (_, i) => {
      const o = this.observe(i);
      if (!o.exists) return `  m${i} (no member)`;
      const subs = o.subscriptions
        .map((s, j) => `    #${j} ${s.offer} ${s.status} start ${isoOf(s.startsAt)} due ${isoOf(s.dueAt)} end ${isoOf(s.endsAt)}${s.cancelledAt ? ` cancelled ${isoOf(s.cancelledAt)}` : ''}`)
        .join('\n');
      const payments = (this.members.get(i)?.state.payments ?? [])
        .map((p) => `[${p.acquirerId} sub ${p.subscriptionId} ${isoOf(p.periodStart?.getTime())}→${isoOf(p.periodEnd?.getTime())}${p.refundedAt ? ' refunded' : ''}]`)
        .join(' ');
      return `  m${i} role ${o.role}\n${subs}\n    payments ${payments}`;
    }).join('\n');
  }
}

/** Replays a sequence through the model and the domain; throws at the first difference. */
const check = (sequence: Sequence) => {
  const model = new PaidTimeModel(Date.parse(sequence.start), sequence.members, 'u');
  const domain = new DomainWritePath();
  const trace: string[] = [];
  sequence.steps.forEach((step, index) => {
    const now = model.advance(step.advance);
    const action = model.resolve(step.command);
    domain.notes.length = 0;
    domain.perform(action, new Date(now));
    model.apply(action);
    trace.push(`${isoOf(now)} ${describeAction(action)} — model: ${model.lastNote || '-'}; domain: ${domain.notes.join(' / ') || '-'}`);
    if (action.kind === 'skip') return;
    const expected = model.expected();
    const diffs = expected.flatMap((e, i) => compareMember(`m${i}`, e, domain.observe(i)));
    if (diffs.length) {
      throw new Error(
        `after step ${index + 1} at ${isoOf(now)}:\n${diffs.join('\n')}\n\ntrace:\n${describeTrace(trace)}\n\nmodel:\n${model.dump()}\n\ndomain:\n${domain.dump(sequence.members)}`
      );
    }
  });
};

describe('paid time: the pure domain against the README model (property)', () => {
  it('random sequences of payments, refunds, cancellations, replays, renewals and scheduler runs', () => {
    fc.assert(
      fc.property(sequenceArb({ minSteps: 1, maxSteps: 45, maxMembers: 3 }), (sequence) => check(sequence)),
      { numRuns: Number(process.env.PAID_TIME_RUNS ?? 1000), ...(process.env.PAID_TIME_SEED ? { seed: Number(process.env.PAID_TIME_SEED) } : {}) }
    );
  });
});

describe('paid time: the README headline cases', () => {
  const T0 = Date.parse('2031-01-31T10:00:00.000Z');
  const notify = (acquirer: string, variant = naturalVariant('sale', false), offer: OfferKey = 'monthly'): Action => ({
    kind: 'notify',
    member: 0,
    email: 'm0@example.com',
    acquirer,
    c2s: `C-${acquirer}`,
    productId: OFFERS[offer].productId,
    variant,
  });
  const at = (iso: string) => new Date(iso);

  it('pay twice, refund the second: the first month stays, with its role (31 Jan → 28 Feb → 31 Mar)', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), new Date(T0));
    domain.perform(notify('A2'), new Date(T0 + DAY));
    let [sub] = domain.observe(0).subscriptions;
    expect(isoOf(sub.dueAt)).toBe('2031-03-31T10:00:00.000Z');
    domain.perform(notify('A2', REFUND), new Date(T0 + 2 * DAY));
    const after = domain.observe(0);
    [sub] = after.subscriptions;
    expect(after.subscriptions).toHaveLength(1);
    expect(sub.status).toBe('active');
    expect(isoOf(sub.dueAt)).toBe('2031-02-28T10:00:00.000Z');
    expect(isoOf(sub.endsAt)).toBe('2031-02-28T10:00:00.000Z');
    expect(after.role).toBe('member');
    // …and the refund again, as another variant, changes nothing.
    domain.perform(notify('A2', { ...REFUND, subscriptionStatus: 'Cancel' }), new Date(T0 + 3 * DAY));
    expect(isoOf(domain.observe(0).subscriptions[0].dueAt)).toBe('2031-02-28T10:00:00.000Z');
  });

  it('refund the first of two: the later payment moves back by at most the first one\'s length, never to before it was paid', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), new Date(T0)); // 31 Jan → 28 Feb: 28 days
    domain.perform(notify('A2'), new Date(T0 + DAY)); // paid 1 Feb 10:00 for 28 Feb → 31 Mar
    domain.perform(notify('A1', REFUND), at('2031-02-05T00:00:00.000Z'));
    const [sub] = domain.observe(0).subscriptions;
    expect(sub.status).toBe('active');
    // 28 days back would start A2's month on 31 Jan, before it was paid: it starts on 1 Feb 10:00
    // (27 days back), and the paid end is 31 Mar − 27 days.
    expect(isoOf(sub.dueAt)).toBe('2031-03-04T10:00:00.000Z');
    expect(domain.observe(0).role).toBe('member');
  });

  it('the only payment refunded: no paid time is left, the subscription ends now as refunded', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), new Date(T0));
    domain.perform(notify('A1', REFUND), at('2031-02-10T08:00:00.000Z'));
    const after = domain.observe(0);
    expect(after.subscriptions[0].status).toBe('refunded');
    expect(isoOf(after.subscriptions[0].endsAt)).toBe('2031-02-10T08:00:00.000Z');
    expect(after.role).toBe('authenticated');
  });

  it('a refund before its sale: the sale grants nothing; a cancellation before Subscription+New: created cancelled', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1', REFUND), new Date(T0));
    domain.perform(notify('A1'), new Date(T0 + DAY));
    expect(domain.observe(0).exists).toBe(false);
    domain.perform(notify('A2', CANCEL), new Date(T0 + 2 * DAY));
    domain.perform(notify('A2', naturalVariant('new', false)), new Date(T0 + 3 * DAY));
    const after = domain.observe(0);
    expect(after.subscriptions).toHaveLength(1);
    const [sub] = after.subscriptions;
    expect(sub.status).toBe('active');
    expect(sub.cancelledAt).not.toBeNull();
    expect(sub.endsAt).toBe(sub.dueAt);
    expect(after.role).toBe('member');
  });

  it('a captured Sale resent as Recurring, New, or a failed payment resent as OK, pays nothing', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), new Date(T0));
    const due = domain.observe(0).subscriptions[0].dueAt;
    domain.perform(notify('A1', naturalVariant('recurring', false)), new Date(T0 + DAY));
    domain.perform(notify('A1', naturalVariant('new', false)), new Date(T0 + DAY));
    domain.perform(notify('A2', naturalVariant('new', true)), new Date(T0 + DAY));
    domain.perform(notify('A2', naturalVariant('recurring', false)), new Date(T0 + DAY));
    expect(domain.observe(0).subscriptions).toHaveLength(1);
    expect(domain.observe(0).subscriptions[0].dueAt).toBe(due);
  });

  it('the model agrees with these examples', () => {
    const sequence: Sequence = {
      start: '2031-01-31T10:00:00.000Z',
      members: 1,
      steps: [
        { advance: { kind: 'none' }, command: { kind: 'pay', member: 0, offer: 'monthly', nature: 'sale', failed: false, hold: false } },
        { advance: { kind: 'days', n: 1, hours: 0 }, command: { kind: 'pay', member: 0, offer: 'monthly', nature: 'sale', failed: false, hold: false } },
        { advance: { kind: 'days', n: 1, hours: 0 }, command: { kind: 'refund', pick: 0, status: '' } },
        { advance: { kind: 'days', n: 1, hours: 0 }, command: { kind: 'replay', pick: 0, variant: 2, otherProduct: false } },
      ],
    };
    check(sequence);
    const model = new PaidTimeModel(T0, 1, 'x');
    for (const step of sequence.steps) {
      model.advance(step.advance);
      model.apply(model.resolve(step.command));
    }
    const [m] = model.expected();
    expect(m.roles).toEqual(['member']);
    expect(isoOf(m.subscriptions[0].dueAt)).toBe('2031-02-28T10:00:00.000Z');
  });
});

/**
 * The differences between the README and the plugin this model found, each as its smallest
 * sequence: D2 and D1 were settled by the README's wording (the plugin's behaviour was the better
 * rule), D5, D6 and the refund across a lapse by fixing the plugin.
 */
describe('paid time: the differences the model found, settled', () => {
  const notify = (acquirer: string, variant = naturalVariant('sale', false)): Action => ({
    kind: 'notify',
    member: 0,
    email: 'm0@example.com',
    acquirer,
    c2s: `C-${acquirer}`,
    productId: OFFERS.monthly.productId,
    variant,
  });
  const at = (iso: string) => new Date(iso);
  const paymentOf = (domain: DomainWritePath, acquirer: string) =>
    domain.members.get(0)?.state.payments.find((p) => p.acquirerId === acquirer);

  it('D1: the only payment of an ended subscription refunded: refunded, ending where its access had already ended', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), at('2031-01-31T10:00:00.000Z')); // paid until 28 Feb 10:00
    domain.perform(notify('A1', REFUND), at('2031-03-02T10:00:00.000Z'));
    const [sub] = domain.observe(0).subscriptions;
    expect(sub.status).toBe('refunded');
    expect(isoOf(sub.endsAt)).toBe('2031-02-28T10:00:00.000Z');
  });

  it('D2: a renewal one second after the paid end starts a new chain on its own day: 31 Jan → 28 Feb, lapsed → 28 Mar', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), at('2031-01-31T10:00:00.000Z')); // paid until 28 Feb 10:00
    domain.perform(notify('A2'), at('2031-02-28T10:00:01.000Z')); // within the renewal window
    expect(isoOf(domain.observe(0).subscriptions[0].dueAt)).toBe('2031-03-28T10:00:01.000Z');
  });

  it('a refund of a payment does not move a period bought after a lapse: the later payment keeps its month', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), at('2031-01-31T10:00:00.000Z')); // paid until 28 Feb 10:00
    domain.perform(notify('A2'), at('2031-03-01T10:00:00.000Z')); // lapsed a day: 1 Mar → 1 Apr
    domain.perform(notify('A1', REFUND), at('2031-03-05T10:00:00.000Z'));
    const [sub] = domain.observe(0).subscriptions;
    expect(sub.status).toBe('active');
    expect(isoOf(sub.dueAt)).toBe('2031-04-01T10:00:00.000Z');
  });

  it('D5: a refund that leaves no paid time takes back its own payment only; the other payment\'s Refund is still accepted', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), at('2031-01-10T10:00:00.000Z'));
    domain.perform(notify('A2'), at('2031-01-11T10:00:00.000Z')); // stacked: paid until 10 Mar
    domain.perform(notify('A2', REFUND), at('2031-03-20T10:00:00.000Z')); // no paid time left: refunded
    expect(domain.observe(0).subscriptions[0].status).toBe('refunded');
    expect(paymentOf(domain, 'A1')?.refundedAt).toBeNull();
    domain.perform(notify('A1', REFUND), at('2031-03-21T10:00:00.000Z'));
    expect(domain.ledger.get('A1')?.at(-1)?.outcome).toBe('applied');
    expect(paymentOf(domain, 'A1')?.refundedAt?.toISOString()).toBe('2031-03-21T10:00:00.000Z');
  });

  it('D6: the first Cancel of a payment is accepted once, even when its subscription was already cancelled through another payment', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A1'), at('2031-01-10T10:00:00.000Z'));
    domain.perform(notify('A2'), at('2031-01-11T10:00:00.000Z'));
    domain.perform(notify('A2', CANCEL), at('2031-01-12T10:00:00.000Z'));
    domain.perform(notify('A1', CANCEL), at('2031-01-13T10:00:00.000Z'));
    expect(domain.ledger.get('A1')?.at(-1)?.outcome).toBe('applied');
  });

  it('D7: refunds keep the chain\'s anchor day: pay three times from 31 Jan, refund the last two, renew → 31 Mar, not 30 Mar', () => {
    const domain = new DomainWritePath();
    domain.perform(notify('A0'), at('2031-01-31T11:00:00.000Z')); // 31 Jan → 28 Feb
    domain.perform(notify('A1'), at('2031-01-31T12:00:00.000Z')); // 28 Feb → 31 Mar
    domain.perform(notify('A2'), at('2031-02-01T12:00:00.000Z')); // 31 Mar → 30 Apr
    domain.perform(notify('A1', REFUND), at('2031-02-01T13:00:00.000Z')); // A2 moves back to 28 Feb → 30 Mar
    domain.perform(notify('A2', REFUND), at('2031-02-01T14:00:00.000Z')); // paid until 28 Feb again
    expect(isoOf(domain.observe(0).subscriptions[0].dueAt)).toBe('2031-02-28T11:00:00.000Z');
    const [sub] = domain.observe(0).subscriptions;
    domain.perform({ kind: 'renew', member: 0, index: 0 }, at('2031-02-02T14:00:00.000Z'));
    expect(isoOf(domain.observe(0).subscriptions[0].dueAt)).toBe('2031-03-31T11:00:00.000Z');
    expect(sub.status).toBe('active');
  });
});
