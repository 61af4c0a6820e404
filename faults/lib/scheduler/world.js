'use strict';

/**
 * The world of faults/processes.js and its model, computed here from the README's rules alone
 * (no plugin code): which subscriptions activate, expire, end by grace, which e-mails go out and
 * which reminders are logged as skipped, and each member's final role.
 *
 * Rules used (README, "Scheduled work and e-mail" and "Lifecycle rules"):
 * - pending → active when its start has come; active → expired (cancelled when cancelledAt is set)
 *   when its end has passed, with an expiry notice e-mailed;
 * - grace: active, paid end (dueAt) more than graceHours past, hard end open or later → ends now
 *   (expired, expiry notice);
 * - a rule's reminder instant is end ∓ amount; it is looked at by the first run at or after it (or,
 *   on the very first run, if it lies in the 24 hours before); "before" reminders whose end has
 *   passed by then are skipped (logged, not sent); instants before the start never send anything;
 *   refunded subscriptions get nothing;
 * - role: the role of the active subscription whose offer has the highest level (tie: later end),
 *   else the fallback (`authenticated`); recomputed on every change.
 * The generator keeps every instant that matters at least MARGIN away from the edges where a
 * model could not say what happens (the end of the timeline, the first run's look-back limit) and
 * a member's two subscriptions' changes apart, so the model is exact whatever the run interleaving.
 */
const { MINUTE, HOUR, DAY } = require('./common');

const MARGIN = HOUR;
const LOOKBACK = 24 * HOUR; // README: "the first run looks back 24 hours"

const OFFERS = [
  { key: 'A', title: 'Day pass', duration: 1, period: 'days', role: 'basic', level: 1, rules: [{ key: 'A-b2h', amount: 2, period: 'hours', when: 'before' }, { key: 'A-a1h', amount: 1, period: 'hours', when: 'after' }] },
  { key: 'B', title: 'Six-hour pass', duration: 6, period: 'hours', role: 'basic', level: 1, rules: [{ key: 'B-b1h', amount: 1, period: 'hours', when: 'before' }] },
  { key: 'C', title: 'Weekly plus', duration: 7, period: 'days', role: 'plus', level: 2, rules: [{ key: 'C-b1d', amount: 1, period: 'days', when: 'before' }, { key: 'C-a3h', amount: 3, period: 'hours', when: 'after' }] },
  // Open-ended recurring (Click2Sell "Subscription"): no hard end until cancelled; ended by grace.
  { key: 'D', title: 'Recurring plus', duration: 2, period: 'days', role: 'plus', level: 2, rules: [{ key: 'D-b2d', amount: 2, period: 'days', when: 'before' }, { key: 'D-a2h', amount: 2, period: 'hours', when: 'after' }] },
  { key: 'E', title: 'Twelve hours, no role', duration: 12, period: 'hours', role: null, level: 0, rules: [{ key: 'E-a1h', amount: 1, period: 'hours', when: 'after' }] },
  {
    key: 'F',
    // As long as an offer title may be (255 characters): the subjects built from it are longer.
    title: `Long title ${'étude-'.repeat(60)}`.slice(0, 255),
    duration: 10,
    period: 'hours',
    role: 'basic',
    level: 1,
    rules: [{ key: 'F-b3h', amount: 3, period: 'hours', when: 'before' }],
  },
  // A 3-hour pass with a "6 hours before" rule: the instant is before the start, nothing is sent.
  { key: 'G', title: 'Three-hour pass', duration: 3, period: 'hours', role: 'basic', level: 1, rules: [{ key: 'G-b6h', amount: 6, period: 'hours', when: 'before' }] },
];
const OFFER = Object.fromEntries(OFFERS.map((o) => [o.key, o]));
const UNIT = { hours: HOUR, days: DAY };
const durationMs = (o) => o.duration * UNIT[o.period];
const ruleMs = (r) => r.amount * UNIT[r.period];

/**
 * Generates the world: members with one or two subscriptions of varied patterns.
 * `rand` is a () → [0, 1) generator; T0/Tend the first and last run instants (ms); graceMs.
 */
const generate = ({ members: count, rand, T0, Tend, graceMs, step, jitter }) => {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const between = (a, b) => Math.round(a + rand() * (b - a));
  const members = [];
  const subscriptions = [];
  const patterns = [
    ['ends', 25],
    ['pending', 15],
    ['recurring', 15],
    ['two', 15],
    ['backlog', 10],
    ['refunded', 5],
    ['idle', 15],
  ];
  const totalWeight = patterns.reduce((s, [, w]) => s + w, 0);
  const patternOf = () => {
    let x = rand() * totalWeight;
    for (const [name, w] of patterns) if ((x -= w) < 0) return name;
    return 'idle';
  };
  const sub = (offer, fields) => ({ offer, cancelledAt: null, ...fields });
  const active = (offerKey, end, cancelled) => {
    const o = OFFER[offerKey];
    return sub(offerKey, { status: 'active', startsAt: end - durationMs(o), dueAt: end, endsAt: end, cancelledAt: cancelled ? end - durationMs(o) + HOUR : null });
  };
  const candidates = {
    ends: () => [active(pick(['A', 'B', 'C', 'E', 'F']), between(T0 + 2 * HOUR, Tend + 6 * HOUR), rand() < 0.2)],
    pending: () => {
      const o = OFFER[pick(['A', 'B', 'E', 'F', 'G'])];
      const start = between(T0 - 2 * HOUR, Tend - HOUR);
      return [sub(o.key, { status: 'pending', startsAt: start, dueAt: start + durationMs(o), endsAt: start + durationMs(o) })];
    },
    recurring: () => {
      const due = between(T0 - 12 * HOUR, Tend + 12 * HOUR);
      if (rand() < 0.2) return [sub('D', { status: 'active', startsAt: T0 - 10 * DAY, dueAt: due, endsAt: due, cancelledAt: T0 - DAY })];
      return [sub('D', { status: 'active', startsAt: T0 - 10 * DAY, dueAt: due, endsAt: null })];
    },
    two: () => {
      const o = OFFER[pick(['A', 'B', 'F'])];
      const start = between(T0 + HOUR, Tend - 2 * HOUR);
      return [
        active('C', between(T0 + 2 * HOUR, Tend + DAY), false),
        sub(o.key, { status: 'pending', startsAt: start, dueAt: start + durationMs(o), endsAt: start + durationMs(o) }),
      ];
    },
    backlog: () => [active('A', between(T0 - 20 * HOUR, T0 - HOUR), false)],
    refunded: () => {
      const s = active(pick(['A', 'C']), between(T0 + 2 * HOUR, Tend - 2 * HOUR), false);
      return [{ ...s, status: 'refunded' }];
    },
    idle: () =>
      rand() < 0.5
        ? [{ ...active('C', T0 - 5 * DAY, false), status: 'expired' }]
        : [active('C', between(Tend + 5 * DAY, Tend + 6 * DAY), false)],
  };
  for (let i = 0; i < count; i += 1) {
    const pattern = patternOf();
    let subs = null;
    for (let attempt = 0; attempt < 200 && !subs; attempt += 1) {
      const candidate = candidates[pattern]();
      if (candidate.every((s) => unambiguous(s, { T0, Tend, graceMs, step, jitter })) && apart(candidate, { T0, Tend, graceMs, step, jitter })) subs = candidate;
    }
    if (!subs) throw new Error(`could not generate an unambiguous "${pattern}" member`);
    const email = `p${i}@processes.faults.test`;
    members.push({ email, pattern });
    for (const s of subs) subscriptions.push({ ...s, member: i });
  }
  return { members, subscriptions };
};

/** What happens to one subscription over the timeline [T0, Tend] (see the rules above). */
const fate = (s, { T0, Tend, graceMs, step, jitter }) => {
  const o = OFFER[s.offer];
  const out = { activated: false, ended: null, endAt: null, graceEnded: false, finalStatus: s.status, reminderEnd: s.endsAt, reminders: [], skipped: [], expiryNotice: false, endUncertainMs: 0 };
  if (s.status === 'refunded') return out;
  let status = s.status;
  if (status === 'pending' && s.startsAt <= Tend) {
    status = 'active';
    out.activated = true;
  }
  if (status === 'active') {
    if (s.endsAt !== null && s.endsAt <= Tend) {
      status = s.cancelledAt ? 'cancelled' : 'expired';
      out.endAt = Math.max(s.endsAt, T0);
    } else if (s.endsAt === null && s.dueAt !== null && s.dueAt + graceMs < Tend) {
      // Ended by the first run more than graceMs after dueAt: somewhere in (due + grace, due + grace + step + jitter].
      status = 'expired';
      out.graceEnded = true;
      out.endAt = Math.max(s.dueAt + graceMs, T0);
      out.endUncertainMs = step + jitter;
      out.reminderEnd = out.endAt;
    }
    if (status !== 'active') {
      out.ended = status;
      out.expiryNotice = true;
    }
  }
  out.finalStatus = status;
  // Reminders: one per rule whose instant is looked at within the timeline.
  const end = out.reminderEnd;
  if (end !== null && end !== undefined) {
    for (const r of o.rules) {
      const instant = r.when === 'before' ? end - ruleMs(r) : end + ruleMs(r);
      if (instant < s.startsAt) continue; // before the subscription started: never
      if (out.graceEnded) {
        // The end is only known from the grace run on: a "before" instant already behind it is
        // never looked at again (the generator keeps it more than a day behind); "after" ones are.
        if (r.when === 'before') continue;
      }
      if (instant <= T0 - LOOKBACK) continue; // older than anything a run looks at
      if (instant > Tend) continue; // after the last run
      const lookedAt = Math.max(instant, T0);
      if (r.when === 'before' && lookedAt >= end) out.skipped.push(r.key);
      else out.reminders.push({ rule: r.key, when: r.when, instant });
    }
  }
  return out;
};

/** The instants of a subscription that decide its fate, none of them near an edge of the model. */
const unambiguous = (s, ctx) => {
  const { T0, Tend, graceMs, step, jitter } = ctx;
  const o = OFFER[s.offer];
  const f = fate(s, ctx);
  const critical = [];
  if (s.status === 'pending') critical.push(s.startsAt);
  if (s.endsAt !== null) critical.push(s.endsAt);
  if (s.endsAt === null && s.dueAt !== null) critical.push(s.dueAt + graceMs, s.dueAt + graceMs + step + jitter);
  const end = f.reminderEnd;
  if (end !== null && end !== undefined && !['refunded'].includes(s.status)) {
    for (const r of o.rules) {
      const instant = r.when === 'before' ? end - ruleMs(r) : end + ruleMs(r);
      critical.push(instant);
      if (f.graceEnded && r.when === 'after') critical.push(instant + step + jitter);
      if (f.graceEnded && r.when === 'before' && instant > end - 2 * DAY + HOUR) return false;
      if (r.when === 'before' && Math.abs(instant - s.startsAt) < MARGIN) return false;
    }
  }
  // Away from the last run (and the other worker's, a jitter or half a step away) and from the first run's look-back limit.
  return critical.every((t) => Math.abs(t - Tend) > MARGIN + step + jitter && Math.abs(t - (T0 - LOOKBACK)) > MARGIN && Math.abs(t - T0) > MARGIN / 4);
};

/** A member's subscriptions change state at least an hour apart (role recomputations never race). */
const apart = (subs, ctx) => {
  const times = [];
  for (const s of subs) {
    const f = fate(s, ctx);
    if (f.activated) times.push(Math.max(s.startsAt, ctx.T0));
    if (f.endAt !== null) times.push(f.endAt);
  }
  times.sort((a, b) => a - b);
  return times.every((t, i) => i === 0 || t - times[i - 1] > MARGIN);
};

/** The model of the whole world: per subscription, figures, expected e-mails and skipped reminders, final roles. */
const model = (world, ctx) => {
  const fates = world.subscriptions.map((s) => fate(s, ctx));
  const figures = { activated: 0, expired: 0, cancelled: 0, graceEnded: 0, remindersQueued: 0, remindersSkipped: 0, sent: 0, failed: 0, errors: 0 };
  for (const f of fates) {
    if (f.activated) figures.activated += 1;
    if (f.ended === 'expired') figures.expired += 1;
    if (f.ended === 'cancelled') figures.cancelled += 1;
    if (f.graceEnded) figures.graceEnded += 1;
    figures.remindersQueued += f.reminders.length;
    figures.remindersSkipped += f.skipped.length;
    figures.sent += f.reminders.length + (f.expiryNotice ? 1 : 0);
  }
  // Final roles: the member's subscriptions active at the end; highest level, then later end.
  const roles = world.members.map((_m, i) => {
    const held = world.subscriptions
      .map((s, k) => ({ s, f: fates[k] }))
      .filter(({ s, f }) => s.member === i && f.finalStatus === 'active' && OFFER[s.offer].role);
    held.sort((a, b) => OFFER[b.s.offer].level - OFFER[a.s.offer].level || (b.s.endsAt ?? Infinity) - (a.s.endsAt ?? Infinity));
    return held.length ? OFFER[held[0].s.offer].role : 'authenticated';
  });
  // The role each member holds before the first run: what the stored statuses grant.
  const initialRoles = world.members.map((_m, i) => {
    const held = world.subscriptions.filter((s) => s.member === i && s.status === 'active' && OFFER[s.offer].role);
    held.sort((a, b) => OFFER[b.offer].level - OFFER[a.offer].level || (b.endsAt ?? Infinity) - (a.endsAt ?? Infinity));
    return held.length ? OFFER[held[0].offer].role : 'authenticated';
  });
  return { fates, figures, roles, initialRoles };
};

module.exports = { OFFERS, OFFER, generate, model, fate, MARGIN, LOOKBACK, MINUTE };
