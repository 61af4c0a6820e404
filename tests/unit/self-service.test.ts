import {
  checkCheckoutUrl,
  checkMemberCancel,
  decideFreeTake,
  freeTakesOf,
  isCancellableByMember,
  isFree,
  renewUrlOf,
  type OwnSubscription,
} from '../../server/src/domain/self-service';
import { at, plusDays, plusHours } from './support';

const NOW = at('2024-06-15T12:00:00.000Z');
const WINDOW = 48;

const own = (overrides: Partial<OwnSubscription> = {}): OwnSubscription => {
  const endsAt = overrides.endsAt === undefined ? plusDays(NOW, 5) : overrides.endsAt;
  return {
    status: 'active',
    startsAt: plusDays(NOW, -2),
    dueAt: endsAt,
    endsAt,
    cancelledAt: null,
    anchorDay: null,
    offerId: 1,
    source: 'self',
    freeTakes: 1,
    ...overrides,
  };
};

const take = (held: OwnSubscription[], cap: number | null = null) =>
  decideFreeTake({ held, offerId: 1, now: NOW, renewalWindowHours: WINDOW, cap });

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as { field: string; code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('not refused');
};

describe('self-service rules', () => {
  it('an offer is free at price 0 only; no price is not free', () => {
    expect([0, '0', '0.00'].map(isFree)).toEqual([true, true, true]);
    expect([null, undefined, '', 9.9, '0.01'].map(isFree)).toEqual([false, false, false, false, false]);
  });

  it('a first take is number 1; held beyond the renewal window is a conflict giving the end', () => {
    expect(take([])).toBe(1);
    const e = refusal(() => take([own()]));
    expect(e.code).toBe('conflict');
    expect(e.field).toBe('offer');
    expect(e.details.endsAt).toBe(plusDays(NOW, 5).toISOString());
    expect(e.message).toContain(plusDays(NOW, 5).toISOString());
    expect(refusal(() => take([own({ endsAt: null })])).code).toBe('conflict');
  });

  it('within the window (ending soon or just ended) the take is the next number; other offers and refunded ones do not count', () => {
    expect(take([own({ endsAt: plusHours(NOW, 47), freeTakes: 2 })])).toBe(3);
    expect(take([own({ status: 'expired', endsAt: plusHours(NOW, -1), freeTakes: 1 })])).toBe(2);
    expect(take([own({ offerId: 2, freeTakes: 7 })])).toBe(1);
    expect(take([own({ status: 'refunded', freeTakes: 1 })])).toBe(2);
  });

  it('the cap counts takes of the offer, renewals included (the highest number written)', () => {
    const held = [own({ status: 'expired', endsAt: plusDays(NOW, -30), freeTakes: 2 }), own({ status: 'expired', endsAt: plusDays(NOW, -10), freeTakes: 3 })];
    expect(freeTakesOf(held, 1)).toBe(3);
    expect(take(held, 4)).toBe(4);
    const e = refusal(() => take(held, 3));
    expect(e.code).toBe('conflict');
    expect(e.details).toEqual({ freeSubscriptionsPerMember: 3, taken: 3 });
    expect(take(held, null)).toBe(4);
  });

  it('a member cancels what runs and is not billed by Click2Sell', () => {
    expect(isCancellableByMember(own(), NOW)).toBe(true);
    expect(isCancellableByMember(own({ source: 'click2sell' }), NOW)).toBe(false);
    expect(isCancellableByMember(own({ cancelledAt: NOW }), NOW)).toBe(false);
    expect(isCancellableByMember(own({ status: 'expired', endsAt: plusDays(NOW, -1) }), NOW)).toBe(false);
    expect(checkMemberCancel(own(), NOW, null)).toBe(true);
    expect(checkMemberCancel(own({ cancelledAt: NOW }), NOW, null)).toBe(false);
    const c2s = refusal(() => checkMemberCancel(own({ source: 'click2sell' }), NOW, 'https://c2s.test/my'));
    expect(c2s.code).toBe('conflict');
    expect(c2s.message).toContain('https://c2s.test/my');
    expect(c2s.details.providerManageUrl).toBe('https://c2s.test/my');
    expect(refusal(() => checkMemberCancel(own({ status: 'refunded' }), NOW, null)).code).toBe('conflict');
  });

  it('renews at the checkout page, else at the renewal link with the offer filled in', () => {
    expect(renewUrlOf('https://shop.test/buy', 'https://site.test/renew/{offer}', 'abc')).toBe('https://shop.test/buy');
    expect(renewUrlOf(null, 'https://site.test/renew/{offer}', 'abc')).toBe('https://site.test/renew/abc');
    expect(renewUrlOf(null, null, 'abc')).toBeNull();
  });

  it('a checkout link is an https URL or nothing', () => {
    expect(checkCheckoutUrl('https://secure.click2sell.eu/order/1')).toBe('https://secure.click2sell.eu/order/1');
    expect(checkCheckoutUrl('')).toBeNull();
    expect(checkCheckoutUrl(null)).toBeNull();
    for (const bad of ['http://x.test', 'javascript:alert(1)', 'nope', 5, `https://x.test/${'a'.repeat(2048)}`]) {
      expect(refusal(() => checkCheckoutUrl(bad)).field).toBe('checkoutUrl');
    }
  });
});
