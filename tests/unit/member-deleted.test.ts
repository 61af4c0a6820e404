import { applyToMember, endForDeletedMember, type MemberState, type MemberSubscription, type SubscriptionDates } from '../../server/src/domain';

const at = (value: string) => new Date(value);
const SETTINGS = { renewalWindowHours: 48, stackingMode: 'parallel' as const, graceHours: 48 };
const offer = { id: 1, duration: 30, period: 'days' as const, roleId: 5, level: 1 };
const now = at('2030-05-10T12:00:00.000Z');

const dates = (over: Partial<SubscriptionDates>): SubscriptionDates => ({
  status: 'active',
  startsAt: at('2030-05-01T00:00:00.000Z'),
  dueAt: at('2030-05-31T00:00:00.000Z'),
  endsAt: at('2030-05-31T00:00:00.000Z'),
  cancelledAt: null,
  anchorDay: null,
  ...over,
});
const sub = (id: number, over: Partial<SubscriptionDates>): MemberSubscription => ({ ...dates(over), id, offer, source: 'manual' });

describe('a deleted member: endForDeletedMember', () => {
  it('ends a running subscription now as cancelled, with no paid time after now', () => {
    expect(endForDeletedMember(dates({}), now)).toEqual({
      ...dates({}),
      status: 'cancelled',
      cancelledAt: now,
      endsAt: now,
      dueAt: now,
    });
  });

  it('ends a subscription that has not started at its start; keeps an earlier cancellation date', () => {
    const start = at('2030-06-01T00:00:00.000Z');
    const cancelledAt = at('2030-05-02T00:00:00.000Z');
    const next = endForDeletedMember(dates({ status: 'pending', startsAt: start, dueAt: null, endsAt: null, cancelledAt }), now);
    expect(next).toMatchObject({ status: 'cancelled', startsAt: start, endsAt: start, dueAt: start, cancelledAt });
  });

  it('leaves ended subscriptions as they are', () => {
    for (const status of ['expired', 'cancelled', 'refunded'] as const) {
      const ended = dates({ status, endsAt: at('2030-05-05T00:00:00.000Z') });
      expect(endForDeletedMember(ended, now)).toBe(ended);
    }
  });

  it('keeps an end that came before now', () => {
    const end = at('2030-05-09T00:00:00.000Z');
    // Stored active past its end (the scheduler has not run yet): it ends at its own end.
    expect(endForDeletedMember(dates({ endsAt: end, dueAt: end }), now)).toMatchObject({ status: 'cancelled', endsAt: end, dueAt: end });
  });
});

describe("a deleted member: applyToMember 'member-deleted'", () => {
  const state: MemberState = {
    subscriptions: [sub(1, {}), sub(2, { status: 'expired', endsAt: at('2030-04-01T00:00:00.000Z') })],
    payments: [{ id: 9, acquirerId: 'A', subscriptionId: 1, periodStart: null, periodEnd: null, refundedAt: null }],
    pending: [],
  };

  it("'end' cancels what runs, emits `cancelled` for it alone and queues nothing else", () => {
    const result = applyToMember(state, { type: 'member-deleted', mode: 'end' }, now, SETTINGS);
    expect(result.state.subscriptions.map((s) => [s.id, s.status])).toEqual([
      [1, 'cancelled'],
      [2, 'expired'],
    ]);
    expect(result.events).toEqual([{ name: 'cancelled', subscriptionId: 1, previousStatus: 'active' }]);
    expect(result.transitions).toEqual([]);
    expect(result.state.payments).toEqual(state.payments);
  });

  it("'delete' removes every subscription and detaches their payments", () => {
    const result = applyToMember(state, { type: 'member-deleted', mode: 'delete' }, now, SETTINGS);
    expect(result.state.subscriptions).toEqual([]);
    expect(result.state.payments.map((p) => p.subscriptionId)).toEqual([null]);
    expect(result.action).toBe('deleted');
  });
});
