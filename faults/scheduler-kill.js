'use strict';

/**
 * SIGKILL in the middle of a scheduler run with thousands of reminders due, then a restart.
 *
 * N members each have a subscription whose "7 days before" reminder falls due at T0 (simulated
 * time). A Strapi process (PostgreSQL, the SMTP server below) runs the scheduler at T0: it queues
 * the N reminders and sends them; when the SMTP server has accepted a random 30–60 % of them, a
 * separate process SIGKILLs it after a random delay (0–100 ms, more than a send cycle, so the kill
 * lands anywhere in the cycle, not just on a "250"). Full mode kills the next process in the same way. A fresh process then
 * runs the scheduler at T0 + a minute (inside the claim lease: the dead process's claims must be
 * left alone) and again past the 15-minute lease (simulated time: they must be taken over).
 *
 * The model: every seeded subscription has exactly one reminder row, sent, delivered once to its
 * member. Deliveries are counted raw (each message the SMTP server accepted) and per Message-ID
 * (what a receiver that drops resends would keep). A raw duplicate can only come from RFC 1047's
 * window: the SMTP server accepted the message, the process died before recording it sent, the
 * next process sent it again after the lease. Plain SMTP cannot close that window; such copies
 * are counted and reported (raw deliveries, members who got two), carry their first copy's
 * Message-ID, and are checked to be nothing else: at most the claims in flight at the kill, each
 * one accepted by the server before it.
 */
const { spawn } = require('child_process');
const { startWorker } = require('./lib/scheduler/workers');
const { startSmtp } = require('./lib/scheduler/smtp');
const pgdb = require('./lib/scheduler/pg');
const { SEED, MINUTE, DAY, freshPostgres, dropPostgres, rowIdOf, check, sumFigures, random, sleep, sample } = require('./lib/scheduler/common');
const { ephemeralEnv } = require('../playground/scripts/ephemeral-env');

/** README: "a lease (claimedUntil, 15 minutes)". */
const LEASE_MS = 15 * MINUTE;
/** README / messages.ts: a process sends five messages at a time (nodemailer's pool of 5). */
const SEND_CONCURRENCY = 5;

module.exports = {
  id: 'scheduler-kill',
  title: 'Scheduler process SIGKILLed mid-run with thousands of reminders due, then restarted',
  run: async (ctx) => {
    const N = ctx.quick ? 600 : 3000;
    const KILLS = ctx.quick ? 1 : 2;
    const seed = Number(process.env.FAULTS_SEED) || Date.now() % 1_000_000_007;
    const rand = random(seed);
    const T0 = new Date('2030-01-10T00:00:00.000Z');
    const figures = { reminders: N, kills: KILLS, randomSeed: seed };
    const checks = [];
    const t0 = Date.now();

    const db = await freshPostgres('faults_scheduler_kill');
    const smtp = await startSmtp();
    const shared = ephemeralEnv();
    const env = { ...db, ...smtp.env };
    const pg = await pgdb.connect(db);
    let worker = null;
    try {
      // --- the world: N members, one offer, one "7 days before" rule, every reminder due at T0 ---
      worker = await startWorker({ name: 'kill-0', env, shared });
      figures.bootSeconds = worker.bootMs / 1000;
      const emails = Array.from({ length: N }, (_v, i) => `member${i}@kill.faults.test`);
      const ends = emails.map((_e, i) => new Date(T0.getTime() + 7 * DAY - (i % 240) * 1000)); // instants in (T0 − 4 min, T0]
      await worker.call(SEED, 'seedWorld', {
        roles: ['member'],
        offers: [
          { key: 'monthly', title: 'Monthly membership', duration: 30, period: 'days', role: 'member', level: 1, rules: [{ key: 'r7', amount: 7, period: 'days', when: 'before' }] },
        ],
        members: emails.map((email) => ({ email, role: 'member' })),
        subscriptions: emails.map((_e, i) => ({
          member: i,
          offer: 'monthly',
          status: 'active',
          startsAt: new Date(ends[i].getTime() - 30 * DAY),
          dueAt: ends[i],
          endsAt: ends[i],
        })),
      });
      // The run before: nothing due yet (opens the reminder window).
      const [warm] = await worker.run([new Date(T0.getTime() - 5 * MINUTE)]);
      const warmTotal = Object.values(warm.figures).reduce((a, b) => a + b, 0);
      checks.push(check('a run 5 minutes before T0 has nothing to do', warmTotal === 0, JSON.stringify(warm.figures)));

      // --- kills: a process runs the scheduler, SIGKILLed when part of the remaining mail is out ---
      const stuck = new Set(); // rows left `sending` by a killed process
      const acceptedUnrecorded = new Set(); // … of which the SMTP server had accepted the message
      for (let k = 0; k < KILLS; k += 1) {
        if (k > 0) worker = await startWorker({ name: `kill-${k}`, env, shared });
        const now = new Date(T0.getTime() + k * MINUTE);
        const before = await pg.statusCounts();
        const remaining = k === 0 ? N : before.pending || 0;
        const from = smtp.deliveries.length;
        const fraction = 0.3 + 0.3 * rand();
        const target = from + Math.max(1, Math.round(fraction * remaining));
        const delayMs = Math.floor(rand() * 100);
        const victim = worker;
        let killedAt = null;
        smtp.hooks.onAccept = () => {
          if (killedAt !== null || smtp.deliveries.length < target) return;
          killedAt = -1;
          // The kill comes from a process of its own on its own timer: a timer of this process
          // (which is also the SMTP server) would fire just before it reads what the worker has
          // just written, and so land in the duplicate window far more often than chance.
          const killer = spawn('/bin/sh', ['-c', `sleep ${(delayMs / 1000).toFixed(3)}; kill -KILL ${victim.pid}`], { stdio: 'ignore' });
          killer.once('exit', () => {
            if (killedAt === -1) killedAt = smtp.deliveries.length;
          });
          victim.exited.then(() => {
            if (killedAt === -1) killedAt = smtp.deliveries.length;
          });
        };
        const t = Date.now();
        const outcome = await victim.run([now]).then(
          (runs) => ({ finished: true, runs }),
          (error) => ({ finished: false, error })
        );
        smtp.hooks.onAccept = null;
        if (outcome.finished) victim.kill('SIGKILL'); // too late: the check below fails
        const exit = await victim.exited;
        await sleep(500); // what was already in the SMTP server's socket buffers
        const after = await pg.statusCounts();
        const sendingRows = (await pg.outbox()).filter((r) => r.status === 'sending').map((r) => r.id);
        const newlyStuck = sendingRows.filter((id) => !stuck.has(id));
        const received = new Set(smtp.deliveries.map((d) => rowIdOf(d.messageId)));
        const accepted = newlyStuck.filter((id) => received.has(id));
        for (const id of newlyStuck) stuck.add(id);
        for (const id of accepted) acceptedUnrecorded.add(id);
        const midRun = !outcome.finished && exit.signal === 'SIGKILL' && killedAt > from && after.pending > 0;
        Object.assign(figures, {
          [`kill${k + 1}.targetFraction`]: Number(fraction.toFixed(3)),
          [`kill${k + 1}.delayMs`]: delayMs,
          [`kill${k + 1}.secondsIntoRun`]: (Date.now() - t - 500) / 1000,
          [`kill${k + 1}.deliveredWhenKilled`]: killedAt - from,
          [`kill${k + 1}.deliveredAfterSettling`]: smtp.deliveries.length - from,
          [`kill${k + 1}.rowsSent`]: after.sent || 0,
          [`kill${k + 1}.rowsPending`]: after.pending || 0,
          [`kill${k + 1}.claimsInFlight`]: newlyStuck.length,
          [`kill${k + 1}.acceptedButUnrecorded`]: accepted.length,
        });
        ctx.log(
          `kill ${k + 1}: SIGKILL after ${killedAt - from} of ${remaining} deliveries (${(fraction * 100).toFixed(0)} % + ${delayMs} ms); ` +
            `outbox: ${JSON.stringify(after)}; ${newlyStuck.length} claim(s) in flight, ${accepted.length} already accepted by the SMTP server`
        );
        checks.push(
          check(
            `kill ${k + 1} landed in the middle of the run`,
            midRun,
            outcome.finished ? 'the run finished before the kill' : `killed by ${exit.signal} after ${killedAt - from}/${remaining} deliveries; ${after.pending || 0} rows still pending`
          )
        );
        checks.push(
          check(
            `kill ${k + 1}: at most ${SEND_CONCURRENCY} claims in flight (the send concurrency)`,
            newlyStuck.length <= SEND_CONCURRENCY,
            `${newlyStuck.length} row(s) left in sending`
          )
        );
        worker = null;
      }
      figures.claimsStuckAfterKills = stuck.size;
      figures.acceptedButUnrecorded = acceptedUnrecorded.size;

      // --- restart: a fresh process inside the lease, then past it ---
      worker = await startWorker({ name: 'kill-restart', env, shared });
      const deliveriesOf = (ids) => smtp.deliveries.filter((d) => ids.has(rowIdOf(d.messageId))).length;
      const stuckDeliveriesBefore = deliveriesOf(stuck);
      const inside = new Date(T0.getTime() + KILLS * MINUTE);
      const t1 = Date.now();
      const [insideRun] = await worker.run([inside]);
      figures.restartRunSeconds = (Date.now() - t1) / 1000;
      const afterInside = await pg.statusCounts();
      checks.push(
        check(
          'a run inside the lease leaves the dead claims alone and sends the rest',
          (afterInside.sending || 0) === stuck.size && deliveriesOf(stuck) === stuckDeliveriesBefore && (afterInside.pending || 0) === 0,
          `outbox ${JSON.stringify(afterInside)}, dead claims ${stuck.size}, their deliveries ${stuckDeliveriesBefore} → ${deliveriesOf(stuck)}`
        )
      );
      const past = new Date(T0.getTime() + (KILLS - 1) * MINUTE + LEASE_MS + MINUTE);
      const [pastRun, laterRun] = await worker.run([past, new Date(past.getTime() + 30 * MINUTE)]);
      const restartTotals = sumFigures([insideRun, pastRun, laterRun]);
      figures.restartSent = restartTotals.sent;
      figures.takenOverAfterLease = pastRun.figures.sent;
      figures.restartFailed = restartTotals.failed;
      figures.restartErrors = restartTotals.errors;
      await sleep(200);

      // --- the model: N reminder rows, each sent, each delivered once ---
      const rows = await pg.outbox();
      const reminderRows = rows.filter((r) => r.kind === 'reminder');
      const byStatus = {};
      for (const r of rows) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
      const rowById = new Map(rows.map((r) => [r.id, r]));
      const perRow = new Map();
      const unknown = [];
      const wrongRecipient = [];
      for (const d of smtp.deliveries) {
        const id = rowIdOf(d.messageId);
        const row = id && rowById.get(id);
        if (!row) {
          unknown.push(d.messageId || '(none)');
          continue;
        }
        perRow.set(id, (perRow.get(id) || 0) + 1);
        if (d.to.length !== 1 || d.to[0] !== row.to.toLowerCase()) wrongRecipient.push(`${id}→${d.to.join(',')}`);
      }
      const perRecipient = new Map();
      for (const d of smtp.deliveries) for (const to of d.to) perRecipient.set(to, (perRecipient.get(to) || 0) + 1);
      const missing = reminderRows.filter((r) => !perRow.has(r.id)).map((r) => r.id);
      const duplicated = [...perRow].filter(([, n]) => n > 1).map(([id]) => id);
      const rawDuplicates = [...perRow.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
      const outsideWindow = duplicated.filter((id) => !acceptedUnrecorded.has(id));
      const membersMissing = emails.filter((e) => !perRecipient.has(e));
      const membersTwice = emails.filter((e) => (perRecipient.get(e) || 0) > 1);
      const subscriptionsWithReminder = new Set(reminderRows.map((r) => r.dedupeKey.split(':')[1])).size;

      Object.assign(figures, {
        outboxRows: rows.length,
        rawDeliveries: smtp.deliveries.length,
        distinctMessageIds: perRow.size,
        rawDuplicates,
        messageIdsDeliveredTwice: duplicated.length,
        membersReceivingTwice: membersTwice.length,
        deliveriesAfterReceiverDedupe: perRow.size,
        missing: missing.length,
        totalSeconds: (Date.now() - t0) / 1000,
      });

      checks.push(
        check(
          `the outbox holds one reminder per subscription (${N})`,
          reminderRows.length === N && subscriptionsWithReminder === N && rows.length === N,
          `${reminderRows.length} reminder rows for ${subscriptionsWithReminder} subscriptions, ${rows.length} rows in all`
        )
      );
      checks.push(
        check(
          'no claim stays stuck: every row is sent, none sending / pending / failed',
          (byStatus.sent || 0) === rows.length,
          JSON.stringify(byStatus)
        )
      );
      checks.push(
        check(
          'every reminder reached the SMTP server (each row\'s Message-ID, each member)',
          missing.length === 0 && membersMissing.length === 0,
          missing.length || membersMissing.length ? `rows never delivered: ${sample(missing)}; members without mail: ${sample(membersMissing)}` : `${perRow.size} of ${N} rows, ${N - membersMissing.length} of ${N} members`
        )
      );
      const distinctIds = smtp.countsByMessageId().size;
      checks.push(
        check(
          'a resent message carries the Message-ID of its first copy (one Message-ID per row)',
          distinctIds === perRow.size,
          `${distinctIds} distinct Message-IDs for ${perRow.size} rows delivered`
        )
      );
      checks.push(
        check(
          'every delivery is a known outbox row, to its member',
          unknown.length === 0 && wrongRecipient.length === 0,
          unknown.length || wrongRecipient.length ? `unknown Message-IDs: ${sample(unknown)}; wrong recipients: ${sample(wrongRecipient)}` : `${smtp.deliveries.length} deliveries`
        )
      );
      checks.push(
        check(
          'each reminder delivered once per Message-ID; raw copies only of claims in flight at the kill',
          missing.length === 0 && perRow.size === N && rawDuplicates <= stuck.size,
          rawDuplicates === 0
            ? `${smtp.deliveries.length} deliveries for ${N} reminders`
            : `${rawDuplicates} duplicate(s) among ${smtp.deliveries.length} deliveries (rows ${sample(duplicated)}): accepted by the SMTP server when the process was SIGKILLed, before it recorded them sent (RFC 1047 window; ${stuck.size} claim(s) in flight); resent with the same Message-ID, so ${perRow.size} after a receiver's dedupe`
        )
      );
      checks.push(
        check(
          'every duplicate lies in the kill window (a claim in flight at the kill, already accepted by the SMTP server)',
          outsideWindow.length === 0,
          outsideWindow.length ? `duplicated outside the window: rows ${sample(outsideWindow)}` : `${duplicated.length} duplicated row(s), ${acceptedUnrecorded.size} accepted-but-unrecorded at the kills`
        )
      );
      checks.push(
        check(
          'the restarted process\'s figures match the outbox',
          restartTotals.sent === N - (figures[`kill${KILLS}.rowsSent`] || 0) && restartTotals.failed === 0 && restartTotals.errors === 0,
          `sent ${restartTotals.sent} (expected ${N - (figures[`kill${KILLS}.rowsSent`] || 0)}), failed ${restartTotals.failed}, errors ${restartTotals.errors}`
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
