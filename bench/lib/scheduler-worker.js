'use strict';

/**
 * Scenarios 3 and 4 of `npm run bench`, in a child process of their own (so its RSS is the
 * scheduler's): the expiry sweep over a large table against plain SQL doing the same status and
 * role updates, and reminder delivery to a local SMTP server against plain nodemailer.
 * Prints one JSON line. Sizes and database come from the environment (see bench/run.js).
 */
const { ephemeralEnv } = require('../../playground/scripts/ephemeral-env');
const nodemailer = require('nodemailer');
const { SMTPServer } = require('smtp-server');
const { rssOf } = require('./app');

const { PLAYGROUND, PLAYGROUND_DIST } = require('../../playground/scripts/app');
const TOTAL = Number(process.env.BENCH_TOTAL);
const DUE = Number(process.env.BENCH_DUE);
const REMINDERS = Number(process.env.BENCH_REMINDERS);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const DAY = 86_400_000;

const startSmtp = async () => {
  const received = new Map();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        for (const rcpt of session.envelope.rcptTo) received.set(rcpt.address, (received.get(rcpt.address) ?? 0) + 1);
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.server.address().port, received, close: () => new Promise((r) => server.close(r)) };
};

/**
 * Where a run's database time goes: every statement's time from knex's `query` to its
 * `query-response`, summed by kind (the verb and the table). Reported beside the totals, so that a
 * miss names the statements that remain.
 */
const traceSql = (knex) => {
  const started = new Map();
  const byKind = new Map();
  const kindOf = (sql) => {
    const text = sql.replace(/\s+/g, ' ').trim();
    const verb = /^(with \w+ as \()?\s*(\w+)/i.exec(text)?.[2]?.toLowerCase() ?? '?';
    const table = /(?:into|update|from)\s+[`"]?(?:public[`"]?\.[`"]?)?(\w+)/i.exec(text)?.[1] ?? '';
    return `${verb} ${table}`.trim();
  };
  const onQuery = (q) => started.set(q.__knexQueryUid, [process.hrtime.bigint(), kindOf(q.sql)]);
  const onResponse = (_r, q) => {
    const s = started.get(q.__knexQueryUid);
    if (!s) return;
    started.delete(q.__knexQueryUid);
    const entry = byKind.get(s[1]) ?? { statements: 0, ms: 0 };
    entry.statements += 1;
    entry.ms += Number(process.hrtime.bigint() - s[0]) / 1e6;
    byKind.set(s[1], entry);
  };
  knex.client.on('query', onQuery);
  knex.client.on('query-response', onResponse);
  return () => {
    knex.client.off('query', onQuery);
    knex.client.off('query-response', onResponse);
    return [...byKind].map(([kind, e]) => ({ kind, statements: e.statements, ms: Math.round(e.ms * 10) / 10 })).sort((a, b) => b.ms - a.ms);
  };
};

const peakDuring = async (work) => {
  let peak = rssOf(process.pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(process.pid));
  }, 50);
  const t0 = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(timer);
  return { ms, peakRss: Math.max(peak, rssOf(process.pid)), result };
};

const main = async () => {
  const smtp = await startSmtp();
  Object.assign(process.env, {
    NODE_ENV: 'production',
    ...ephemeralEnv(),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_POOL: 'true',
  });
  const { createStrapi } = require('@strapi/strapi');
  const strapi = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  strapi.log.level = 'error';
  await strapi.load();
  const out = {};
  try {
    const knex = strapi.db.connection;
    const meta = (uid) => strapi.db.metadata.get(uid);
    const subs = meta('plugin::subscriptions.subscription').tableName;
    const users = meta('plugin::users-permissions.user').tableName;
    const offerLink = meta('plugin::subscriptions.subscription').attributes.offer.joinTable;
    const userLink = meta('plugin::subscriptions.subscription').attributes.user.joinTable;
    const roleLink = meta('plugin::users-permissions.user').attributes.role.joinTable;
    const fallback = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    const memberRole = await strapi.db.query('plugin::users-permissions.role').create({ data: { type: 'member', name: 'Member', description: 'bench' } });
    const offer = await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Bench', duration: 1, period: 'months', role: memberRole.id, level: 1 },
    });
    const now = new Date(Date.UTC(2030, 0, 1));
    // SQLite writes a multi-row insert as a compound SELECT, limited to 500 terms.
    const chunk = strapi.db.dialect.client === 'sqlite' ? 400 : 2000;
    const insertChunked = async (table, rows) => {
      const ids = [];
      for (let i = 0; i < rows.length; i += chunk) {
        const part = rows.slice(i, i + chunk);
        const result = await knex(table).insert(part, ['id']);
        const first = typeof result[0] === 'object' ? result[0].id : result[0];
        ids.push(...(typeof result[0] === 'object' ? result.map((r) => r.id) : part.map((_r, k) => first + k)));
      }
      return ids;
    };
    const members = async (count, prefix) => {
      const rows = Array.from({ length: count }, (_v, i) => ({
        document_id: `${prefix}${i.toString(36).padStart(20, '0')}`,
        username: `${prefix}${i}@bench.local`,
        email: `${prefix}${i}@bench.local`,
        provider: 'local',
        confirmed: true,
        blocked: false,
        created_at: now,
        updated_at: now,
      }));
      const ids = await insertChunked(users, rows);
      await insertChunked(roleLink.name, ids.map((id) => ({ [roleLink.joinColumn.name]: id, [roleLink.inverseJoinColumn.name]: memberRole.id })));
      return ids;
    };
    const subscriptions = async (userIds, endOf, prefix) => {
      const rows = userIds.map((_u, i) => ({
        document_id: `${prefix}${i.toString(36).padStart(20, '0')}`,
        status: 'active',
        starts_at: new Date(now.getTime() - 400 * DAY),
        due_at: endOf(i),
        ends_at: endOf(i),
        source: 'api',
        created_at: new Date(now.getTime() - 400 * DAY),
        updated_at: new Date(now.getTime() - 400 * DAY),
      }));
      const ids = await insertChunked(subs, rows);
      await insertChunked(offerLink.name, ids.map((id) => ({ [offerLink.joinColumn.name]: id, [offerLink.inverseJoinColumn.name]: offer.id })));
      await insertChunked(userLink.name, ids.map((id, i) => ({ [userLink.joinColumn.name]: id, [userLink.inverseJoinColumn.name]: userIds[i] })));
      return ids;
    };

    // --- 3. Expiry sweep: TOTAL subscriptions, DUE of them ended a minute ago -----------------
    const t0 = Date.now();
    const dueUsers = await members(DUE, 'd');
    const dueIds = await subscriptions(dueUsers, (i) => new Date(now.getTime() - 60_000 - i), 's');
    const idleUsers = await members(Math.max(0, TOTAL - DUE), 'i');
    await subscriptions(idleUsers, (i) => new Date(now.getTime() + (30 + (i % 700)) * DAY + i), 't');
    if (strapi.db.dialect.client === 'postgres') await knex.raw('ANALYZE');
    out.setupSeconds = (Date.now() - t0) / 1000;

    const scheduler = strapi.plugin('subscriptions').service('scheduler');
    const outboxTables = ['subscriptions_messages', 'subscriptions_messages_user_lnk', 'subscriptions_messages_subscription_lnk', 'subscriptions_messages_notification_rule_lnk'];
    const clearOutbox = async () => {
      for (const table of outboxTables) await knex(table).del();
    };
    /** The due rows back to active, their members back to the offer's role, no notices. */
    const putBack = async () => {
      for (let i = 0; i < dueIds.length; i += 1000) {
        await knex(subs).whereIn('id', dueIds.slice(i, i + 1000)).update({ status: 'active' });
        await knex(roleLink.name).whereIn(roleLink.joinColumn.name, dueUsers.slice(i, i + 1000)).update({ [roleLink.inverseJoinColumn.name]: memberRole.id });
      }
      await clearOutbox();
    };
    out.sweeps = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // The baseline: plain SQL, the same status and role updates.
      await putBack();
      const stopBaselineTrace = traceSql(knex);
      const baseline = await peakDuring(async () =>
        knex.transaction(async (trx) => {
          const rows = await trx(subs)
            .join(userLink.name, `${userLink.name}.${userLink.joinColumn.name}`, `${subs}.id`)
            .select(`${subs}.id`, `${userLink.name}.${userLink.inverseJoinColumn.name} as user_id`)
            .where(`${subs}.status`, 'active')
            .andWhere(`${subs}.ends_at`, '<=', now);
          for (let i = 0; i < rows.length; i += 1000) {
            const part = rows.slice(i, i + 1000);
            await trx(subs).whereIn('id', part.map((r) => r.id)).update({ status: 'expired' });
            await trx(roleLink.name).whereIn(roleLink.joinColumn.name, part.map((r) => r.user_id)).update({ [roleLink.inverseJoinColumn.name]: fallback.id });
          }
          return rows.length;
        })
      );
      const baselineSql = stopBaselineTrace();
      // The plugin, on the same rows put back.
      await putBack();
      if (global.gc) global.gc();
      const idleRss = rssOf(process.pid);
      const stopTrace = traceSql(knex);
      const plugin = await peakDuring(() => scheduler.runOnce({ now, steps: ['lifecycle'] }));
      const pluginSql = stopTrace();
      const expired = await knex(subs).whereIn('id', dueIds.slice(0, 1000)).andWhere({ status: 'expired' }).count({ n: '*' });
      const demoted = await knex(roleLink.name).whereIn(roleLink.joinColumn.name, dueUsers.slice(0, 1000)).andWhere(roleLink.inverseJoinColumn.name, fallback.id).count({ n: '*' });
      const notices = await knex('subscriptions_messages').where({ kind: 'expiry' }).count({ n: '*' });
      // And a run with nothing due on the same table.
      const idle = await peakDuring(() => scheduler.runOnce({ now: new Date(now.getTime() + 1000), steps: ['lifecycle'] }));
      out.sweeps.push({
        total: TOTAL,
        due: DUE,
        pluginMs: plugin.ms,
        pluginFigures: plugin.result,
        baselineMs: baseline.ms,
        baselineRows: baseline.result,
        idleRunMs: idle.ms,
        idleRss,
        pluginPeakRss: plugin.peakRss,
        checkedExpired: Number(expired[0].n),
        checkedDemoted: Number(demoted[0].n),
        expiryNotices: Number(notices[0].n),
        pluginSql,
        baselineSql,
      });
      process.stderr.write(`[scheduler-worker] sweep round ${round + 1}: plugin ${plugin.ms.toFixed(1)} ms, baseline ${baseline.ms.toFixed(1)} ms, idle ${idle.ms.toFixed(1)} ms\n`);
    }

    // --- 4. Reminders: REMINDERS subscriptions whose "7 days before" reminder fell due in the
    // last 30 s (the time since the previous run) --------------------------------------------
    await clearOutbox();
    const reminderUsers = await members(REMINDERS, 'r');
    const remindNow = new Date(now.getTime() + 10 * DAY);
    await subscriptions(reminderUsers, (i) => new Date(remindNow.getTime() + 7 * DAY - 30_000 + (i % 20_000)), 'u');
    await strapi.db.query('plugin::subscriptions.notification-rule').create({ data: { offer: offer.id, amount: 7, period: 'days', when: 'before' } });
    await scheduler.runOnce({ now: new Date(remindNow.getTime() - 60_000), steps: ['reminders'] }); // opens the window
    const store = strapi.store({ type: 'plugin', name: 'subscriptions' });
    out.reminders = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // The baseline: plain nodemailer, a pool of its default five connections, every message at once.
      smtp.received.clear();
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, pool: true, ignoreTLS: true });
      const mailBaseline = await peakDuring(async () => {
        const jobs = [];
        for (let i = 0; i < REMINDERS; i += 1) {
          jobs.push(
            transport.sendMail({
              from: 'members@example.com',
              to: `baseline${i}@bench.local`,
              subject: 'Your subscription to Bench ends on 6 January 2030',
              text: 'Hello, your subscription ends soon. Renew it to keep your access.',
            })
          );
        }
        await Promise.all(jobs);
      });
      transport.close();
      const baselineDelivered = smtp.received.size;

      // The plugin: the same reminders queued again (no outbox rows, the window reopened), then sent.
      await clearOutbox();
      await store.set({ key: 'scheduler', value: { remindersCheckedUntil: new Date(remindNow.getTime() - 60_000).toISOString() } });
      smtp.received.clear();
      const remind = await peakDuring(() => scheduler.runOnce({ now: remindNow, steps: ['reminders', 'delivery'] }));
      const reminderTargets = [...smtp.received.keys()].filter((a) => a.startsWith('r'));
      const deliveredOnce = reminderTargets.filter((a) => smtp.received.get(a) === 1).length;
      const deliveredMore = reminderTargets.filter((a) => smtp.received.get(a) > 1).length;
      out.reminders.push({
        due: REMINDERS,
        pluginMs: remind.ms,
        pluginFigures: remind.result,
        deliveredOnce,
        deliveredMore,
        baselineMs: mailBaseline.ms,
        baselineDelivered,
      });
      process.stderr.write(`[scheduler-worker] reminders round ${round + 1}: plugin ${remind.ms.toFixed(1)} ms (${deliveredOnce} once, ${deliveredMore} more), baseline ${mailBaseline.ms.toFixed(1)} ms\n`);
    }
  } finally {
    await strapi.destroy();
    await smtp.close();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(String((error && error.stack) || error).slice(0, 1500));
    process.exit(1);
  }
);
