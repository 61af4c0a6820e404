import { historyOf, roleHistoryOf, type HistoryCause } from '../../server/src/domain/history';
import { applyToMember, type MemberEvent, type MemberOffer, type MemberState, type MemberSubscription } from '../../server/src/domain/member';
import { at, plusDays } from './support';

const NOW = at('2030-05-10T12:00:00.000Z');
const OFFER: MemberOffer = { id: 7, duration: 1, period: 'months', roleId: 10, level: 1 };
const SETTINGS = { renewalWindowHours: 72, stackingMode: 'parallel' as const, graceHours: 48 };
const ADMIN: HistoryCause = { kind: 'admin', ref: 3, label: 'admin@example.com' };
const NONE = { status: null, startsAt: null, dueAt: null, endsAt: null };

const sub = (overrides: Partial<MemberSubscription> = {}): MemberSubscription => ({
  id: 1,
  offer: OFFER,
  source: 'manual',
  status: 'active',
  startsAt: plusDays(NOW, -10),
  dueAt: plusDays(NOW, 20),
  endsAt: plusDays(NOW, 20),
  cancelledAt: null,
  anchorDay: 30,
  ...overrides,
});

const sideOf = (s: MemberSubscription) => ({ status: s.status, startsAt: s.startsAt, dueAt: s.dueAt, endsAt: s.endsAt });

/** Runs the real domain on one member and returns the history of what it decided. */
const decide = (subscriptions: MemberSubscription[], event: MemberEvent, now = NOW, cause = ADMIN) => {
  const state: MemberState = { subscriptions, payments: [], pending: [] };
  const result = applyToMember(state, event, now, SETTINGS);
  return { result, entries: historyOf(state.subscriptions, result.state.subscriptions, { ...result, event: event.type }, cause) };
};

describe('historyOf', () => {
  it('gives nothing when nothing changed', () => {
    const s = sub();
    expect(historyOf([s], [{ ...s }], { events: [], transitions: [] }, ADMIN)).toEqual([]);
  });

  it('a new subscription is created: nothing before, its dates after, with the cause', () => {
    const { entries, result } = decide([], { type: 'subscribe', offer: OFFER, startsAt: null, source: 'manual' });
    const created = result.state.subscriptions[0];
    expect(entries).toEqual([{ kind: 'created', subscriptionId: created.id, before: NONE, after: sideOf(created), cause: ADMIN }]);
  });

  it('a renewal: the dates before and after', () => {
    const s = sub();
    const { entries, result } = decide([s], { type: 'renew', subscriptionId: 1 });
    expect(entries).toHaveLength(1);
    expect(entries[0].kind).toBe('renewed');
    expect(entries[0].before).toEqual(sideOf(s));
    expect(entries[0].after).toEqual(sideOf(result.state.subscriptions[0]));
    expect(entries[0].after.dueAt!.getTime()).toBeGreaterThan(s.dueAt!.getTime());
  });

  it('a date edit, a cancellation and a refund are named as such', () => {
    expect(decide([sub()], { type: 'edit', subscriptionId: 1, patch: { endsAt: plusDays(NOW, 40) } }).entries.map((e) => e.kind)).toEqual(['dates-edited']);
    expect(decide([sub()], { type: 'cancel', subscriptionId: 1 }).entries.map((e) => e.kind)).toEqual(['cancelled']);
    const refunded = decide([sub()], { type: 'refund', subscriptionId: 1 }).entries;
    expect(refunded.map((e) => [e.kind, e.after.status])).toEqual([['refunded', 'refunded']]);
  });

  it('a deletion: its dates before, nothing after', () => {
    const s = sub();
    const { entries } = decide([s], { type: 'delete', subscriptionId: 1 });
    expect(entries).toEqual([{ kind: 'deleted', subscriptionId: 1, before: sideOf(s), after: NONE, cause: ADMIN }]);
  });

  it('the scheduler: activation, expiry and the end of a grace period, one entry per subscription that moved', () => {
    const scheduler: HistoryCause = { kind: 'scheduler', ref: 'run-1' };
    const pending = sub({ id: 1, status: 'pending', startsAt: plusDays(NOW, -1), dueAt: plusDays(NOW, 29), endsAt: plusDays(NOW, 29) });
    const ended = sub({ id: 2, startsAt: plusDays(NOW, -40), dueAt: plusDays(NOW, -1), endsAt: plusDays(NOW, -1) });
    const recurringUnpaid = sub({ id: 3, startsAt: plusDays(NOW, -40), dueAt: plusDays(NOW, -5), endsAt: null });
    const untouched = sub({ id: 4 });
    const { entries } = decide([pending, ended, recurringUnpaid, untouched], { type: 'settle' }, NOW, scheduler);
    expect(entries.map((e) => [e.subscriptionId, e.kind, e.before.status, e.after.status, e.cause.kind])).toEqual([
      [1, 'activated', 'pending', 'active', 'scheduler'],
      [2, 'expired', 'active', 'expired', 'scheduler'],
      [3, 'grace-ended', 'active', 'expired', 'scheduler'],
    ]);
  });
});

describe('roleHistoryOf', () => {
  it('a member-level entry for a role that changed, nothing otherwise', () => {
    expect(roleHistoryOf({ change: true, roleId: 10, from: 1 }, ADMIN)).toEqual({
      kind: 'role-changed',
      subscriptionId: null,
      before: NONE,
      after: NONE,
      roleBefore: 1,
      roleAfter: 10,
      cause: ADMIN,
    });
    expect(roleHistoryOf({ change: false }, ADMIN)).toBeNull();
  });
});
