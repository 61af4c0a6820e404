import { DateTime, IANAZone } from 'luxon';

/**
 * Quiet hours: reminders go out only inside a daily sending window of the site's time zone
 * (`start` included, `end` excluded, local wall-clock times "HH:mm"). A window whose start is
 * after its end crosses midnight (22:00–06:00); start equal to end means "any time".
 */
export interface SendingWindow {
  start: string;
  end: string;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether `value` is a wall-clock time "HH:mm" (00:00 to 23:59). */
export const isClockTime = (value: string): boolean => CLOCK.test(value);

/** Minutes since midnight of "HH:mm". */
export const clockMinutes = (value: string): number => {
  const match = CLOCK.exec(value);
  if (!match) throw new RangeError(`"${value}" is not a time of day HH:mm`);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** Local wall-clock minutes since midnight (fractional: seconds count). */
const wallMinutes = (t: DateTime): number => t.hour * 60 + t.minute + t.second / 60 + t.millisecond / 60_000;

const inside = (minutes: number, start: number, end: number): boolean =>
  start === end || (start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end);

/** Whether `instant` falls inside the sending window, read in `zone`. */
export const isInSendingWindow = (instant: Date, zone: string, window: SendingWindow): boolean =>
  inside(wallMinutes(DateTime.fromJSDate(instant, { zone })), clockMinutes(window.start), clockMinutes(window.end));

/**
 * The first instant at which the local clock of day `day` (a DateTime at that local date)
 * reaches `start`: the wall time itself; its first occurrence when the clocks go back over it;
 * and, when the clocks jump over it (a DST gap), the instant of the jump.
 */
const openingOf = (day: DateTime, start: number, zone: string): number => {
  const wanted = { year: day.year, month: day.month, day: day.day, hour: Math.floor(start / 60), minute: start % 60 };
  const guess = DateTime.fromObject(wanted, { zone });
  const before = guess.minus({ hours: 3 });
  const shift = before.offset - guess.offset; // minutes; > 0 when the clocks went back
  if (wallMinutes(guess) === start && guess.day === day.day) {
    if (shift > 0) {
      // Luxon takes the later of two equal wall times: the earlier one is the opening.
      const earlier = guess.minus({ minutes: shift });
      if (earlier.day === guess.day && wallMinutes(earlier) === start) return earlier.toMillis();
    }
    return guess.toMillis();
  }
  // A gap: `start` does not exist that day; Luxon moved it forward by the gap. The clocks jump
  // somewhere in the gap's length before the guess: find that instant (wall time first >= start).
  const gap = Math.max(1, guess.offset - before.offset) * 60_000;
  let low = guess.toMillis() - gap; // wall time still before start
  let high = guess.toMillis(); // wall time past start
  const reached = (ms: number) => {
    const t = DateTime.fromMillis(ms, { zone });
    return t.day === day.day && wallMinutes(t) >= start;
  };
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (reached(mid)) high = mid;
    else low = mid;
  }
  return high;
};

/**
 * When a reminder due at `instant` may be sent: `instant` itself inside the window; otherwise the
 * next opening of the window (the next time the local clock of `zone` reaches `start`). Each
 * local day opens exactly once: on a night the clocks jump over `start` it opens at the jump,
 * on a night they go back over it at its first occurrence (never a skipped or doubled day).
 */
export const nextSendingInstant = (instant: Date, zone: string, window: SendingWindow): Date => {
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`unknown time zone "${zone}"`);
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  const local = DateTime.fromJSDate(instant, { zone });
  if (inside(wallMinutes(local), start, end)) return instant;
  const from = instant.getTime();
  for (let days = 0; days <= 2; days += 1) {
    const opening = openingOf(local.startOf('day').plus({ days }), start, zone);
    if (opening >= from) return new Date(opening);
  }
  // Unreachable (a local day's opening is at most ~27 hours away); kept total.
  return instant;
};
