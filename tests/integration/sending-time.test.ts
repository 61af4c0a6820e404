import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const at = (iso: string) => new Date(iso);
const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);
const MESSAGE = 'plugin::subscriptions.message';

/**
 * When the plugin's e-mails may go out: quiet hours (reminders only inside a daily window of the
 * site's zone) and the staging safe mode (nothing to members until an admin confirms the live
 * site). Scheduler runs are driven in-process with their `now`; e-mails reach a real SMTP server.
 */
describe('sending time', () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  let memberRole: { id: number };
  let auth: { Authorization: string };

  const scheduler = () => strapi.plugin('subscriptions').service('scheduler');
  const settings = () => strapi.plugin('subscriptions').service('settings');
  const run = (now: Date) => scheduler().runOnce({ now });
  const messagesOf = (subscriptionId: number) =>
    strapi.db.query(MESSAGE).findMany({ where: { subscription: { id: subscriptionId } }, orderBy: { id: 'asc' } });

  let offerCounter = 0;
  /** An offer of `days` days with one "1 day before the end" reminder rule. */
  const offerWithReminder = async (days: number) => {
    offerCounter += 1;
    const offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: `Timed offer ${offerCounter}`, duration: days, period: 'days', price: 10, role: memberRole.id, level: 1 } as never,
    })) as unknown as { id: number; title: string };
    await strapi.db
      .query('plugin::subscriptions.notification-rule')
      .create({ data: { amount: 1, period: 'days', when: 'before', offer: offer.id } });
    return offer;
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('sending-time', smtp.env);
    memberRole = await createRole(strapi, 'member');
    auth = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
  });
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp?.close();
  });

  describe('quiet hours', () => {
    afterEach(async () => {
      await settings().update({ timeZone: 'UTC', quietHours: { enabled: false, start: '08:00', end: '20:00' } });
    });

    it('refuses an unknown time zone or a malformed window naming the field, and writes nothing', async () => {
      for (const [body, field] of [
        [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
        [{ timeZone: '' }, 'timeZone'],
        [{ quietHours: { start: '25:00' } }, 'quietHours.start'],
        [{ quietHours: { end: '8pm' } }, 'quietHours.end'],
        [{ quietHours: { enabled: 'yes' } }, 'quietHours.enabled'],
        [{ quietHours: { start: '08:00', lunch: '12:00' } }, 'quietHours'],
      ] as const) {
        const res = await http(strapi).put('/subscriptions/settings').set(auth).send(body);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(field);
        expect(res.body.error.details.errors[0].path.join('.')).toBe(field);
      }
      const after = await http(strapi).get('/subscriptions/settings').set(auth);
      expect(after.body.data).toMatchObject({ timeZone: 'UTC', quietHours: { enabled: false, start: '08:00', end: '20:00' } });
      // One field of the window at a time keeps the others.
      const ok = await http(strapi).put('/subscriptions/settings').set(auth).send({ timeZone: 'Europe/Paris', quietHours: { enabled: true } });
      expect(ok.status).toBe(200);
      expect(ok.body.data).toMatchObject({ timeZone: 'Europe/Paris', quietHours: { enabled: true, start: '08:00', end: '20:00' } });
    });

    it('holds a reminder due at 03:00 local until the window opens at 08:00 local; an expiry notice is never held', async () => {
      await settings().update({ timeZone: 'Europe/Paris', quietHours: { enabled: true, start: '08:00', end: '20:00' } });
      const offer = await offerWithReminder(10);
      const user = await createMember(strapi);
      // Starts 03:00 in Paris (CET, UTC+1): ends ten days later at 03:00, the reminder is due at 03:00 the day before.
      const start = at('2041-01-10T02:00:00.000Z');
      const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
      const due = new Date(start.getTime() + 9 * DAY); // 2041-01-19 03:00 Paris

      let figures = await run(due);
      expect(figures.remindersQueued).toBe(1);
      expect(smtp.to(user.email)).toHaveLength(0);
      const [queued] = await messagesOf(sub.id);
      expect(queued).toMatchObject({ kind: 'reminder', status: 'pending' });
      expect(iso(queued.nextAttemptAt)).toBe('2041-01-19T07:00:00.000Z'); // 08:00 Paris, visible in the log

      await run(at('2041-01-19T05:00:00.000Z'));
      figures = await run(at('2041-01-19T06:59:59.999Z')); // 07:59:59 Paris
      expect(figures.sent).toBe(0);
      expect(smtp.to(user.email)).toHaveLength(0);

      figures = await run(at('2041-01-19T07:00:00.000Z')); // 08:00 Paris
      expect(figures.sent).toBe(1);
      await run(at('2041-01-19T07:05:00.000Z'));
      const reminders = smtp.to(user.email);
      expect(reminders).toHaveLength(1);
      expect(reminders[0].subject).toContain(offer.title);
      expect((await messagesOf(sub.id))[0]).toMatchObject({ status: 'sent' });

      // The end falls at 03:00 local too: the expiry notice goes out at once.
      figures = await run(new Date(start.getTime() + 10 * DAY));
      expect(figures.expired).toBe(1);
      expect(smtp.to(user.email)).toHaveLength(2);
      expect(smtp.to(user.email)[1].subject).toContain('has ended');
    });

    it('opens at 08:00 local on the night Paris springs forward (an hour earlier in UTC)', async () => {
      await settings().update({ timeZone: 'Europe/Paris', quietHours: { enabled: true, start: '08:00', end: '20:00' } });
      const offer = await offerWithReminder(10);
      const user = await createMember(strapi);
      // Reminder due 2041-03-31 02:30 UTC = 04:30 CEST, hours after the clocks jumped (2041-03-31 01:00 UTC).
      const start = at('2041-03-22T02:30:00.000Z');
      await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
      await run(new Date(start.getTime() + 9 * DAY));
      await run(at('2041-03-31T05:59:00.000Z')); // 07:59 CEST
      expect(smtp.to(user.email)).toHaveLength(0);
      await run(at('2041-03-31T06:00:00.000Z')); // 08:00 CEST
      expect(smtp.to(user.email)).toHaveLength(1);
      await run(at('2041-04-01T03:00:00.000Z')); // past its end: the expiry notice goes out now
      expect(smtp.to(user.email)).toHaveLength(2);
    });
  });

  describe('staging safe mode', () => {
    const STORE = { type: 'plugin', name: 'subscriptions' } as const;
    let serverUrl: unknown;
    beforeAll(() => {
      serverUrl = strapi.config.get('server.url');
    });
    afterEach(async () => {
      delete process.env.SUBSCRIPTIONS_SAFE_MODE;
      strapi.config.set('server.url', serverUrl);
      await strapi.store(STORE).set({ key: 'safeMode', value: {} });
    });

    it('on a host other than the live one, holds a reminder (logged as held), then sends it exactly once after an admin confirms', async () => {
      // A copy of the live database on staging: the live host was recorded, this one differs.
      await strapi.store(STORE).set({ key: 'safeMode', value: { liveHost: 'members.example.org' } });
      strapi.config.set('server.url', 'https://staging.example.org');
      const state = await http(strapi).get('/subscriptions/safe-mode').set(auth);
      expect(state.status).toBe(200);
      expect(state.body.data).toMatchObject({ held: true, reason: 'host-changed', currentHost: 'staging.example.org', liveHost: 'members.example.org' });

      const offer = await offerWithReminder(10);
      const user = await createMember(strapi);
      const start = at('2042-05-01T10:00:00.000Z');
      const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
      const due = new Date(start.getTime() + 9 * DAY);

      let figures = await run(due);
      expect(figures.remindersQueued).toBe(1);
      expect(figures.held).toBe(1);
      expect(figures.sent).toBe(0);
      await run(new Date(due.getTime() + MINUTE));
      expect(smtp.to(user.email)).toHaveLength(0);
      const [row] = await messagesOf(sub.id);
      expect(row).toMatchObject({ kind: 'reminder', status: 'held' });
      expect(row.lastError).toMatch(/safe mode/);
      // Visible in the messages log; the subscription itself still follows the rules.
      const log = await http(strapi).get('/subscriptions/messages?status=held').set(auth);
      expect(log.status).toBe(200);
      expect(log.body.data.some((m: { id: number }) => m.id === row.id)).toBe(true);
      expect((await http(strapi).get('/subscriptions/safe-mode').set(auth)).body.data.heldMessages).toBeGreaterThanOrEqual(1);

      // Only an admin who may change the settings confirms the live site.
      const editor = { Authorization: `Bearer ${(await adminJwt(strapi, 'strapi-editor')).jwt}` };
      expect((await http(strapi).post('/subscriptions/safe-mode/confirm').set(editor).send({})).status).toBe(403);
      expect(smtp.to(user.email)).toHaveLength(0);

      const confirmed = await http(strapi).post('/subscriptions/safe-mode/confirm').set(auth).send({});
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.data).toMatchObject({ held: false, reason: null, liveHost: 'staging.example.org' });
      expect(confirmed.body.data.confirmedAt).toEqual(expect.any(String));

      figures = await run(new Date(due.getTime() + 2 * MINUTE));
      expect(figures.sent).toBe(1);
      await run(new Date(due.getTime() + 3 * MINUTE));
      await run(new Date(due.getTime() + 4 * MINUTE));
      const received = smtp.to(user.email);
      expect(received).toHaveLength(1);
      expect(received[0].subject).toContain(offer.title);
      expect((await messagesOf(sub.id))[0]).toMatchObject({ status: 'sent', lastError: null });
    });

    it('releases held reminders inside the quiet-hours window only', async () => {
      await settings().update({ timeZone: 'UTC', quietHours: { enabled: true, start: '08:00', end: '20:00' } });
      await strapi.store(STORE).set({ key: 'safeMode', value: { liveHost: 'members.example.org' } });
      strapi.config.set('server.url', 'https://staging.example.org');
      try {
        const offer = await offerWithReminder(10);
        const user = await createMember(strapi);
        const start = at('2043-02-01T12:00:00.000Z');
        const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
        const due = new Date(start.getTime() + 9 * DAY); // 12:00 UTC, inside the window: held by safe mode only
        expect((await run(due)).held).toBeGreaterThanOrEqual(1); // (an earlier test's expiry notice may fall due too)
        expect((await messagesOf(sub.id))[0]).toMatchObject({ status: 'held' });
        // Confirmed at night: the reminder waits for the morning.
        expect((await http(strapi).post('/subscriptions/safe-mode/confirm').set(auth).send({})).status).toBe(200);
        await run(at('2043-02-10T22:00:00.000Z'));
        await run(at('2043-02-11T07:59:00.000Z'));
        expect(smtp.to(user.email)).toHaveLength(0);
        expect((await run(at('2043-02-11T08:00:00.000Z'))).sent).toBe(1);
        await run(at('2043-02-11T08:01:00.000Z'));
        expect(smtp.to(user.email)).toHaveLength(1);
      } finally {
        await settings().update({ quietHours: { enabled: false } });
      }
    });

    it('with SUBSCRIPTIONS_SAFE_MODE=true holds every e-mail, even one written to send at once, and cannot be confirmed away', async () => {
      process.env.SUBSCRIPTIONS_SAFE_MODE = 'true';
      const state = await http(strapi).get('/subscriptions/safe-mode').set(auth);
      expect(state.body.data).toMatchObject({ held: true, reason: 'env' });
      const refused = await http(strapi).post('/subscriptions/safe-mode/confirm').set(auth).send({});
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain('SUBSCRIPTIONS_SAFE_MODE');

      // Written claimed, to go out right after its write (as welcomes and receipts are).
      const to = 'safe-mode-direct@example.com';
      const messages = strapi.plugin('subscriptions').service('messages');
      const { id } = await messages.enqueueToSend({ kind: 'test', to, dedupeKey: `test:safe-mode:${Date.now()}`, data: { subject: 'Direct', text: 'x' } });
      await messages.deliverDue({ now: new Date() });
      // The background send this process scheduled may be the one that holds it: wait for its write.
      let row = await strapi.db.query(MESSAGE).findOne({ where: { id } });
      for (let i = 0; i < 100 && row.status !== 'held'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        row = await strapi.db.query(MESSAGE).findOne({ where: { id } });
      }
      expect(row).toMatchObject({ status: 'held', attempts: 0 });
      expect(smtp.to(to)).toHaveLength(0);

      delete process.env.SUBSCRIPTIONS_SAFE_MODE;
      const figures = await messages.deliverDue({ now: new Date() });
      expect(figures.sent).toBeGreaterThanOrEqual(1);
      await messages.deliverDue({ now: new Date() });
      expect(smtp.to(to)).toHaveLength(1);
      expect(await strapi.db.query(MESSAGE).findOne({ where: { id } })).toMatchObject({ status: 'sent', attempts: 1 });
    });
  });
});
