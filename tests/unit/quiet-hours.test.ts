/**
 * Quiet hours: when a reminder due at some instant may go out, in the site's zone. Examples on
 * DST nights (Paris, New York, Lord Howe's half-hour shift) and windows crossing midnight, then
 * properties against a brute-force reference that walks the local clock minute by minute.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { clockMinutes, isClockTime, isInSendingWindow, nextSendingInstant, type SendingWindow } from '../../server/src/domain/quiet-hours';
import { at } from './support';

const day: SendingWindow = { start: '08:00', end: '20:00' };
const night: SendingWindow = { start: '22:00', end: '06:00' };
const iso = (d: Date) => d.toISOString();

describe('nextSendingInstant: examples', () => {
  it('keeps an instant inside the window, and moves one outside it to the next opening', () => {
    expect(iso(nextSendingInstant(at('2024-06-10T10:00:00Z'), 'Europe/Paris', day))).toBe('2024-06-10T10:00:00.000Z');
    // 03:00 in Paris (summer, +02:00) → 08:00 the same day.
    expect(iso(nextSendingInstant(at('2024-06-10T01:00:00Z'), 'Europe/Paris', day))).toBe('2024-06-10T06:00:00.000Z');
    // 21:00 in Paris → 08:00 the next day; the end (20:00) itself is outside.
    expect(iso(nextSendingInstant(at('2024-06-10T19:00:00Z'), 'Europe/Paris', day))).toBe('2024-06-11T06:00:00.000Z');
    expect(iso(nextSendingInstant(at('2024-06-10T18:00:00Z'), 'Europe/Paris', day))).toBe('2024-06-11T06:00:00.000Z');
    expect(iso(nextSendingInstant(at('2024-06-10T17:59:59.999Z'), 'Europe/Paris', day))).toBe('2024-06-10T17:59:59.999Z');
  });

  it('opens a window crossing midnight at its start, and keeps instants after midnight inside it', () => {
    expect(iso(nextSendingInstant(at('2024-01-10T23:30:00Z'), 'UTC', night))).toBe('2024-01-10T23:30:00.000Z');
    expect(iso(nextSendingInstant(at('2024-01-10T05:59:00Z'), 'UTC', night))).toBe('2024-01-10T05:59:00.000Z');
    expect(iso(nextSendingInstant(at('2024-01-10T06:00:00Z'), 'UTC', night))).toBe('2024-01-10T22:00:00.000Z');
    expect(iso(nextSendingInstant(at('2024-01-10T12:00:00Z'), 'UTC', night))).toBe('2024-01-10T22:00:00.000Z');
  });

  it('opens at 08:00 local on both DST nights of Paris and New York (the UTC instant moves by an hour)', () => {
    // Paris springs forward on 2024-03-31 (02:00 → 03:00) and falls back on 2024-10-27.
    expect(iso(nextSendingInstant(at('2024-03-31T00:30:00Z'), 'Europe/Paris', day))).toBe('2024-03-31T06:00:00.000Z');
    expect(iso(nextSendingInstant(at('2024-03-30T20:00:00Z'), 'Europe/Paris', day))).toBe('2024-03-31T06:00:00.000Z');
    expect(iso(nextSendingInstant(at('2024-10-26T20:00:00Z'), 'Europe/Paris', day))).toBe('2024-10-27T07:00:00.000Z');
    // New York: 2024-03-10 and 2024-11-03.
    expect(iso(nextSendingInstant(at('2024-03-10T05:00:00Z'), 'America/New_York', day))).toBe('2024-03-10T12:00:00.000Z');
    expect(iso(nextSendingInstant(at('2024-11-03T05:00:00Z'), 'America/New_York', day))).toBe('2024-11-03T13:00:00.000Z');
  });

  it('opens at the jump when the clocks skip over the start, and once when they go back over it', () => {
    const w = { start: '02:30', end: '05:00' };
    // Paris 2024-03-31: 02:30 does not exist; the window opens when the clocks jump (01:00Z = 03:00 CEST).
    expect(iso(nextSendingInstant(at('2024-03-30T23:00:00Z'), 'Europe/Paris', w))).toBe('2024-03-31T01:00:00.000Z');
    // Paris 2024-10-27: 02:30 happens twice; the window opens at the first (00:30Z)…
    expect(iso(nextSendingInstant(at('2024-10-26T22:00:00Z'), 'Europe/Paris', w))).toBe('2024-10-27T00:30:00.000Z');
    // …and a message held after that day's window (05:00 CET) waits for the next day, not a second opening.
    const short = { start: '02:30', end: '02:40' };
    expect(iso(nextSendingInstant(at('2024-10-27T00:45:00Z'), 'Europe/Paris', short))).toBe('2024-10-28T01:30:00.000Z');
  });

  it('handles Lord Howe, whose clocks move by half an hour', () => {
    // 2024-10-06 02:00 (+10:30) → 02:30 (+11): 02:15 does not exist, the window opens at the jump.
    const w = { start: '02:15', end: '06:00' };
    expect(iso(nextSendingInstant(at('2024-10-05T14:00:00Z'), 'Australia/Lord_Howe', w))).toBe('2024-10-05T15:30:00.000Z');
    // 2024-04-07 02:00 (+11) → 01:30 (+10:30): 01:45 happens twice, the first counts.
    const v = { start: '01:45', end: '06:00' };
    expect(iso(nextSendingInstant(at('2024-04-06T13:00:00Z'), 'Australia/Lord_Howe', v))).toBe('2024-04-06T14:45:00.000Z');
    expect(iso(nextSendingInstant(at('2024-04-06T10:00:00Z'), 'Australia/Lord_Howe', day))).toBe('2024-04-06T21:30:00.000Z');
  });

  it('treats start equal to end as "any time", and rejects unknown zones and malformed times', () => {
    expect(iso(nextSendingInstant(at('2024-01-10T03:00:00Z'), 'UTC', { start: '08:00', end: '08:00' }))).toBe('2024-01-10T03:00:00.000Z');
    expect(() => nextSendingInstant(at('2024-01-10T03:00:00Z'), 'Mars/Olympus', day)).toThrow(/time zone/);
    expect(() => nextSendingInstant(at('2024-01-10T03:00:00Z'), 'UTC', { start: '8:00', end: '20:00' })).toThrow(/HH:mm/);
    expect(isClockTime('23:59')).toBe(true);
    expect(isClockTime('24:00')).toBe(false);
    expect(clockMinutes('01:30')).toBe(90);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties against a reference that walks the local clock.

const ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Beirut',
  'America/St_Johns',
  'Asia/Kolkata',
  'Pacific/Chatham',
];

/** DST nights (a few hours either side is where the interesting cases are). */
const DST_NIGHTS = [
  '2024-03-31T01:00:00Z', // Paris spring
  '2024-10-27T01:00:00Z', // Paris autumn
  '2024-03-10T07:00:00Z', // New York spring
  '2024-11-03T06:00:00Z', // New York autumn
  '2024-10-05T15:30:00Z', // Lord Howe spring (half hour)
  '2024-04-06T15:00:00Z', // Lord Howe autumn (half hour)
  '2024-09-08T04:00:00Z', // Santiago spring (midnight)
  '2024-03-30T22:00:00Z', // Beirut spring (midnight)
].map((s) => at(s).getTime());

const instantArb = fc.oneof(
  fc.integer({ min: at('2020-01-01T00:00:00Z').getTime(), max: at('2030-12-31T00:00:00Z').getTime() }),
  fc.tuple(fc.constantFrom(...DST_NIGHTS), fc.integer({ min: -30 * 3_600_000, max: 30 * 3_600_000 })).map(([t, d]) => t + d)
);
const clockArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.oneof(fc.constantFrom(0, 15, 30, 45), fc.integer({ min: 0, max: 59 })))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const windowArb = fc.oneof(
  fc.record({ start: clockArb, end: clockArb }),
  fc.constantFrom(day, night, { start: '02:30', end: '03:30' }, { start: '01:45', end: '02:15' }, { start: '00:00', end: '06:00' })
);

const wall = (ms: number, zone: string) => {
  const t = DateTime.fromMillis(ms, { zone });
  return { date: t.toISODate(), minutes: t.hour * 60 + t.minute + t.second / 60 + t.millisecond / 60_000 };
};

/**
 * The reference: walks whole minutes from a day before `x`; a local date opens the first time
 * its clock shows `start` or later (at most once per date). The answer is `x` when inside the
 * window, else the first opening after `x`.
 */
const reference = (x: number, zone: string, window: SendingWindow): number => {
  if (isInSendingWindow(new Date(x), zone, window)) return x;
  const start = clockMinutes(window.start);
  const opened = new Set<string>();
  let prev = wall(x - 30 * 3_600_000, zone);
  for (let t = Math.ceil((x - 30 * 3_600_000) / 60_000) * 60_000; t < x + 4 * 86_400_000; t += 60_000) {
    const now = wall(t, zone);
    const opens = now.minutes >= start && !opened.has(now.date!) && (now.date !== prev.date || prev.minutes < start || t <= x);
    if (opens) {
      opened.add(now.date!);
      if (t >= x) return t;
    }
    prev = now;
  }
  throw new Error('no opening within four days');
};

describe('nextSendingInstant: properties', () => {
  it('matches the minute-by-minute reference over random instants, zones and windows', () => {
    fc.assert(
      fc.property(instantArb, fc.constantFrom(...ZONES), windowArb, (x, zone, window) => {
        const got = nextSendingInstant(new Date(x), zone, window).getTime();
        expect(new Date(got).toISOString()).toBe(new Date(reference(x, zone, window)).toISOString());
      }),
      { numRuns: 300 }
    );
  });

  it('never sends before the due instant, sends at once inside the window, and within ~27 hours otherwise', () => {
    fc.assert(
      fc.property(instantArb, fc.constantFrom(...ZONES), windowArb, (x, zone, window) => {
        const got = nextSendingInstant(new Date(x), zone, window).getTime();
        expect(got).toBeGreaterThanOrEqual(x);
        expect(got === x).toBe(isInSendingWindow(new Date(x), zone, window));
        expect(got - x).toBeLessThanOrEqual(27 * 3_600_000);
        // Idempotent: the instant it gives is itself a sending instant.
        expect(nextSendingInstant(new Date(got), zone, window).getTime()).toBe(got);
      }),
      { numRuns: 1000 }
    );
  });

  it('opens every local day exactly once, DST nights included (no day skipped, none doubled)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DST_NIGHTS), fc.constantFrom(...ZONES), windowArb, (night, zone, window) => {
        // Chain the openings over five days around the DST night: one per local date, consecutive.
        let t = night - 3 * 86_400_000;
        const dates: string[] = [];
        for (let i = 0; i < 5; i += 1) {
          t = openingAfter(t, zone, window.start);
          dates.push(DateTime.fromMillis(t, { zone }).toISODate()!);
        }
        const all = new Set(dates);
        expect(all.size).toBe(dates.length);
        for (let i = 1; i < dates.length; i += 1) {
          expect(DateTime.fromISO(dates[i]).diff(DateTime.fromISO(dates[i - 1]), 'days').days).toBe(1);
        }
      }),
      { numRuns: 200 }
    );
  });
});

/** The next opening strictly after `t` of a one-minute window at `start` (closed the rest of the day). */
const openingAfter = (t: number, zone: string, start: string): number => {
  const s = clockMinutes(start);
  const e = (s + 1) % 1440;
  const end = `${String(Math.floor(e / 60)).padStart(2, '0')}:${String(e % 60).padStart(2, '0')}`;
  // Step past the current minute-long window so the next call has to find the next day's opening.
  let probe = t + 60_000;
  let next = nextSendingInstant(new Date(probe), zone, { start, end }).getTime();
  while (next === probe) {
    probe += 60_000;
    next = nextSendingInstant(new Date(probe), zone, { start, end }).getTime();
  }
  return next;
};
