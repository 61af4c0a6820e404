'use strict';

/**
 * The SMTP server down for a while during reminder runs: everything delivered after it returns,
 * nothing twice.
 *
 * N reminders fall due at simulated minutes 0 … OUTAGE−2 (half of them at minute 0, the rest a
 * few each minute). The scheduler (one Strapi process, PostgreSQL) runs every simulated minute.
 * The SMTP server goes down in the middle of the run at minute 0, once it has accepted a quarter of
 * the reminders: it stops listening (connection refused) and answers "421" to the next MAIL FROM
 * on connections still open, as a server shutting down does; from minute REFUSED it listens again
 * but answers every MAIL FROM with "451 4.3.0" (a temporary failure); at minute OUTAGE it is back.
 * The runs go on, a minute apart, until the outbox is drained.
 *
 * The model, from the README's rules (a failed send is retried after 1 min, 2, 4, …, up to 8
 * attempts): a message first tried at minute a is tried at a, a+1, a+3, a+7, … (a + 2^(k−1) − 1);
 * every try before OUTAGE fails, the first at or after it succeeds. So each row's attempts and its
 * sentAt are known in advance (for the reminders the server accepted before it went down: one
 * attempt, minute 0), as are the 451 answers the server gives and the runs' `failed` figures.
 */
const { startWorker } = require('./lib/scheduler/workers');
const { startSmtp } = require('./lib/scheduler/smtp');
const pgdb = require('./lib/scheduler/pg');
const { SEED, MINUTE, DAY, freshPostgres, dropPostgres, rowIdOf, check, sumFigures, sample } = require('./lib/scheduler/common');
const { ephemeralEnv } = require('../playground/scripts/ephemeral-env');

/** README: "retried with exponential back-off (1 min, 2, 4, … capped at 12 h), up to 8 attempts". */
const MAX_ATTEMPTS = 8;
const backoffMinutes = (failedAttempts) => Math.min(12 * 60, 2 ** (failedAttempts - 1));
/** The minute of each try of a message first tried at minute `a`: a, a+1, a+3, a+7, … */
const tryMinutes = (a) => {
  const out = [a];
  for (let k = 1; k < MAX_ATTEMPTS; k += 1) out.push(out[k - 1] + backoffMinutes(k));
  return out;
};

module.exports = {
  id: 'smtp-down',
  title: 'SMTP server down (refused, then 451) during reminder runs, then back',
  run: async (ctx) => {
    const N = ctx.quick ? 300 : 3000;
    const OUTAGE = ctx.quick ? 20 : 100; // minutes; both below what the back-off covers (see figures)
    const REFUSED = Math.round(OUTAGE * 0.6); // minutes 0 … REFUSED−1: connection refused; then 451 until OUTAGE
    const T0 = new Date('2030-02-01T00:00:00.000Z');
    const at = (minute) => new Date(T0.getTime() + minute * MINUTE);
    const figures = { reminders: N, outageMinutes: OUTAGE, refusedMinutes: REFUSED, tempFailMinutes: OUTAGE - REFUSED };
    const checks = [];
    const t0 = Date.now();

    // The model. Row i's reminder falls due in (minute m−1, minute m]: first tried at m. The server
    // goes down in the middle of the run at minute 0, once it has accepted a quarter of the
    // reminders (half of those due then): which ones made it is observed (`early`), the rest is
    // the model's.
    const dueMinute = (i) => (i < N / 2 ? 0 : 1 + ((i * 7) % (OUTAGE - 2)));
    const emailOf = (i) => `member${i}@smtp-down.faults.test`;
    const expect = (i, early) => {
      if (early.has(emailOf(i))) return { email: emailOf(i), due: 0, attempts: 1, sentMinute: 0, tempFailedTries: 0, covered: true };
      const tries = tryMinutes(dueMinute(i));
      const failedTries = tries.filter((m) => m < OUTAGE);
      const success = tries.find((m) => m >= OUTAGE);
      return {
        email: emailOf(i),
        due: dueMinute(i),
        attempts: failedTries.length + 1,
        sentMinute: success,
        tempFailedTries: failedTries.filter((m) => m >= REFUSED).length,
        covered: success !== undefined,
      };
    };
    const modelOf = (early) => Array.from({ length: N }, (_v, i) => expect(i, early));
    // The longest outage the retries cover for a message first tried when it began: its 8th try.
    figures.outageCoveredMinutes = tryMinutes(0)[MAX_ATTEMPTS - 1];
    const before = modelOf(new Set());
    checks.push(
      check(
        'the chosen outage is one the retries cover (model)',
        before.every((m) => m.covered),
        `outage ${OUTAGE} min; a message first tried when the outage begins gets its last (8th) try at minute ${figures.outageCoveredMinutes}`
      )
    );

    const db = await freshPostgres('faults_smtp_down');
    const smtp = await startSmtp();
    const pg = await pgdb.connect(db);
    let worker = null;
    try {
      worker = await startWorker({ name: 'smtp-down', env: { ...db, ...smtp.env }, shared: ephemeralEnv() });
      figures.bootSeconds = worker.bootMs / 1000;
      await worker.call(SEED, 'seedWorld', {
        roles: ['member'],
        offers: [
          { key: 'monthly', title: 'Monthly membership', duration: 30, period: 'days', role: 'member', level: 1, rules: [{ key: 'r7', amount: 7, period: 'days', when: 'before' }] },
        ],
        members: before.map((m) => ({ email: m.email, role: 'member' })),
        subscriptions: before.map((m, i) => {
          const end = new Date(at(m.due).getTime() + 7 * DAY - (i % 60) * 1000);
          return { member: i, offer: 'monthly', status: 'active', startsAt: new Date(end.getTime() - 30 * DAY), dueAt: end, endsAt: end };
        }),
      });
      const [warm] = await worker.run([at(-5)]);
      checks.push(check('a run 5 minutes before has nothing to do', Object.values(warm.figures).every((v) => v === 0), JSON.stringify(warm.figures)));

      // --- the outage: it begins in the middle of the run at minute 0; then a run every simulated minute ---
      const firstWave = Math.round(N / 4);
      smtp.hooks.onAccept = () => {
        if (smtp.mode === 'up' && smtp.deliveries.length >= firstWave) smtp.setMode('down');
      };
      const downRuns = [];
      const tDown = Date.now();
      for (let minute = 0; minute < OUTAGE; minute += 1) {
        if (minute === REFUSED) await smtp.setMode('tempfail');
        downRuns.push(...(await worker.run([at(minute)])));
        if (minute === 0) smtp.hooks.onAccept = null;
      }
      const early = new Set(smtp.deliveries.flatMap((d) => d.to));
      const model = modelOf(early);
      const modelFailed = model.reduce((s, m) => s + m.attempts - 1, 0);
      const modelTempFailed = model.reduce((s, m) => s + m.tempFailedTries, 0);
      const modelLastSent = Math.max(...model.map((m) => m.sentMinute ?? Infinity));
      figures.deliveredBeforeTheOutage = smtp.deliveries.length;
      figures.runsWhileDown = downRuns.length;
      figures.wallSecondsWhileDown = (Date.now() - tDown) / 1000;
      const down = sumFigures(downRuns);
      const duringOutage = await pg.statusCounts();
      figures.failedAttemptsWhileDown = down.failed;
      figures.smtp421Answers = smtp.state.shutdownReplies;
      figures.smtp451Answers = smtp.state.tempFailures;
      figures.outboxAtReturn = JSON.stringify(duringOutage);
      checks.push(
        check(
          'the server went down mid-run: part of the first run\'s reminders got through, the rest failed',
          early.size >= firstWave && early.size < N / 2 && down.sent === early.size,
          `${early.size} of the ${N / 2} reminders due at minute 0 delivered before the outage; the run recorded ${down.sent} sent`
        )
      );
      checks.push(
        check(
          'while the server is down nothing more is delivered and every try is recorded as failed',
          smtp.deliveries.length === early.size && down.remindersQueued === N && down.failed === modelFailed,
          `queued ${down.remindersQueued}/${N}, delivered ${smtp.deliveries.length}, failed tries ${down.failed} (model ${modelFailed}), outbox ${JSON.stringify(duringOutage)}`
        )
      );
      checks.push(
        check(
          'the server answered 451 once per try made while it returned temporary failures',
          smtp.state.tempFailures === modelTempFailed,
          `${smtp.state.tempFailures} answers (model ${modelTempFailed})`
        )
      );

      // --- the server is back: runs go on a minute apart until the outbox is drained ---
      await smtp.setMode('up');
      const upRuns = [];
      const tUp = Date.now();
      let minute = OUTAGE;
      for (; minute <= OUTAGE + 13 * 60; minute += 1) {
        upRuns.push(...(await worker.run([at(minute)])));
        if (((await pg.statusCounts()).sent || 0) >= N) break;
        const live = await pg.query(
          "SELECT COUNT(*)::int AS n FROM subscriptions_messages WHERE status IN ('pending', 'sending') OR (status = 'failed' AND next_attempt_at IS NOT NULL)"
        );
        if (live.rows[0].n === 0) break; // nothing left that a later run would try
      }
      // A few more runs: nothing may be sent again.
      upRuns.push(...(await worker.run([at(minute + 1), at(minute + 30), at(minute + 24 * 60)])));
      const up = sumFigures(upRuns);
      figures.drainMinutes = minute - OUTAGE;
      figures.drainRuns = minute - OUTAGE + 1;
      figures.drainWallSeconds = (Date.now() - tUp) / 1000;
      figures.modelDrainMinutes = modelLastSent - OUTAGE;

      // --- the outbox and the mailbox against the model ---
      const rows = (
        await pg.query(
          `SELECT id, kind, status, attempts, "to", EXTRACT(EPOCH FROM sent_at) * 1000 AS "sentMs" FROM subscriptions_messages ORDER BY id`
        )
      ).rows;
      const byStatus = {};
      for (const r of rows) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
      const rowByTo = new Map(rows.map((r) => [r.to, r]));
      const attemptsWrong = [];
      const sentAtWrong = [];
      model.forEach((m) => {
        const row = rowByTo.get(m.email);
        if (!row) return;
        if (row.attempts !== m.attempts) attemptsWrong.push(`${m.email}: ${row.attempts} (model ${m.attempts})`);
        if (Number(row.sentMs) !== at(m.sentMinute).getTime()) sentAtWrong.push(`${m.email}: ${row.sentMs ? new Date(Number(row.sentMs)).toISOString() : null} (model ${at(m.sentMinute).toISOString()})`);
      });
      const perId = smtp.countsByMessageId();
      const perTo = new Map();
      for (const d of smtp.deliveries) for (const to of d.to) perTo.set(to, (perTo.get(to) || 0) + 1);
      const rowIds = new Set(rows.map((r) => r.id));
      const unknown = smtp.deliveries.filter((d) => !rowIds.has(rowIdOf(d.messageId))).map((d) => d.messageId || '(none)');
      const twice = model.filter((m) => (perTo.get(m.email) || 0) > 1).map((m) => m.email);
      const never = model.filter((m) => !perTo.has(m.email)).map((m) => m.email);
      const rawDuplicates = smtp.deliveries.length - perId.size;
      Object.assign(figures, {
        failedAttemptsRecorded: rows.reduce((s, r) => s + (r.attempts - 1), 0),
        failedFigureSum: down.failed + up.failed,
        maxAttempts: Math.max(...rows.map((r) => r.attempts)),
        rawDeliveries: smtp.deliveries.length,
        distinctMessageIds: perId.size,
        rawDuplicates,
        totalSeconds: (Date.now() - t0) / 1000,
      });

      checks.push(
        check(
          'after the return every reminder is sent; none left failed / pending / sending',
          rows.length === N && (byStatus.sent || 0) === N,
          `${rows.length} rows: ${JSON.stringify(byStatus)}`
        )
      );
      checks.push(
        check(
          'each reminder delivered exactly once (raw SMTP deliveries)',
          smtp.deliveries.length === N && never.length === 0 && twice.length === 0 && rawDuplicates === 0,
          `${smtp.deliveries.length} deliveries for ${N} reminders; never: ${sample(never)}; twice: ${sample(twice)}`
        )
      );
      checks.push(check('every delivery is a known outbox row', unknown.length === 0, unknown.length ? sample(unknown) : `${perId.size} Message-IDs`));
      checks.push(
        check(
          'attempts per message follow the back-off (tries at +0, 1, 3, 7, 15 … min)',
          attemptsWrong.length === 0,
          attemptsWrong.length ? sample(attemptsWrong, 3) : `${N} rows; ${figures.failedAttemptsRecorded} failed attempts recorded, max ${figures.maxAttempts} attempts`
        )
      );
      checks.push(
        check(
          'each message went out at the first retry after the server returned (sentAt = model)',
          sentAtWrong.length === 0,
          sentAtWrong.length ? sample(sentAtWrong, 3) : `drained ${figures.drainMinutes} simulated min after the return (model ${figures.modelDrainMinutes})`
        )
      );
      checks.push(
        check(
          'the runs\' figures add up: failed tries = model, sent = N, no errors',
          down.failed + up.failed === modelFailed && down.sent + up.sent === N && down.errors + up.errors === 0,
          `failed ${down.failed} + ${up.failed} (model ${modelFailed}), sent ${down.sent} + ${up.sent}, errors ${down.errors + up.errors}`
        )
      );
    } finally {
      smtp.hooks.onAccept = null;
      if (worker) await worker.stop().catch(() => {});
      await pg.close().catch(() => {});
      await smtp.close().catch(() => {});
    }
    if (checks.every((c) => c.ok)) await dropPostgres(db).catch(() => {});
    return { figures, checks };
  },
};
