import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, roleOf, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const iso = (value: unknown) => new Date(value as string).toISOString();
const SUB = 'plugin::subscriptions.subscription';
const MESSAGE = 'plugin::subscriptions.message';

/**
 * The scheduled work, driven in-process: every run gets its `now` (no sleeping), e-mails go
 * through Strapi's e-mail plugin to a real SMTP server in this process. Each test lives in its
 * own year so the runs of one test never make another test's subscriptions due by accident, and
 * counts only its own members' e-mails.
 */
describe('scheduled work', () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  let memberRole: { id: number };
  const events: { event: string; id: number }[] = [];

  const scheduler = () => strapi.plugin('subscriptions').service('scheduler');
  const messages = () => strapi.plugin('subscriptions').service('messages');
  const settings = () => strapi.plugin('subscriptions').service('settings');
  const run = (now: Date) => scheduler().runOnce({ now });

  let offerCounter = 0;
  const makeOffer = async (
    terms: Record<string, unknown>,
    rules: { amount: number; period: string; when: string; subject?: string; text?: string; html?: string }[] = []
  ) => {
    offerCounter += 1;
    const offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: `Offer ${offerCounter}`, duration: 1, period: 'months', price: 10, role: memberRole.id, level: 1, ...terms } as never,
    })) as unknown as { id: number; title: string };
    const ruleIds: number[] = [];
    for (const rule of rules) {
      const created = (await strapi.db
        .query('plugin::subscriptions.notification-rule')
        .create({ data: { ...rule, offer: offer.id } })) as { id: number };
      ruleIds.push(created.id);
    }
    return { ...offer, ruleIds };
  };

  const stored = (id: number) => strapi.db.query(SUB).findOne({ where: { id } });
  const messagesOf = (subscriptionId: number) =>
    strapi.db.query(MESSAGE).findMany({ where: { subscription: { id: subscriptionId } }, orderBy: { id: 'asc' } });
  const eventsOf = (id: number) => events.filter((e) => e.id === id).map((e) => e.event);

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('scheduler', smtp.env);
    memberRole = await createRole(strapi, 'member');
    for (const event of ['activated', 'expired', 'cancelled']) {
      strapi.eventHub.on(`subscriptions.subscription.${event}`, ({ subscription }: { subscription: { id: number } }) => {
        events.push({ event, id: subscription.id });
      });
    }
  });
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp?.close();
  });

  it('expires a subscription at the exact minute of its end, once, with its role and an expiry notice', async () => {
    const offer = await makeOffer({ duration: 30, period: 'days' });
    const user = await createMember(strapi);
    const start = at('2030-01-10T08:30:00.000Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    expect(await roleOf(strapi, user.id)).toBe('member');
    const end = new Date(start.getTime() + 30 * DAY);

    let figures = await run(new Date(end.getTime() - MINUTE));
    expect((await stored(sub.id)).status).toBe('active');
    expect(figures.expired).toBe(0);

    figures = await run(end);
    expect(figures.expired).toBe(1);
    expect((await stored(sub.id)).status).toBe('expired');
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
    await run(end);
    await run(new Date(end.getTime() + HOUR));
    expect(eventsOf(sub.id)).toEqual(['expired']);
    const notices = smtp.to(user.email);
    expect(notices).toHaveLength(1);
    expect(notices[0].subject).toBe(`Your subscription "${offer.title}" has ended`);
    expect(notices[0].text).toContain('February 9, 2030');
  });

  it('activates a pending subscription when its start comes, and ends a cancelled one as cancelled', async () => {
    const offer = await makeOffer({ duration: 10, period: 'days' });
    const user = await createMember(strapi);
    const now = at('2031-03-01T00:00:00.000Z');
    const startsAt = at('2031-03-05T12:00:00.000Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, startsAt, now });
    expect(sub.status).toBe('pending');
    expect(await roleOf(strapi, user.id)).toBe('authenticated');

    await run(new Date(startsAt.getTime() - 1));
    expect((await stored(sub.id)).status).toBe('pending');
    const figures = await run(startsAt);
    expect(figures.activated).toBe(1);
    expect((await stored(sub.id)).status).toBe('active');
    expect(await roleOf(strapi, user.id)).toBe('member');

    await subscriptionsService(strapi).cancel(sub.documentId, { now: at('2031-03-06T00:00:00Z') });
    expect((await stored(sub.id)).status).toBe('active');
    await run(at('2031-03-15T11:59:00Z'));
    expect((await stored(sub.id)).status).toBe('active');
    await run(at('2031-03-15T12:00:00Z'));
    expect((await stored(sub.id)).status).toBe('cancelled');
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
    // `cancelled` twice: when the member cancels (access goes on) and when access ends.
    expect(eventsOf(sub.id)).toEqual(['activated', 'cancelled', 'cancelled']);
  });

  it('ends a recurring subscription whose re-bill never came once the grace has passed', async () => {
    const offer = await makeOffer({ duration: 1, period: 'months' });
    const user = await createMember(strapi);
    const start = at('2032-01-15T10:00:00.000Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    // An open-ended recurring subscription: paid until dueAt, no hard end.
    await strapi.db.query(SUB).update({ where: { id: sub.id }, data: { endsAt: null } });
    const due = at('2032-02-15T10:00:00.000Z');
    expect(iso((await stored(sub.id)).dueAt)).toBe(due.toISOString());

    await run(new Date(due.getTime() + 47 * HOUR));
    expect((await stored(sub.id)).status).toBe('active');
    await run(new Date(due.getTime() + 48 * HOUR));
    expect((await stored(sub.id)).status).toBe('active');
    const now = new Date(due.getTime() + 48 * HOUR + MINUTE);
    const figures = await run(now);
    expect(figures.graceEnded).toBe(1);
    const ended = await stored(sub.id);
    expect(ended.status).toBe('expired');
    expect(iso(ended.endsAt)).toBe(now.toISOString());
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
    expect(eventsOf(sub.id)).toEqual(['expired']);

    // A custom grace from the settings applies.
    await settings().update({ graceHours: 2 });
    try {
      const other = await createMember(strapi);
      const second = await subscriptionsService(strapi).subscribe({ user: other.id, offer: offer.id, now: start });
      await strapi.db.query(SUB).update({ where: { id: second.id }, data: { endsAt: null } });
      await run(new Date(due.getTime() + 2 * HOUR));
      expect((await stored(second.id)).status).toBe('active');
      await run(new Date(due.getTime() + 2 * HOUR + MINUTE));
      expect((await stored(second.id)).status).toBe('expired');
    } finally {
      await settings().update({ graceHours: 48 });
    }
  });

  it('at a month end: expires on the clamped day and sends a "1 month before" reminder on the clamped instant', async () => {
    const offer = await makeOffer({ duration: 2, period: 'months' }, [{ amount: 1, period: 'months', when: 'before' }]);
    const user = await createMember(strapi);
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: at('2033-01-31T10:00:00Z') });
    expect(iso((await stored(sub.id)).endsAt)).toBe('2033-03-31T10:00:00.000Z');
    // 31 March minus one month is 28 February (2033 is not a leap year).
    await run(at('2033-02-28T09:59:00Z'));
    expect(smtp.to(user.email)).toHaveLength(0);
    const figures = await run(at('2033-02-28T10:00:00Z'));
    expect(figures.remindersQueued).toBe(1);
    expect(figures.sent).toBeGreaterThanOrEqual(1);
    const mails = smtp.to(user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe(`Your subscription "${offer.title}" ends on March 31, 2033 at 10:00 AM UTC`);

    await run(at('2033-03-31T09:59:00Z'));
    expect((await stored(sub.id)).status).toBe('active');
    await run(at('2033-03-31T10:00:00Z'));
    expect((await stored(sub.id)).status).toBe('expired');
  });

  it('sends "before" and "after" reminders once each, re-arms them after a renewal', async () => {
    const offer = await makeOffer({ duration: 30, period: 'days' }, [
      { amount: 7, period: 'days', when: 'before' },
      { amount: 1, period: 'days', when: 'after' },
    ]);
    const user = await createMember(strapi);
    const start = at('2034-04-01T00:00:00Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    const end = new Date(start.getTime() + 30 * DAY);

    await run(new Date(end.getTime() - 7 * DAY - MINUTE));
    expect(smtp.to(user.email)).toHaveLength(0);
    await run(new Date(end.getTime() - 7 * DAY));
    await run(new Date(end.getTime() - 7 * DAY + MINUTE));
    await run(new Date(end.getTime() - 6 * DAY));
    expect(smtp.to(user.email).map((m) => m.subject)).toEqual([expect.stringContaining('ends on May 1, 2034')]);

    await run(end); // expiry notice
    await run(new Date(end.getTime() + DAY)); // "after" reminder
    await run(new Date(end.getTime() + DAY + HOUR));
    const subjects = smtp.to(user.email).map((m) => m.subject);
    expect(subjects).toHaveLength(3);
    expect(subjects[1]).toContain('has ended');
    expect(subjects[2]).toContain('ended on May 1, 2034');

    // Renewed within the renewal window: a new end arms both rules again.
    const renewed = await subscriptionsService(strapi).renew(sub.documentId, { now: new Date(end.getTime() + DAY + 2 * HOUR) });
    const newEnd = new Date(renewed.endsAt);
    expect(newEnd.getTime()).toBeGreaterThan(end.getTime());
    await run(new Date(newEnd.getTime() - 7 * DAY));
    await run(new Date(newEnd.getTime() - 7 * DAY + MINUTE));
    expect(smtp.to(user.email)).toHaveLength(4);
    const reminders = (await messagesOf(sub.id)).filter((m: { kind: string }) => m.kind === 'reminder');
    expect(reminders.map((m: { status: string }) => m.status)).toEqual(['sent', 'sent', 'sent']);
    expect(new Set(reminders.map((m: { dedupeKey: string }) => m.dedupeKey)).size).toBe(3);
  });

  it('catches up after downtime: "after" reminders are sent late, stale "before" ones are logged as skipped', async () => {
    const offer = await makeOffer({ duration: 10, period: 'days' }, [
      { amount: 3, period: 'days', when: 'before' },
      { amount: 2, period: 'days', when: 'after' },
    ]);
    const user = await createMember(strapi);
    const start = at('2035-06-01T00:00:00Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    await run(new Date(start.getTime() + HOUR));
    // Down from day 1 to day 20: the "before" (day 7) and "after" (day 12) instants were missed.
    const figures = await run(new Date(start.getTime() + 20 * DAY));
    expect(figures.remindersSkipped).toBe(1);
    expect(figures.remindersQueued).toBe(1);
    const rows = await messagesOf(sub.id);
    const byRule = (ruleId: number) => rows.find((m: { kind: string }) => m.kind === 'reminder' && m.dedupeKey.includes(`:${ruleId}:`));
    expect(byRule(offer.ruleIds[0])).toMatchObject({ status: 'skipped' });
    expect(byRule(offer.ruleIds[0]).lastError).toMatch(/already ended/);
    expect(byRule(offer.ruleIds[1])).toMatchObject({ status: 'sent' });
    const subjects = smtp.to(user.email).map((m) => m.subject);
    expect(subjects).toHaveLength(2); // expiry notice + the "after" reminder, no "before" one
    expect(subjects.filter((s) => s.includes('ends on'))).toHaveLength(0);
  });

  it('shows admins the reminder log with each outcome; refuses a bad filter naming the field', async () => {
    const admin = await adminJwt(strapi);
    const auth = { Authorization: `Bearer ${admin.jwt}` };
    const skipped = await http(strapi).get('/subscriptions/messages?kind=reminder&status=skipped').set(auth);
    expect(skipped.status).toBe(200);
    expect(skipped.body.data.length).toBeGreaterThanOrEqual(1);
    for (const row of skipped.body.data) {
      expect(row).toMatchObject({ kind: 'reminder', status: 'skipped' });
      expect(row.lastError).toMatch(/already ended/);
      expect(row.subscription.documentId).toEqual(expect.any(String));
    }
    const sent = await http(strapi).get('/subscriptions/messages?kind=reminder&status=sent&pageSize=2').set(auth);
    expect(sent.body.data).toHaveLength(2);
    expect(sent.body.meta.pagination.total).toBeGreaterThanOrEqual(3);
    expect(sent.body.data[0]).not.toHaveProperty('data');

    const bad = await http(strapi).get('/subscriptions/messages?status=lost').set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0].path).toEqual(['status']);
    const unknown = await http(strapi).get('/subscriptions/messages?sort=id').set(auth);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/sort/);

    const author = await adminJwt(strapi, 'strapi-author');
    expect((await http(strapi).get('/subscriptions/messages').set({ Authorization: `Bearer ${author.jwt}` })).status).toBe(403);
    expect((await http(strapi).get('/subscriptions/messages')).status).toBe(401);

    const templates = await http(strapi).get('/subscriptions/email-templates').set(auth);
    expect(templates.body.data.defaults.reminder.fr.subject).toContain('Votre abonnement');
    const badUrl = await http(strapi).put('/subscriptions/settings').set(auth).send({ renewalUrl: 'not a url' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.details.errors[0].path).toEqual(['renewalUrl']);
  });

  it('records a failed send, retries it with back-off, and never sends it twice', async () => {
    const offer = await makeOffer({ duration: 10, period: 'days' }, [{ amount: 1, period: 'days', when: 'before' }]);
    const user = await createMember(strapi);
    const start = at('2036-02-01T00:00:00Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    const due = new Date(start.getTime() + 9 * DAY);
    await run(new Date(due.getTime() - HOUR));
    smtp.setFailing(true);
    try {
      const figures = await run(due);
      expect(figures.failed).toBeGreaterThanOrEqual(1);
      let [message] = (await messagesOf(sub.id)).filter((m: { kind: string }) => m.kind === 'reminder');
      expect(message).toMatchObject({ status: 'failed', attempts: 1 });
      expect(message.lastError).toMatch(/550|mailbox unavailable/);
      expect(iso(message.nextAttemptAt)).toBe(new Date(due.getTime() + MINUTE).toISOString());
      // Before the back-off has passed nothing is attempted.
      await run(new Date(due.getTime() + 30_000));
      [message] = (await messagesOf(sub.id)).filter((m: { kind: string }) => m.kind === 'reminder');
      expect(message.attempts).toBe(1);
      // Second failure: the wait doubles.
      await run(new Date(due.getTime() + MINUTE));
      [message] = (await messagesOf(sub.id)).filter((m: { kind: string }) => m.kind === 'reminder');
      expect(message).toMatchObject({ status: 'failed', attempts: 2 });
      expect(iso(message.nextAttemptAt)).toBe(new Date(due.getTime() + 3 * MINUTE).toISOString());
    } finally {
      smtp.setFailing(false);
    }
    expect(smtp.to(user.email)).toHaveLength(0);
    await run(new Date(due.getTime() + 3 * MINUTE));
    const [sent] = (await messagesOf(sub.id)).filter((m: { kind: string }) => m.kind === 'reminder');
    expect(sent).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    await run(new Date(due.getTime() + HOUR));
    expect(smtp.to(user.email)).toHaveLength(1);
  });

  it('renders per-rule and admin templates, escapes values in HTML, writes dates in the chosen language', async () => {
    const offer = await makeOffer({ title: '<b>Tom & Jerry</b>', duration: 10, period: 'days' }, [
      { amount: 2, period: 'days', when: 'before' },
      { amount: 1, period: 'days', when: 'before', subject: 'Last day for {{offerTitle}}', text: 'Bye {{username}}', html: '<p>{{offerTitle}}</p>' },
    ]);
    const user = await createMember(strapi, { username: 'Zoé <script>' });
    const start = at('2037-09-01T00:00:00Z');
    await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    await settings().update({
      defaultLocale: 'fr',
      renewalUrl: 'https://example.com/renew?offer={offer}',
      templates: { reminder: { fr: { subject: 'Rappel : {{offerTitle}} finit le {{endsAt}}', text: '', html: '' } } },
    });
    try {
      await run(new Date(start.getTime() + 8 * DAY));
      await run(new Date(start.getTime() + 9 * DAY));
    } finally {
      await settings().update({ defaultLocale: 'en', renewalUrl: null, templates: {} });
    }
    const [first, second] = smtp.to(user.email);
    expect(first.subject).toBe('Rappel : <b>Tom & Jerry</b> finit le 11 septembre 2037 à 00:00 UTC');
    expect(first.text).toContain('Bonjour Zoé <script>');
    expect(first.text).toContain('https://example.com/renew?offer=');
    expect(first.html).toContain('Bonjour Zoé &lt;script&gt;');
    expect(first.html).toContain('&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;');
    expect(first.html).not.toContain('<b>Tom');
    expect(second.subject).toBe('Last day for <b>Tom & Jerry</b>');
    expect(second.text.trim()).toBe('Bye Zoé <script>');
    expect(second.html).toContain('<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>');
  });

  it('sends nothing to a member without an e-mail address', async () => {
    const offer = await makeOffer({ duration: 5, period: 'days' }, [{ amount: 1, period: 'days', when: 'before' }]);
    const user = await createMember(strapi, { email: null });
    const start = at('2038-01-01T00:00:00Z');
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id, now: start });
    await run(new Date(start.getTime() + 4 * DAY));
    await run(new Date(start.getTime() + 6 * DAY));
    expect((await stored(sub.id)).status).toBe('expired');
    expect(await messagesOf(sub.id)).toHaveLength(0);
  });

  it('sends a welcome e-mail with a one-time set-password link made at send time and never stored', async () => {
    await strapi
      .store({ type: 'plugin', name: 'users-permissions', key: 'advanced' })
      .set({ value: { ...((await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as object), email_reset_password: 'https://example.com/set-password' } });
    const user = await createMember(strapi);
    const { created, id } = await messages().enqueue({
      kind: 'welcome',
      to: user.email,
      userId: user.id,
      dedupeKey: `welcome:test:${user.id}`,
      data: { offerTitle: 'Monthly & more' },
    });
    expect(created).toBe(true);
    expect(await messages().enqueue({ kind: 'welcome', to: user.email, userId: user.id, dedupeKey: `welcome:test:${user.id}` })).toEqual({
      created: false,
      id: null,
    });
    const pending = await strapi.db.query(MESSAGE).findOne({ where: { id } });
    expect(pending.status).toBe('pending');
    await messages().deliverDue({ now: at('2038-06-01T00:00:00Z') });
    const [mail] = smtp.to(user.email);
    expect(mail.subject).toBe('Welcome to Monthly & more');
    const code = /set-password\?code=([0-9a-f]+)/.exec(mail.text)?.[1];
    expect(code).toHaveLength(128);
    const row = await strapi.db.query(MESSAGE).findOne({ where: { id } });
    expect(row.status).toBe('sent');
    expect(JSON.stringify(row)).not.toContain(code);
    // The link works once, through users-permissions' own reset-password route (opened to the public as a site would).
    const publicRole = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'public' } });
    const action = 'plugin::users-permissions.auth.resetPassword';
    if (!(await strapi.db.query('plugin::users-permissions.permission').findOne({ where: { action, role: { id: publicRole.id } } }))) {
      await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: publicRole.id } });
    }
    const reset = await http(strapi)
      .post('/api/auth/reset-password')
      .send({ code, password: 'Chosen-password-1', passwordConfirmation: 'Chosen-password-1' });
    expect(reset.status).toBe(200);
    const again = await http(strapi)
      .post('/api/auth/reset-password')
      .send({ code, password: 'Other-password-1', passwordConfirmation: 'Other-password-1' });
    expect(again.status).toBe(400);
  });

  it('picks up a message left "sending" by a killed process once its lease has expired', async () => {
    const user = await createMember(strapi);
    const now = at('2039-01-01T12:00:00Z');
    const { id } = await messages().enqueue(
      { kind: 'test', to: user.email, userId: user.id, dedupeKey: `test:lease:${user.id}`, data: { subject: 'Lease test', text: 'hello' } },
      now
    );
    // What a process killed mid-send leaves behind: claimed, attempt counted, lease running.
    await strapi.db.query(MESSAGE).update({
      where: { id },
      data: { status: 'sending', attempts: 1, claimedUntil: new Date(now.getTime() + 5 * MINUTE) },
    });
    await messages().deliverDue({ now: new Date(now.getTime() + 4 * MINUTE) });
    expect(smtp.to(user.email)).toHaveLength(0);
    expect((await strapi.db.query(MESSAGE).findOne({ where: { id } })).status).toBe('sending');
    const figures = await messages().deliverDue({ now: new Date(now.getTime() + 5 * MINUTE) });
    expect(figures.sent).toBe(1);
    expect(smtp.to(user.email).map((m) => m.subject)).toEqual(['Lease test']);
    expect(await strapi.db.query(MESSAGE).findOne({ where: { id } })).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('costs the same number of queries whether 1,500 subscriptions are not due or none', async () => {
    // A notification rule, so the reminder step has a range to read too.
    await makeOffer({ duration: 1, period: 'months' }, [{ amount: 7, period: 'days', when: 'before' }]);
    const now = at('2040-01-01T00:00:00Z');
    await run(now);
    const countQueries = async (when: Date) => {
      let queries = 0;
      const onQuery = () => {
        queries += 1;
      };
      strapi.db.connection.on('query', onQuery);
      try {
        await run(when);
      } finally {
        strapi.db.connection.removeListener('query', onQuery);
      }
      return queries;
    };
    // Background e-mail deliveries of earlier tests share the connection and may add a query to
    // one run: the fewer of two runs is the run's own cost.
    const before = Math.min(await countQueries(new Date(now.getTime() + MINUTE)), await countQueries(new Date(now.getTime() + MINUTE + 1000)));
    // 1,500 subscriptions far from any due date (bulk insert: this is about the run, not the writes).
    const rows = Array.from({ length: 1500 }, () => ({
      status: 'active',
      startsAt: at('2039-12-01T00:00:00Z'),
      dueAt: at('2041-06-01T00:00:00Z'),
      endsAt: at('2041-06-01T00:00:00Z'),
      source: 'api',
    }));
    await strapi.db.query(SUB).createMany({ data: rows });
    const after = Math.min(await countQueries(new Date(now.getTime() + 2 * MINUTE)), await countQueries(new Date(now.getTime() + 2 * MINUTE + 1000)));
    expect(after).toBe(before);
  });

  it('deliverSoon sends a message queued in a transaction once that transaction has committed', async () => {
    const committed = await createMember(strapi);
    const rolledBack = await createMember(strapi);
    await strapi.db.transaction(async () => {
      await messages().enqueue({ kind: 'welcome', to: committed.email, userId: committed.id, dedupeKey: `welcome:soon:${committed.id}` });
      messages().deliverSoon();
    });
    await expect(
      strapi.db.transaction(async () => {
        await messages().enqueue({ kind: 'welcome', to: rolledBack.email, userId: rolledBack.id, dedupeKey: `welcome:soon:${rolledBack.id}` });
        messages().deliverSoon();
        throw new Error('purchase failed');
      })
    ).rejects.toThrow('purchase failed');
    const mail = await smtp.waitFor(committed.email);
    expect(mail.subject).toBe('Welcome');
    // The background delivery marks the row once the SMTP server has accepted it.
    const sentRow = async () => strapi.db.query(MESSAGE).findOne({ where: { dedupeKey: `welcome:soon:${committed.id}` } });
    for (let i = 0; i < 400 && (await sentRow()).status !== 'sent'; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect((await sentRow()).status).toBe('sent');
    expect(await strapi.db.query(MESSAGE).count({ where: { dedupeKey: `welcome:soon:${rolledBack.id}` } })).toBe(0);
    expect(smtp.to(rolledBack.email)).toHaveLength(0);
  });

  it('reminds of an end an editor moved closer, even though that reminder\'s instant is already past', async () => {
    // updated_at is written with the wall clock, so this test runs at the real time.
    const offer = await makeOffer({ duration: 30, period: 'days' }, [{ amount: 7, period: 'days', when: 'before' }]);
    const shortPass = await makeOffer({ duration: 3, period: 'days' }, [{ amount: 7, period: 'days', when: 'before' }]);
    const now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
    const edited = await createMember(strapi);
    const sub = await subscriptionsService(strapi).subscribe({ user: edited.id, offer: offer.id, startsAt: new Date(now.getTime() - 20 * DAY), now });
    const pass = await createMember(strapi);
    await subscriptionsService(strapi).subscribe({ user: pass.id, offer: shortPass.id, now });
    await run(now);
    expect(smtp.to(edited.email)).toHaveLength(0);
    await subscriptionsService(strapi).editDates(sub.documentId, { endsAt: new Date(now.getTime() + 2 * DAY) }, { now });
    const figures = await run(new Date(now.getTime() + MINUTE));
    expect(figures.remindersQueued).toBe(1);
    expect(smtp.to(edited.email).map((m) => m.subject)).toEqual([expect.stringContaining('ends on')]);
    await run(new Date(now.getTime() + 2 * MINUTE));
    expect(smtp.to(edited.email)).toHaveLength(1);
    // The 3-day pass's "7 days before" instant lies before it started: no reminder, no log row.
    expect(smtp.to(pass.email)).toHaveLength(0);
    expect(await strapi.db.query(MESSAGE).count({ where: { to: pass.email } })).toBe(0);
  });
});
