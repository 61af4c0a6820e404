import {
  STATUSES,
  cancel,
  editDates,
  effectiveEnd,
  endForGrace,
  isActiveAt,
  isPastGrace,
  refund,
  renew,
  statusAt,
  subscribe,
  assertDatesOrdered,
  type OfferTerms,
  type SubscriptionDates,
} from '../../server/src/domain/lifecycle';
import { DomainError } from '../../server/src/domain/errors';
import { DAY_MS, HOUR_MS, at, iso, plusDays, plusHours, plusMs, plusMonthsUTC } from './support';

const monthly: OfferTerms = { duration: 1, period: 'months' };
const thirtyDays: OfferTerms = { duration: 30, period: 'days' };
const twelveHours: OfferTerms = { duration: 12, period: 'hours' };
const unlimited: OfferTerms = { duration: 0, period: 'months' };

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
};

const dates = (overrides: Partial<SubscriptionDates> & Pick<SubscriptionDates, 'startsAt'>): SubscriptionDates => ({
  status: 'active',
  dueAt: null,
  endsAt: null,
  cancelledAt: null,
  anchorDay: null,
  ...overrides,
});

const NOW = at('2024-06-15T12:00:00.000Z');

describe('subscribe', () => {
  it('starts now by default; due = end = start + duration; active', () => {
    const s = subscribe(thirtyDays, NOW);
    expect(s.startsAt.getTime()).toBe(NOW.getTime());
    expect(iso(s.dueAt)).toBe(iso(plusDays(NOW, 30)));
    expect(iso(s.endsAt)).toBe(iso(plusDays(NOW, 30)));
    expect(s.cancelledAt).toBeNull();
    expect(s.status).toBe('active');
  });

  it('a null startsAt option also means now', () => {
    expect(subscribe(twelveHours, NOW, { startsAt: null }).startsAt.getTime()).toBe(NOW.getTime());
    expect(iso(subscribe(twelveHours, NOW, { startsAt: null }).endsAt)).toBe(iso(plusHours(NOW, 12)));
  });

  it('months: end clamps and the start day becomes the anchor', () => {
    const start = at('2024-01-31T08:00:00.000Z');
    const s = subscribe(monthly, start);
    expect(iso(s.endsAt)).toBe('2024-02-29T08:00:00.000Z');
    expect(s.anchorDay).toBe(31);
  });

  it('days and hours carry no anchor', () => {
    expect(subscribe(thirtyDays, NOW).anchorDay).toBeNull();
    expect(subscribe(twelveHours, NOW).anchorDay).toBeNull();
  });

  it('unlimited: due and end are null, active forever, no anchor', () => {
    const s = subscribe(unlimited, NOW);
    expect(s.dueAt).toBeNull();
    expect(s.endsAt).toBeNull();
    expect(s.anchorDay).toBeNull();
    expect(s.status).toBe('active');
    expect(statusAt(s, at('2999-01-01T00:00:00.000Z'))).toBe('active');
  });

  it('a start in the future is pending; dates count from that start', () => {
    const start = plusDays(NOW, 3);
    const s = subscribe(thirtyDays, NOW, { startsAt: start });
    expect(s.status).toBe('pending');
    expect(iso(s.endsAt)).toBe(iso(plusDays(start, 30)));
    expect(subscribe(unlimited, NOW, { startsAt: start }).status).toBe('pending');
  });

  it('a start in the past whose end already passed is expired', () => {
    const start = plusDays(NOW, -31);
    const s = subscribe(thirtyDays, NOW, { startsAt: start });
    expect(s.status).toBe('expired');
    expect(iso(s.endsAt)).toBe(iso(plusDays(start, 30)));
  });

  it('a start in the past whose end is still ahead is active', () => {
    expect(subscribe(thirtyDays, NOW, { startsAt: plusDays(NOW, -29) }).status).toBe('active');
  });

  it('an offer with a bad duration or period is refused, naming the field', () => {
    const bad = thrown(() => subscribe({ duration: -1, period: 'days' }, NOW));
    expect(bad).toBeInstanceOf(DomainError);
    expect((bad as DomainError).field).toBe('duration');
    const badPeriod = thrown(() => subscribe({ duration: 1, period: 'weeks' as never }, NOW));
    expect((badPeriod as DomainError).field).toBe('period');
  });
});

describe('statusAt / isActiveAt / effectiveEnd', () => {
  const start = at('2024-01-01T00:00:00.000Z');
  const end = at('2024-02-01T00:00:00.000Z');
  const base = dates({ startsAt: start, dueAt: end, endsAt: end });

  it('pending before the start, active from the start (inclusive) to the end (exclusive), then expired', () => {
    expect(statusAt(base, plusMs(start, -1))).toBe('pending');
    expect(statusAt(base, start)).toBe('active');
    expect(statusAt(base, plusMs(end, -1))).toBe('active');
    expect(statusAt(base, end)).toBe('expired');
    expect(statusAt(base, plusDays(end, 400))).toBe('expired');
  });

  it('after the end of a cancelled subscription: cancelled', () => {
    const c = { ...base, cancelledAt: plusDays(start, 3) };
    expect(statusAt(c, plusMs(end, -1))).toBe('active');
    expect(statusAt(c, end)).toBe('cancelled');
  });

  it('a refund is final whatever the dates say', () => {
    const r = { ...base, status: 'refunded' as const };
    for (const t of [plusMs(start, -1), start, end]) expect(statusAt(r, t)).toBe('refunded');
  });

  it('the stored status (other than refunded) does not matter: the dates decide', () => {
    for (const status of STATUSES.filter((s) => s !== 'refunded')) {
      expect(statusAt({ ...base, status }, plusDays(start, 1))).toBe('active');
      expect(statusAt({ ...base, status }, end)).toBe('expired');
    }
  });

  it('no end: active forever after the start', () => {
    const open = dates({ startsAt: start });
    expect(statusAt(open, at('2099-12-31T00:00:00.000Z'))).toBe('active');
  });

  it('isActiveAt is statusAt === active', () => {
    expect(isActiveAt(base, start)).toBe(true);
    expect(isActiveAt(base, end)).toBe(false);
    expect(isActiveAt(base, plusMs(start, -1))).toBe(false);
    expect(isActiveAt({ ...base, status: 'refunded' }, start)).toBe(false);
  });

  it('effectiveEnd is the hard end', () => {
    expect(effectiveEnd({ dueAt: end, endsAt: plusDays(end, 2) })?.getTime()).toBe(plusDays(end, 2).getTime());
    expect(effectiveEnd({ dueAt: end, endsAt: null })).toBeNull();
  });
});

describe('renew', () => {
  it('early renewal keeps the remaining time: new end = old end + duration (days)', () => {
    const s = subscribe(thirtyDays, NOW);
    const renewedAt = plusDays(NOW, 10);
    const r = renew(s, thirtyDays, renewedAt);
    expect(iso(r.endsAt)).toBe(iso(plusDays(NOW, 60)));
    expect(iso(r.dueAt)).toBe(iso(plusDays(NOW, 60)));
    expect(r.startsAt.getTime()).toBe(NOW.getTime());
    expect(r.status).toBe('active');
  });

  it('early renewal of hours adds exactly the hours after the current end', () => {
    const s = subscribe(twelveHours, NOW);
    const r = renew(s, twelveHours, plusHours(NOW, 11));
    expect(iso(r.endsAt)).toBe(iso(plusHours(NOW, 24)));
  });

  it('early renewal of months keeps the anchor: 31 Jan → 29 Feb → 31 Mar → 30 Apr → 31 May', () => {
    let s = subscribe(monthly, at('2024-01-31T09:00:00.000Z'));
    const ends = [iso(s.endsAt)];
    for (const when of ['2024-02-20T00:00:00.000Z', '2024-03-30T00:00:00.000Z', '2024-04-01T00:00:00.000Z']) {
      s = renew(s, monthly, at(when));
      ends.push(iso(s.endsAt));
    }
    expect(ends).toEqual([
      '2024-02-29T09:00:00.000Z',
      '2024-03-31T09:00:00.000Z',
      '2024-04-30T09:00:00.000Z',
      '2024-05-31T09:00:00.000Z',
    ]);
    expect(s.anchorDay).toBe(31);
  });

  it('renewing exactly at the end continues the chain (no lapse)', () => {
    const s = subscribe(thirtyDays, NOW);
    const r = renew(s, thirtyDays, s.endsAt as Date);
    expect(iso(r.endsAt)).toBe(iso(plusDays(NOW, 60)));
    // months: the chain (and its anchor) continues, no re-anchoring on the clamped day
    const m = subscribe(monthly, at('2024-01-31T09:00:00.000Z'));
    expect(iso(renew(m, monthly, m.endsAt as Date).endsAt)).toBe('2024-03-31T09:00:00.000Z');
  });

  it('lapsed renewal: new end = now + duration; the unpaid gap is not credited; expired becomes active', () => {
    const s = subscribe(thirtyDays, NOW);
    const later = plusDays(NOW, 45);
    expect(statusAt(s, later)).toBe('expired');
    const r = renew({ ...s, status: 'expired' }, thirtyDays, later);
    expect(iso(r.endsAt)).toBe(iso(plusDays(later, 30)));
    expect(iso(r.dueAt)).toBe(iso(plusDays(later, 30)));
    expect(r.status).toBe('active');
  });

  it('lapsed monthly renewal re-anchors on the renewal day', () => {
    const s = subscribe(monthly, at('2024-01-31T00:00:00.000Z'));
    const later = at('2024-03-15T08:00:00.000Z');
    const r = renew({ ...s, status: 'expired' }, monthly, later);
    expect(iso(r.endsAt)).toBe('2024-04-15T08:00:00.000Z');
    expect(r.anchorDay).toBe(15);
    const again = renew(r, monthly, at('2024-04-01T00:00:00.000Z'));
    expect(iso(again.endsAt)).toBe('2024-05-15T08:00:00.000Z');
  });

  it('a cancelled subscription still running is renewed from its end and un-cancelled', () => {
    const s = subscribe(thirtyDays, NOW);
    const c = cancel(s, plusDays(NOW, 1));
    const r = renew(c, thirtyDays, plusDays(NOW, 2));
    expect(r.cancelledAt).toBeNull();
    expect(iso(r.endsAt)).toBe(iso(plusDays(NOW, 60)));
    expect(r.status).toBe('active');
    expect(statusAt(r, plusDays(NOW, 60))).toBe('expired');
  });

  it('a cancelled subscription that ended is renewed from now and becomes active', () => {
    const s = subscribe(thirtyDays, NOW);
    const c = cancel(s, plusDays(NOW, 1));
    const later = plusDays(NOW, 40);
    expect(statusAt(c, later)).toBe('cancelled');
    const r = renew({ ...c, status: 'cancelled' }, thirtyDays, later);
    expect(r.status).toBe('active');
    expect(r.cancelledAt).toBeNull();
    expect(iso(r.endsAt)).toBe(iso(plusDays(later, 30)));
  });

  it('a pending (future) subscription is extended from its end and stays pending', () => {
    const start = plusDays(NOW, 10);
    const s = subscribe(thirtyDays, NOW, { startsAt: start });
    const r = renew(s, thirtyDays, NOW);
    expect(iso(r.endsAt)).toBe(iso(plusDays(start, 60)));
    expect(r.status).toBe('pending');
    expect(r.startsAt.getTime()).toBe(start.getTime());
  });

  it('an unlimited offer leaves the dates unchanged', () => {
    const s = subscribe(thirtyDays, NOW);
    const r = renew(s, unlimited, plusDays(NOW, 5));
    expect(iso(r.endsAt)).toBe(iso(s.endsAt));
    expect(iso(r.dueAt)).toBe(iso(s.dueAt));
    expect(r.status).toBe('active');
  });

  it('an unlimited subscription stays unlimited', () => {
    const s = subscribe(unlimited, NOW);
    const r = renew(s, monthly, plusDays(NOW, 5));
    expect(r.endsAt).toBeNull();
    expect(r.dueAt).toBeNull();
    expect(r.status).toBe('active');
  });

  it('a refunded subscription cannot be renewed (DomainError on status)', () => {
    const s = refund(subscribe(thirtyDays, NOW), plusDays(NOW, 1));
    const error = thrown(() => renew(s, thirtyDays, plusDays(NOW, 2)));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).field).toBe('status');
    expect((error as DomainError).code).toBe('refunded');
  });

  it('an open-ended recurring subscription (no hard end) stays open-ended: only the due date moves', () => {
    const due = plusDays(NOW, 5);
    const s = dates({ startsAt: plusDays(NOW, -25), dueAt: due, endsAt: null });
    const r = renew(s, thirtyDays, NOW);
    expect(r.endsAt).toBeNull();
    expect(iso(r.dueAt)).toBe(iso(plusDays(due, 30)));
  });

  it('does not mutate its input', () => {
    const s = subscribe(thirtyDays, NOW);
    const snapshot = JSON.stringify(s);
    renew(s, thirtyDays, plusDays(NOW, 3));
    expect(JSON.stringify(s)).toBe(snapshot);
  });

  /*
   * The renewal doc says "new end = (later of the current paid end and now) + duration". The next
   * two tests give month renewals a paid end whose day is not the (stale or fallback) anchor.
   */
  it('months renewal of a subscription without an anchor adds exactly the duration to the paid end', () => {
    // Bought as 30 days on 31 Jan 2024 (no anchor): paid until 1 Mar. The offer is now monthly.
    const s = subscribe(thirtyDays, at('2024-01-31T00:00:00.000Z'));
    expect(iso(s.endsAt)).toBe('2024-03-01T00:00:00.000Z');
    expect(s.anchorDay).toBeNull();
    const r = renew(s, monthly, at('2024-02-15T00:00:00.000Z'));
    expect(iso(r.dueAt)).toBe(iso(plusMonthsUTC(s.dueAt as Date, 1))); // 2024-04-01
  });

  it('months renewal after an editor moved only the due date adds exactly the duration to it', () => {
    // Monthly from 31 Jan (anchor 31). An editor makes it open-ended, next payment due 10 Mar.
    const s = subscribe(monthly, at('2024-01-31T00:00:00.000Z'));
    const edited = editDates(s, { endsAt: null, dueAt: at('2024-03-10T00:00:00.000Z') }, at('2024-02-10T00:00:00.000Z'));
    expect(edited.endsAt).toBeNull();
    const r = renew(edited, monthly, at('2024-03-01T00:00:00.000Z'));
    expect(iso(r.dueAt)).toBe('2024-04-10T00:00:00.000Z');
  });
});

describe('cancel', () => {
  it('sets cancelledAt; the end becomes the paid end; active until then, cancelled after', () => {
    const s = subscribe(thirtyDays, NOW);
    const when = plusDays(NOW, 4);
    const c = cancel(s, when);
    expect(c.cancelledAt?.getTime()).toBe(when.getTime());
    expect(iso(c.endsAt)).toBe(iso(s.dueAt));
    expect(c.status).toBe('active');
    expect(statusAt(c, plusMs(s.dueAt as Date, -1))).toBe('active');
    expect(statusAt(c, s.dueAt as Date)).toBe('cancelled');
  });

  it('an open-ended recurring subscription ends at its due date', () => {
    const due = plusDays(NOW, 7);
    const c = cancel(dates({ startsAt: plusDays(NOW, -23), dueAt: due, endsAt: null }), NOW);
    expect(iso(c.endsAt)).toBe(iso(due));
    expect(c.status).toBe('active');
    expect(statusAt(c, due)).toBe('cancelled');
  });

  it('an unlimited subscription (no paid end) ends now', () => {
    const s = subscribe(unlimited, plusDays(NOW, -100));
    const c = cancel(s, NOW);
    expect(iso(c.endsAt)).toBe(iso(NOW));
    expect(c.status).toBe('cancelled');
    expect(isActiveAt(c, NOW)).toBe(false);
  });

  it('a second cancel keeps the first cancellation date', () => {
    const s = subscribe(thirtyDays, NOW);
    const first = cancel(s, plusDays(NOW, 1));
    const second = cancel(first, plusDays(NOW, 2));
    expect(second.cancelledAt?.getTime()).toBe(plusDays(NOW, 1).getTime());
    expect(iso(second.endsAt)).toBe(iso(first.endsAt));
  });

  it('a refunded subscription cannot be cancelled', () => {
    const s = refund(subscribe(thirtyDays, NOW), plusDays(NOW, 1));
    const error = thrown(() => cancel(s, plusDays(NOW, 2)));
    expect((error as DomainError).field).toBe('status');
  });
});

describe('refund', () => {
  it('status refunded, end = now, grants nothing from now on', () => {
    const s = subscribe(thirtyDays, NOW);
    const when = plusDays(NOW, 3);
    const r = refund(s, when);
    expect(r.status).toBe('refunded');
    expect(iso(r.endsAt)).toBe(iso(when));
    expect(iso(r.dueAt)).toBe(iso(when));
    expect(isActiveAt(r, when)).toBe(false);
    expect(isActiveAt(r, plusDays(NOW, 1))).toBe(false);
  });

  it('a subscription refunded before its start keeps its end not before its start', () => {
    const start = plusDays(NOW, 5);
    const r = refund(subscribe(thirtyDays, NOW, { startsAt: start }), NOW);
    expect(r.status).toBe('refunded');
    expect((r.endsAt as Date).getTime()).toBeGreaterThanOrEqual(start.getTime());
    expect((r.endsAt as Date).getTime()).toBeLessThan(plusDays(start, 30).getTime());
    expect(() => assertDatesOrdered(r)).not.toThrow();
  });

  it('an unlimited subscription refunded ends now', () => {
    const r = refund(subscribe(unlimited, plusDays(NOW, -3)), NOW);
    expect(iso(r.endsAt)).toBe(iso(NOW));
    expect(r.status).toBe('refunded');
  });
});

describe('editDates', () => {
  it('moving the end into the past expires; the due date follows; months re-anchor on the new day', () => {
    const s = subscribe(monthly, at('2024-01-31T00:00:00.000Z'));
    const now = at('2024-02-20T00:00:00.000Z');
    const newEnd = at('2024-02-10T00:00:00.000Z');
    const e = editDates(s, { endsAt: newEnd }, now);
    expect(e.status).toBe('expired');
    expect(iso(e.endsAt)).toBe(iso(newEnd));
    expect(iso(e.dueAt)).toBe(iso(newEnd));
    expect(e.anchorDay).toBe(10);
  });

  it('moving the end of an expired subscription into the future reactivates it', () => {
    const s = { ...subscribe(thirtyDays, plusDays(NOW, -60)), status: 'expired' as const };
    const e = editDates(s, { endsAt: plusDays(NOW, 1) }, NOW);
    expect(e.status).toBe('active');
    expect(e.anchorDay).toBeNull();
  });

  it('moving the start into the future makes it pending', () => {
    const s = subscribe(thirtyDays, NOW);
    expect(editDates(s, { startsAt: plusDays(NOW, 1) }, NOW).status).toBe('pending');
  });

  it('a cancelled subscription whose end is moved into the past becomes cancelled', () => {
    const c = cancel(subscribe(thirtyDays, NOW), plusDays(NOW, 1));
    const e = editDates(c, { endsAt: plusDays(NOW, 2) }, plusDays(NOW, 3));
    expect(e.status).toBe('cancelled');
  });

  it('an end before the start is refused with field endsAt', () => {
    const s = subscribe(thirtyDays, NOW);
    const error = thrown(() => editDates(s, { endsAt: plusMs(NOW, -1) }, NOW));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).field).toBe('endsAt');
    const error2 = thrown(() => editDates(s, { startsAt: plusDays(NOW, 31) }, NOW));
    expect((error2 as DomainError).field).toBe('endsAt');
  });

  it('an end equal to the start is accepted (an empty subscription)', () => {
    const s = subscribe(thirtyDays, NOW);
    expect(editDates(s, { endsAt: NOW }, NOW).status).toBe('expired');
  });

  it('a due date before the start is refused with field dueAt', () => {
    const s = subscribe(thirtyDays, NOW);
    const error = thrown(() => editDates(s, { dueAt: plusMs(NOW, -1) }, NOW));
    expect((error as DomainError).field).toBe('dueAt');
  });

  it('an invalid date is refused naming its field', () => {
    const s = subscribe(thirtyDays, NOW);
    expect((thrown(() => editDates(s, { endsAt: new Date(Number.NaN) }, NOW)) as DomainError).field).toBe('endsAt');
    expect((thrown(() => editDates(s, { startsAt: new Date(Number.NaN) }, NOW)) as DomainError).field).toBe(
      'startsAt'
    );
    expect((thrown(() => editDates(s, { dueAt: new Date(Number.NaN) }, NOW)) as DomainError).field).toBe('dueAt');
  });

  it('an explicit due date wins over the end', () => {
    const s = subscribe(thirtyDays, NOW);
    const e = editDates(s, { endsAt: plusDays(NOW, 40), dueAt: plusDays(NOW, 35) }, NOW);
    expect(iso(e.endsAt)).toBe(iso(plusDays(NOW, 40)));
    expect(iso(e.dueAt)).toBe(iso(plusDays(NOW, 35)));
  });

  it('a due date that differs from the end is not dragged along by the end', () => {
    const s = dates({ startsAt: NOW, dueAt: plusDays(NOW, 10), endsAt: plusDays(NOW, 20) });
    const e = editDates(s, { endsAt: plusDays(NOW, 25) }, NOW);
    expect(iso(e.dueAt)).toBe(iso(plusDays(NOW, 10)));
  });

  it('clearing the end makes it open-ended (active)', () => {
    const s = { ...subscribe(thirtyDays, plusDays(NOW, -60)), status: 'expired' as const };
    const e = editDates(s, { endsAt: null }, NOW);
    expect(e.endsAt).toBeNull();
    expect(e.dueAt).toBeNull();
    expect(e.status).toBe('active');
  });

  it('a refunded subscription stays refunded', () => {
    const r = refund(subscribe(thirtyDays, NOW), plusDays(NOW, 1));
    expect(editDates(r, { endsAt: plusDays(NOW, 50) }, plusDays(NOW, 2)).status).toBe('refunded');
  });

  it('an empty patch only refreshes the status', () => {
    const s = subscribe(thirtyDays, NOW);
    const e = editDates(s, {}, plusDays(NOW, 31));
    expect(e.status).toBe('expired');
    expect(iso(e.endsAt)).toBe(iso(s.endsAt));
  });
});

describe('grace: isPastGrace / endForGrace', () => {
  const due = at('2024-06-01T00:00:00.000Z');
  const openEnded = dates({ startsAt: at('2024-05-01T00:00:00.000Z'), dueAt: due, endsAt: null });

  it('open-ended: past grace only strictly after dueAt + graceHours', () => {
    expect(isPastGrace(openEnded, plusHours(due, 48), 48)).toBe(false);
    expect(isPastGrace(openEnded, plusMs(plusHours(due, 48), 1), 48)).toBe(true);
    expect(isPastGrace(openEnded, plusMs(due, -1), 0)).toBe(false);
    expect(isPastGrace(openEnded, plusMs(due, 1), 0)).toBe(true);
  });

  it('a hard end later than the due date also waits for the grace', () => {
    const s = { ...openEnded, endsAt: plusDays(due, 10) };
    expect(isPastGrace(s, plusHours(due, 23), 24)).toBe(false);
    expect(isPastGrace(s, plusHours(due, 25), 24)).toBe(true);
  });

  it('not when the hard end is the due date (it simply ends), nor without a due date, nor when not active', () => {
    const later = plusDays(due, 30);
    expect(isPastGrace({ ...openEnded, endsAt: due }, later, 1)).toBe(false);
    expect(isPastGrace({ ...openEnded, endsAt: plusDays(due, -1) }, later, 1)).toBe(false);
    expect(isPastGrace({ ...openEnded, dueAt: null }, later, 1)).toBe(false);
    for (const status of ['pending', 'expired', 'cancelled', 'refunded'] as const) {
      expect(isPastGrace({ ...openEnded, status }, later, 1)).toBe(false);
    }
  });

  it('endForGrace ends it now: expired (or cancelled when cancelled)', () => {
    const now = plusDays(due, 5);
    const e = endForGrace(openEnded, now);
    expect(iso(e.endsAt)).toBe(iso(now));
    expect(e.status).toBe('expired');
    expect(isActiveAt(e, now)).toBe(false);
    expect(isActiveAt(e, plusMs(now, -1))).toBe(true);
    expect(endForGrace({ ...openEnded, cancelledAt: due }, now).status).toBe('cancelled');
  });

  it('grace is measured in hours, not days', () => {
    expect(isPastGrace(openEnded, plusMs(due, 2 * HOUR_MS + 1), 2)).toBe(true);
    expect(isPastGrace(openEnded, plusMs(due, DAY_MS), 25)).toBe(false);
  });
});
