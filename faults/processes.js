'use strict';

/**
 * Two Strapi processes on one PostgreSQL database running the scheduler over simulated time: each
 * state change and each e-mail once.
 *
 * A world of members with varied subscriptions (faults/lib/scheduler/world.js: day and hour
 * offers with "before" and "after" rules, pending starts, cancellations, open-ended recurring
 * subscriptions left past their grace period, a backlog the first run has to catch up, refunds, a
 * 255-character offer title, a pass whose rule falls before its start) is written once; then both
 * processes run `runOnce` over the timeline, round after round. In the first quarter of the rounds
 * both run at once (wall clock) at the same simulated instant; in the second, at once with B half a
 * step ahead; in the third, at once with B's clock a random few seconds ahead or behind; in the
 * last, B runs just after A's run is over with its clock 1–40 s behind (clocks that disagree).
 *
 * The model (world.js, from the README's rules, not the plugin's code) says which subscriptions
 * activate, expire, are cancelled or end by grace, which reminders are sent or logged as skipped,
 * which expiry notices go out, and each member's final role. Checks: the two processes' figures
 * add up to the model; every subscription ends in the model's status; the outbox holds exactly the
 * model's messages, all sent; the SMTP server received each expected e-mail exactly once (raw
 * deliveries), to the right member, of the right kind, and nothing else; every role is the model's.
 */
const { startWorker } = require('./lib/scheduler/workers');
const { startSmtp } = require('./lib/scheduler/smtp');
const { SEED, MINUTE, HOUR, freshPostgres, dropPostgres, rowIdOf, check, sumFigures, random, sample, FIGURE_KEYS } = require('./lib/scheduler/common');
const { OFFERS, OFFER, generate, model: modelOf } = require('./lib/scheduler/world');
const { ephemeralEnv } = require('../playground/scripts/ephemeral-env');

const GRACE_HOURS = 6;
const JITTER_MS = 40_000;

const percentile = (values, p) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};

module.exports = {
  id: 'processes',
  title: 'Two Strapi processes running the scheduler over simulated time on one database',
  run: async (ctx) => {
    const MEMBERS = ctx.quick ? 300 : 2000;
    const SPAN = (ctx.quick ? 30 : 72) * HOUR;
    const STEP = (ctx.quick ? 5 : 1) * MINUTE;
    const seed = Number(process.env.FAULTS_SEED) || Date.now() % 1_000_000_007;
    const rand = random(seed);
    const T0 = Date.parse('2030-03-01T00:00:00.000Z');
    const Tend = T0 + SPAN;
    const graceMs = GRACE_HOURS * HOUR;
    const world = generate({ members: MEMBERS, rand, T0, Tend, graceMs, step: STEP, jitter: JITTER_MS });
    const expected = modelOf(world, { T0, Tend, graceMs, step: STEP, jitter: JITTER_MS });
    const figures = {
      randomSeed: seed,
      members: MEMBERS,
      subscriptions: world.subscriptions.length,
      simulatedHours: SPAN / HOUR,
      stepMinutes: STEP / MINUTE,
      graceHours: GRACE_HOURS,
    };
    for (const k of FIGURE_KEYS) figures[`model.${k}`] = expected.figures[k];
    const checks = [];
    const t0 = Date.now();

    const db = await freshPostgres('faults_processes');
    const smtp = await startSmtp();
    const shared = ephemeralEnv();
    const env = { ...db, ...smtp.env };
    const workers = [];
    try {
      // One process creates the schema and writes the world; then the second one boots.
      workers.push(await startWorker({ name: 'processes-a', env, shared }));
      const ids = await workers[0].call(SEED, 'seedWorld', {
        settings: { graceHours: GRACE_HOURS },
        roles: ['basic', 'plus'],
        offers: OFFERS,
        members: world.members.map((m, i) => ({ email: m.email, role: expected.initialRoles[i] })),
        subscriptions: world.subscriptions.map((s) => ({
          ...s,
          startsAt: new Date(s.startsAt),
          dueAt: s.dueAt === null ? null : new Date(s.dueAt),
          endsAt: s.endsAt === null ? null : new Date(s.endsAt),
          cancelledAt: s.cancelledAt === null ? null : new Date(s.cancelledAt),
        })),
      });
      workers.push(await startWorker({ name: 'processes-b', env, shared }));
      figures.bootSeconds = `${workers[0].bootMs / 1000} / ${workers[1].bootMs / 1000}`;

      // --- the timeline: both processes at once, round after round ---
      const rounds = Math.round(SPAN / STEP);
      const MODES = ['same', 'offset', 'jitter', 'behind'];
      const modeOf = (r) => MODES[Math.min(MODES.length - 1, Math.floor((r / (rounds + 1)) * MODES.length))];
      const runs = [[], []];
      const roundMs = Object.fromEntries(MODES.map((m) => [m, []]));
      const runMsB = Object.fromEntries(MODES.map((m) => [m, []]));
      let behind = 0;
      const tRounds = Date.now();
      for (let r = 0; r <= rounds; r += 1) {
        const a = T0 + r * STEP;
        const mode = r === 0 ? 'same' : modeOf(r);
        let b = a;
        if (mode === 'offset') b = a + STEP / 2;
        if (mode === 'jitter' && rand() < 0.7) b = a + Math.round((rand() * 2 - 1) * JITTER_MS);
        if (mode === 'behind') b = a - Math.round(1000 + rand() * (JITTER_MS - 1000));
        if (b < a) behind += 1;
        const started = Date.now();
        // 'behind': B's cron fires just after A's run is over, its clock a few seconds late.
        const [ra, rb] =
          mode === 'behind'
            ? [await workers[0].run([new Date(a)]), await workers[1].run([new Date(b)])]
            : await Promise.all([workers[0].run([new Date(a)]), workers[1].run([new Date(b)])]);
        roundMs[mode].push(Date.now() - started);
        runMsB[mode].push(rb[0].ms);
        runs[0].push(...ra);
        runs[1].push(...rb);
        if (r % Math.max(1, Math.round(rounds / 6)) === 0) ctx.log(`round ${r}/${rounds} (${mode}), ${smtp.deliveries.length} e-mails so far`);
      }
      figures.rounds = rounds + 1;
      figures.roundsWithBBehind = behind;
      figures.wallSecondsForRounds = (Date.now() - tRounds) / 1000;
      for (const mode of Object.keys(roundMs)) {
        figures[`roundMs.${mode}.p50`] = percentile(roundMs[mode], 0.5);
        figures[`roundMs.${mode}.p95`] = percentile(roundMs[mode], 0.95);
        figures[`runOnceMs.B.${mode}.p50`] = percentile(runMsB[mode], 0.5);
      }
      const totalA = sumFigures(runs[0]);
      const totalB = sumFigures(runs[1]);
      const total = sumFigures([totalA, totalB]);
      for (const k of FIGURE_KEYS) figures[`workers.${k}`] = `${total[k]} (A ${totalA[k]}, B ${totalB[k]})`;

      // --- the figures against the model ---
      const figureDiff = FIGURE_KEYS.filter((k) => total[k] !== expected.figures[k]).map((k) => `${k}: ${total[k]} (model ${expected.figures[k]})`);
      checks.push(
        check(
          'the two processes\' figures add up to the model',
          figureDiff.length === 0,
          figureDiff.length ? figureDiff.join('; ') : FIGURE_KEYS.filter((k) => expected.figures[k]).map((k) => `${k} ${total[k]}`).join(', ')
        )
      );

      // --- statuses ---
      const state = await workers[0].call(SEED, 'world');
      const subById = new Map(state.subscriptions.map((s) => [s.id, s]));
      const statusWrong = [];
      const graceWrong = [];
      world.subscriptions.forEach((s, k) => {
        const row = subById.get(ids.subscriptions[k]);
        const fate = expected.fates[k];
        if (!row || row.status !== fate.finalStatus) statusWrong.push(`#${ids.subscriptions[k]} (${s.offer}, ${world.members[s.member].pattern}): ${row && row.status} (model ${fate.finalStatus})`);
        if (fate.graceEnded) {
          const end = Date.parse(row.endsAt);
          if (!(end > s.dueAt + graceMs && end <= s.dueAt + graceMs + STEP + JITTER_MS) && !(s.dueAt + graceMs < T0 && end === T0)) {
            graceWrong.push(`#${row.id}: ended ${row.endsAt}, due ${new Date(s.dueAt).toISOString()}`);
          }
        }
      });
      const statusTally = {};
      for (const f of expected.fates) statusTally[f.finalStatus] = (statusTally[f.finalStatus] || 0) + 1;
      checks.push(
        check(
          'every subscription ends in the model\'s status',
          statusWrong.length === 0,
          statusWrong.length ? `${statusWrong.length} wrong: ${sample(statusWrong, 4)}` : JSON.stringify(statusTally)
        )
      );
      checks.push(
        check(
          `grace ends fall at the first run more than ${GRACE_HOURS} h past the paid end`,
          graceWrong.length === 0,
          graceWrong.length ? sample(graceWrong, 4) : `${expected.figures.graceEnded} subscription(s)`
        )
      );

      // --- the outbox: exactly the model's messages, every one sent or (for skipped reminders) logged ---
      const outbox = await workers[0].call(SEED, 'outbox');
      const expectedMail = []; // { key (exact) | prefix, subId, kind, when, email, title }
      const expectedSkips = [];
      world.subscriptions.forEach((s, k) => {
        const fate = expected.fates[k];
        const subId = ids.subscriptions[k];
        const email = world.members[s.member].email;
        const title = OFFER[s.offer].title;
        const endIso = fate.graceEnded ? null : new Date(fate.reminderEnd ?? 0).toISOString();
        for (const r of fate.reminders) {
          const base = `reminder:${subId}:${ids.rules[r.rule]}:`;
          expectedMail.push({ ...(endIso ? { key: base + endIso } : { prefix: base }), subId, kind: 'reminder', when: r.when, email, title });
        }
        for (const rule of fate.skipped) expectedSkips.push(`reminder:${subId}:${ids.rules[rule]}:${endIso}`);
        if (fate.expiryNotice) {
          const base = `expiry:${subId}:`;
          expectedMail.push({ ...(fate.graceEnded ? { prefix: base } : { key: base + new Date(s.endsAt).toISOString() }), subId, kind: 'expiry', when: null, email, title });
        }
      });
      const rowsByKey = new Map(outbox.map((r) => [r.dedupeKey, r]));
      const entryOfRow = new Map();
      const missingRows = [];
      for (const e of expectedMail) {
        const rows = e.key ? [rowsByKey.get(e.key)].filter(Boolean) : outbox.filter((r) => r.dedupeKey.startsWith(e.prefix));
        if (rows.length !== 1) missingRows.push(`${e.key || `${e.prefix}*`} (${rows.length} rows)`);
        for (const row of rows) entryOfRow.set(row.id, e);
      }
      const skipSet = new Set(expectedSkips);
      const skippedRows = outbox.filter((r) => r.status === 'skipped');
      const wrongSkips = skippedRows.filter((r) => !skipSet.has(r.dedupeKey)).map((r) => r.dedupeKey);
      const missingSkips = expectedSkips.filter((k) => !rowsByKey.has(k) || rowsByKey.get(k).status !== 'skipped');
      const unexpectedRows = outbox.filter((r) => !entryOfRow.has(r.id) && !skipSet.has(r.dedupeKey)).map((r) => `${r.dedupeKey} (${r.status})`);
      const notSent = outbox.filter((r) => entryOfRow.has(r.id) && r.status !== 'sent').map((r) => `${r.dedupeKey}: ${r.status}, ${r.attempts} attempt(s)${r.lastError ? `, ${r.lastError.slice(0, 120)}` : ''}`);
      const outboxTally = {};
      for (const r of outbox) outboxTally[r.status] = (outboxTally[r.status] || 0) + 1;
      figures.outbox = JSON.stringify(outboxTally);
      checks.push(
        check(
          'the outbox holds exactly the model\'s e-mails and skipped reminders',
          missingRows.length === 0 && unexpectedRows.length === 0 && wrongSkips.length === 0 && missingSkips.length === 0,
          missingRows.length || unexpectedRows.length || wrongSkips.length || missingSkips.length
            ? `missing: ${sample(missingRows, 3)}; unexpected: ${sample(unexpectedRows, 3)}; wrong skips: ${sample(wrongSkips, 3)}; missing skips: ${sample(missingSkips, 3)}`
            : `${expectedMail.length} e-mails, ${expectedSkips.length} skipped reminders`
        )
      );
      checks.push(
        check('every expected e-mail is marked sent (none failed / pending / sending)', notSent.length === 0, notSent.length ? `${notSent.length}: ${sample(notSent, 2)}` : JSON.stringify(outboxTally))
      );

      // --- the mailbox: each expected e-mail received exactly once, nothing else ---
      const received = new Map(); // expected entry → deliveries
      const unexpectedMail = [];
      const wrongMail = [];
      const rowById = new Map(outbox.map((r) => [r.id, r]));
      for (const d of smtp.deliveries) {
        const row = rowById.get(rowIdOf(d.messageId));
        const entry = row && entryOfRow.get(row.id);
        if (!entry) {
          unexpectedMail.push(`${d.messageId || '(no Message-ID)'} to ${d.to.join(',')}: ${d.subject.slice(0, 60)}`);
          continue;
        }
        received.set(entry, (received.get(entry) || 0) + 1);
        const marker = entry.kind === 'expiry' ? ' has ended' : entry.when === 'before' ? ' ends on ' : ' ended on ';
        if (d.to.length !== 1 || d.to[0] !== entry.email || !d.subject.includes(marker) || !d.subject.includes(`"${entry.title}"`)) {
          wrongMail.push(`${row.dedupeKey}: to ${d.to.join(',')} "${d.subject.slice(0, 80)}"`);
        }
      }
      const twice = expectedMail.filter((e) => (received.get(e) || 0) > 1).map((e) => `${e.key || `${e.prefix}*`} ×${received.get(e)}`);
      const never = expectedMail.filter((e) => !received.has(e)).map((e) => e.key || `${e.prefix}*`);
      Object.assign(figures, {
        expectedEmails: expectedMail.length,
        rawDeliveries: smtp.deliveries.length,
        distinctMessageIds: smtp.countsByMessageId().size,
        emailsTwice: twice.length,
        emailsNever: never.length,
        unexpectedEmails: unexpectedMail.length,
      });
      checks.push(
        check(
          'every expected e-mail received exactly once by the SMTP server (raw deliveries)',
          twice.length === 0 && never.length === 0 && smtp.deliveries.length === expectedMail.length,
          twice.length || never.length
            ? `twice: ${sample(twice, 3)}; never: ${sample(never, 3)}`
            : `${smtp.deliveries.length} deliveries for ${expectedMail.length} expected e-mails`
        )
      );
      checks.push(check('no unexpected e-mail', unexpectedMail.length === 0, unexpectedMail.length ? sample(unexpectedMail, 3) : 'none'));
      checks.push(
        check(
          'each e-mail went to its member and says what the model says (kind, offer)',
          wrongMail.length === 0,
          wrongMail.length ? `${wrongMail.length}: ${sample(wrongMail, 2)}` : `${smtp.deliveries.length} checked`
        )
      );

      // --- roles ---
      const roleById = new Map(state.members.map((m) => [m.id, m.role]));
      const roleWrong = [];
      world.members.forEach((m, i) => {
        const role = roleById.get(ids.members[i]);
        if (role !== expected.roles[i]) roleWrong.push(`${m.email} (${m.pattern}): ${role} (model ${expected.roles[i]})`);
      });
      const roleTally = {};
      for (const r of expected.roles) roleTally[r] = (roleTally[r] || 0) + 1;
      checks.push(
        check(
          'each member\'s role is the role of their active subscription, or authenticated',
          roleWrong.length === 0,
          roleWrong.length ? `${roleWrong.length} wrong: ${sample(roleWrong, 3)}` : JSON.stringify(roleTally)
        )
      );
      figures.totalSeconds = (Date.now() - t0) / 1000;
    } finally {
      await Promise.all(workers.map((w) => w.stop().catch(() => {})));
      await smtp.close().catch(() => {});
    }
    if (checks.every((c) => c.ok)) await dropPostgres(db).catch(() => {});
    return { figures, checks };
  },
};
