import fc from 'fast-check';
import { decideCreateOrRenew, type HeldSubscription, type CreateOrRenewInput } from '../../server/src/domain/stacking';
import type { Status } from '../../server/src/domain/lifecycle';
import { HOUR_MS, at, plusDays, plusHours, plusMs } from './support';

const NOW = at('2024-06-15T12:00:00.000Z');
const WINDOW = 72;

let nextId = 1;
const held = (
  overrides: Partial<HeldSubscription> & Pick<HeldSubscription, 'offerId'>
): HeldSubscription => {
  const startsAt = overrides.startsAt ?? plusDays(NOW, -10);
  const endsAt = overrides.endsAt === undefined ? plusDays(NOW, 20) : overrides.endsAt;
  return {
    id: nextId++,
    roleId: null,
    status: 'active',
    startsAt,
    dueAt: endsAt,
    endsAt,
    cancelledAt: null,
    anchorDay: null,
    ...overrides,
  };
};

const decide = (input: Partial<CreateOrRenewInput> & Pick<CreateOrRenewInput, 'held' | 'offer'>) =>
  decideCreateOrRenew({ now: NOW, renewalWindowHours: WINDOW, stackingMode: 'parallel', ...input });

const OFFER = { id: 7, roleId: 3 };

describe('decideCreateOrRenew: renewing the same offer', () => {
  it('same offer active → renew it', () => {
    const s = held({ offerId: 7 });
    expect(decide({ held: [held({ offerId: 8 }), s], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: s.id });
  });

  it('matches offer ids across number/string spellings', () => {
    const s = held({ offerId: '7' });
    expect(decide({ held: [s], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: s.id });
  });

  it('same offer pending (queued, not started) → renew it', () => {
    const s = held({ offerId: 7, startsAt: plusDays(NOW, 5), endsAt: plusDays(NOW, 35), status: 'pending' });
    expect(decide({ held: [s], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: s.id });
  });

  it('same offer cancelled but still running → renew it', () => {
    const s = held({ offerId: 7, cancelledAt: plusDays(NOW, -1) });
    expect(decide({ held: [s], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: s.id });
  });

  it('same offer ended within the renewal window → renew it', () => {
    const s = held({ offerId: 7, endsAt: plusMs(plusHours(NOW, -WINDOW), 1), status: 'expired' });
    expect(decide({ held: [s], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: s.id });
    const c = held({ offerId: 7, endsAt: plusHours(NOW, -1), cancelledAt: plusDays(NOW, -5), status: 'cancelled' });
    expect(decide({ held: [c], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: c.id });
  });

  it('the stored status does not matter: the dates decide (stale "expired" row still running → renew)', () => {
    const s = held({ offerId: 7, status: 'expired' });
    expect(decide({ held: [s], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: s.id });
  });

  it('same offer ended exactly the window ago or earlier → a new subscription starting now', () => {
    for (const endsAt of [plusHours(NOW, -WINDOW), plusHours(NOW, -WINDOW - 1), plusDays(NOW, -400)]) {
      const s = held({ offerId: 7, endsAt, status: 'expired' });
      expect(decide({ held: [s], offer: OFFER })).toEqual({ action: 'create', startsAt: NOW, queuedAfter: null });
    }
  });

  it('a window of 0 hours never renews an ended subscription', () => {
    const s = held({ offerId: 7, endsAt: plusMs(NOW, -1), status: 'expired' });
    expect(decide({ held: [s], offer: OFFER, renewalWindowHours: 0 })).toMatchObject({ action: 'create' });
  });

  it('a refunded subscription is never renewed, even when its dates would still run', () => {
    const r1 = held({ offerId: 7, status: 'refunded' });
    const r2 = held({ offerId: 7, status: 'refunded', endsAt: plusHours(NOW, -1) });
    expect(decide({ held: [r1, r2], offer: OFFER })).toEqual({ action: 'create', startsAt: NOW, queuedAfter: null });
  });

  it('several renewable → the one ending last (an open end beats any date)', () => {
    const early = held({ offerId: 7, endsAt: plusDays(NOW, 5) });
    const late = held({ offerId: 7, endsAt: plusDays(NOW, 50) });
    const recent = held({ offerId: 7, endsAt: plusHours(NOW, -2), status: 'expired' });
    expect(decide({ held: [early, late, recent], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: late.id });
    const open = held({ offerId: 7, endsAt: null });
    expect(decide({ held: [early, open, late], offer: OFFER })).toEqual({ action: 'renew', subscriptionId: open.id });
  });

  it('renewing wins over queueing', () => {
    const same = held({ offerId: 7, roleId: 3, endsAt: plusDays(NOW, 5) });
    const other = held({ offerId: 8, roleId: 3, endsAt: plusDays(NOW, 50) });
    expect(decide({ held: [other, same], offer: OFFER, stackingMode: 'queue' })).toEqual({
      action: 'renew',
      subscriptionId: same.id,
    });
  });
});

describe('decideCreateOrRenew: a new subscription', () => {
  it('no subscriptions → create now', () => {
    expect(decide({ held: [], offer: OFFER })).toEqual({ action: 'create', startsAt: NOW, queuedAfter: null });
    expect(decide({ held: [], offer: OFFER, stackingMode: 'queue' })).toEqual({
      action: 'create',
      startsAt: NOW,
      queuedAfter: null,
    });
  });

  it('parallel: another offer active (even the same role) → create starting now', () => {
    const other = held({ offerId: 8, roleId: 3, endsAt: plusDays(NOW, 50) });
    expect(decide({ held: [other], offer: OFFER, stackingMode: 'parallel' })).toEqual({
      action: 'create',
      startsAt: NOW,
      queuedAfter: null,
    });
  });

  it('queue: starts when the latest active or pending subscription granting the same role ends', () => {
    const active = held({ offerId: 8, roleId: 3, endsAt: plusDays(NOW, 10) });
    const pending = held({ offerId: 9, roleId: 3, startsAt: plusDays(NOW, 10), endsAt: plusDays(NOW, 40) });
    const otherRole = held({ offerId: 10, roleId: 4, endsAt: plusDays(NOW, 90) });
    const d = decide({ held: [active, pending, otherRole], offer: OFFER, stackingMode: 'queue' });
    expect(d).toEqual({ action: 'create', startsAt: pending.endsAt, queuedAfter: pending.id });
  });

  it('queue ignores ended, refunded and other-role subscriptions', () => {
    const expired = held({ offerId: 8, roleId: 3, endsAt: plusDays(NOW, -1), status: 'expired' });
    const refunded = held({ offerId: 9, roleId: 3, status: 'refunded', endsAt: plusDays(NOW, 30) });
    const otherRole = held({ offerId: 10, roleId: 4, endsAt: plusDays(NOW, 30) });
    expect(decide({ held: [expired, refunded, otherRole], offer: OFFER, stackingMode: 'queue' })).toEqual({
      action: 'create',
      startsAt: NOW,
      queuedAfter: null,
    });
  });

  it('queue for an offer granting no role → now', () => {
    const other = held({ offerId: 8, roleId: null, endsAt: plusDays(NOW, 50) });
    expect(decide({ held: [other], offer: { id: 7, roleId: null }, stackingMode: 'queue' })).toEqual({
      action: 'create',
      startsAt: NOW,
      queuedAfter: null,
    });
  });

  it('queue behind a cancelled subscription that still runs starts at its end', () => {
    const c = held({ offerId: 8, roleId: 3, cancelledAt: plusDays(NOW, -1), endsAt: plusDays(NOW, 3) });
    expect(decide({ held: [c], offer: OFFER, stackingMode: 'queue' })).toEqual({
      action: 'create',
      startsAt: c.endsAt,
      queuedAfter: c.id,
    });
  });
});

/* ---------- property: the decision agrees with an independent reading of the rules ---------- */

const statuses: Status[] = ['pending', 'active', 'expired', 'cancelled', 'refunded'];
const heldArb = fc
  .record({
    offerId: fc.integer({ min: 1, max: 4 }),
    roleId: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    status: fc.constantFrom(...statuses),
    startOffsetH: fc.integer({ min: -2000, max: 500 }),
    lengthH: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
    cancelled: fc.boolean(),
  })
  .map(({ offerId, roleId, status, startOffsetH, lengthH, cancelled }) => {
    const startsAt = plusHours(NOW, startOffsetH);
    const endsAt = lengthH === null ? null : plusHours(startsAt, lengthH);
    return { offerId, roleId, status, startsAt, endsAt, dueAt: endsAt, cancelledAt: cancelled ? startsAt : null, anchorDay: null };
  });

/** Not refunded, and not yet past its end (pending or active), read straight from the dates. */
const runningOrPending = (s: HeldSubscription): boolean =>
  s.status !== 'refunded' && (s.endsAt === null || s.endsAt.getTime() > NOW.getTime() || s.startsAt.getTime() > NOW.getTime());

describe('decideCreateOrRenew (property)', () => {
  it('renews iff a same-offer, non-refunded subscription is running/pending or ended within the window', () => {
    fc.assert(
      fc.property(
        fc.array(heldArb, { maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
        fc.integer({ min: 0, max: 500 }),
        fc.constantFrom('parallel' as const, 'queue' as const),
        (rows, offerId, roleId, windowH, stackingMode) => {
          const subs: HeldSubscription[] = rows.map((r, i) => ({ ...r, id: `s${i}` }));
          const decision = decideCreateOrRenew({
            held: subs,
            offer: { id: offerId, roleId },
            now: NOW,
            renewalWindowHours: windowH,
            stackingMode,
          });
          const renewable = subs.filter((s) => {
            if (s.offerId !== offerId || s.status === 'refunded') return false;
            const endedRecently = s.endsAt !== null && NOW.getTime() - s.endsAt.getTime() < windowH * HOUR_MS;
            return runningOrPending(s) || endedRecently;
          });
          if (renewable.length > 0) {
            expect(decision.action).toBe('renew');
            if (decision.action !== 'renew') return;
            const chosen = subs.find((s) => s.id === decision.subscriptionId) as HeldSubscription;
            expect(renewable).toContain(chosen);
            const end = (s: HeldSubscription) => (s.endsAt === null ? Infinity : s.endsAt.getTime());
            for (const r of renewable) expect(end(chosen)).toBeGreaterThanOrEqual(end(r));
            return;
          }
          expect(decision.action).toBe('create');
          if (decision.action !== 'create') return;
          if (stackingMode === 'parallel' || roleId === null) {
            expect(decision).toEqual({ action: 'create', startsAt: NOW, queuedAfter: null });
            return;
          }
          // queue: after the latest-ending running/pending same-role subscription
          const sameRole = subs.filter((s) => s.roleId === roleId && runningOrPending(s));
          const finite = sameRole.filter((s) => s.endsAt !== null);
          const anyOpen = sameRole.some((s) => s.endsAt === null);
          if (finite.length === 0 || anyOpen) {
            expect(decision.startsAt.getTime()).toBe(NOW.getTime());
            expect(decision.queuedAfter).toBeNull();
          } else {
            const latest = Math.max(...finite.map((s) => (s.endsAt as Date).getTime()));
            expect(decision.startsAt.getTime()).toBe(Math.max(latest, NOW.getTime()));
            if (latest > NOW.getTime()) {
              const after = subs.find((s) => s.id === decision.queuedAfter) as HeldSubscription;
              expect(after.endsAt?.getTime()).toBe(latest);
            }
          }
          expect(decision.startsAt.getTime()).toBeGreaterThanOrEqual(NOW.getTime());
        }
      ),
      { numRuns: 500 }
    );
  });
});
