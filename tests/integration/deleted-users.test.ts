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
const USER = 'plugin::users-permissions.user';

/**
 * Deleting a users-permissions user who has subscriptions, by each path a deletion takes (the
 * admin's Content Manager, another plugin's Document Service or query delete): their
 * subscriptions end (or are deleted, with `onUserDeleted: 'delete'`), lose their member, nothing
 * is sent to them afterwards, and every reader (tracking, offers, export, logs, scheduler, `/me`)
 * keeps answering. Subscriptions already orphaned in a database are settled and listed too.
 * Each test lives in its own year; the plugin's clock is pinned to the test's `now`.
 */
describe('deleting a member', () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  let auth: { Authorization: string };
  let memberRole: { id: number };
  let offer: { id: number; documentId: string; title: string };
  const cancelledEvents: number[] = [];

  const clock = () => strapi.plugin('subscriptions').service('clock');
  const scheduler = () => strapi.plugin('subscriptions').service('scheduler');
  const settings = () => strapi.plugin('subscriptions').service('settings');
  const stored = (id: number) => strapi.db.query(SUB).findOne({ where: { id }, populate: { user: true } });
  const messagesTo = (userId: number) => strapi.db.query(MESSAGE).findMany({ where: { user: { id: userId } }, orderBy: { id: 'asc' } });
  const messagesOfSubscription = (id: number) =>
    strapi.db.query(MESSAGE).findMany({ where: { subscription: { id } }, orderBy: { id: 'asc' } });

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('deleted-users', smtp.env);
    auth = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    memberRole = await createRole(strapi, 'member');
    offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Deleted members offer', duration: 30, period: 'days', price: 10, role: memberRole.id, level: 1 } as never,
    })) as unknown as typeof offer;
    await strapi.db.query('plugin::subscriptions.notification-rule').create({ data: { amount: 3, period: 'days', when: 'before', offer: offer.id } });
    strapi.eventHub.on('subscriptions.subscription.cancelled', ({ subscription }: { subscription: { id: number } }) => {
      cancelledEvents.push(subscription.id);
    });
  });
  afterEach(() => clock().pin(null));
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp?.close();
  });

  /** Every admin reader and a member's `/me` answer 200 with complete bodies. */
  const readersAnswer = async () => {
    const paths = [
      '/subscriptions/overview',
      '/subscriptions/subscriptions?list=all&pageSize=100',
      '/subscriptions/subscriptions?list=ended&pageSize=100',
      `/subscriptions/subscriptions?offer=${offer.documentId}&pageSize=100`,
      '/subscriptions/offers',
      `/subscriptions/offers/${offer.documentId}`,
      '/subscriptions/messages?pageSize=100',
      '/subscriptions/payment-events',
      '/subscriptions/preview',
    ];
    const bodies: Record<string, any> = {};
    for (const path of paths) {
      const res = await http(strapi).get(path).set(auth);
      expect({ path, status: res.status, error: res.body?.error }).toEqual({ path, status: 200, error: undefined });
      bodies[path] = res.body;
    }
    const csv = await http(strapi).get('/subscriptions/subscriptions/export?list=all').set(auth);
    expect(csv.status).toBe(200);
    expect(csv.text.split('\n').length).toBeGreaterThan(1);
    const other = await createMember(strapi);
    const jwt = strapi.plugin('users-permissions').service('jwt').issue({ id: other.id }) as string;
    const me = await http(strapi).get('/api/subscriptions/me').set({ Authorization: `Bearer ${jwt}` });
    expect(me.status).toBe(200);
    expect(me.body.data.subscriptions).toEqual([]);
    return bodies;
  };

  /**
   * A member with an active subscription and a reminder queued (not yet sent), and a control
   * member in the same situation who stays. Returns them at the reminder's instant.
   */
  const memberWithQueuedReminder = async (year: number) => {
    const start = at(`${year}-03-01T00:00:00.000Z`);
    const member = await createMember(strapi);
    const control = await createMember(strapi);
    const sub = await subscriptionsService(strapi).subscribe({ user: member.id, offer: offer.id, now: start });
    const controlSub = await subscriptionsService(strapi).subscribe({ user: control.id, offer: offer.id, now: start });
    await strapi.db.query(SUB).update({ where: { id: sub.id }, data: { buyerName: 'Deleted Person' } });
    expect(await roleOf(strapi, member.id)).toBe('member');
    const end = new Date(start.getTime() + 30 * DAY);
    const reminderAt = new Date(end.getTime() - 3 * DAY);
    const figures = await scheduler().runOnce({ now: reminderAt, steps: ['lifecycle', 'reminders'] });
    expect(figures.remindersQueued).toBe(2);
    expect((await messagesTo(member.id)).map((m: { kind: string; status: string }) => [m.kind, m.status])).toEqual([['reminder', 'pending']]);
    const now = new Date(reminderAt.getTime() + HOUR);
    clock().pin(now);
    return { member, control, sub, controlSub, now, end };
  };

  /** After the deletion: ended, no member, anonymised; nothing sent to them, the control member's e-mails go out. */
  const expectEnded = async (
    ctx: Awaited<ReturnType<typeof memberWithQueuedReminder>>
  ) => {
    expect(await strapi.db.query(USER).findOne({ where: { id: ctx.member.id } })).toBeNull();
    const row = await stored(ctx.sub.id);
    expect(row).toMatchObject({ status: 'cancelled', user: null, buyerName: null });
    expect(iso(row.endsAt)).toBe(ctx.now.toISOString());
    expect(iso(row.cancelledAt)).toBe(ctx.now.toISOString());
    expect(cancelledEvents).toContain(ctx.sub.id);
    const [reminder] = await messagesOfSubscription(ctx.sub.id);
    expect(reminder).toMatchObject({ kind: 'reminder', status: 'skipped', lastError: 'the member was deleted' });

    const figures = await scheduler().runOnce({ now: new Date(ctx.now.getTime() + MINUTE) });
    expect(figures.errors).toBe(0);
    await scheduler().runOnce({ now: ctx.end });
    await scheduler().runOnce({ now: new Date(ctx.end.getTime() + DAY) });
    expect(smtp.to(ctx.member.email)).toEqual([]);
    // The same runs sent the control member's reminder and expiry notice: e-mail works.
    expect(smtp.to(ctx.control.email).map((m) => m.subject)).toEqual([
      expect.stringContaining(offer.title),
      `Your subscription "${offer.title}" has ended`,
    ]);
    expect((await messagesOfSubscription(ctx.sub.id)).map((m: { status: string }) => m.status)).toEqual(['skipped']);
    expect((await stored(ctx.sub.id)).status).toBe('cancelled');

    const bodies = await readersAnswer();
    const listed = bodies[`/subscriptions/subscriptions?offer=${offer.documentId}&pageSize=100`].data.find(
      (s: { documentId: string }) => s.documentId === ctx.sub.documentId
    );
    expect(listed).toMatchObject({ status: 'cancelled' });
    expect(listed.user ?? null).toBeNull();
  };

  it('via the admin Content Manager: the subscription ends now, without its member, and the queued reminder is never sent', async () => {
    const ctx = await memberWithQueuedReminder(2041);
    const res = await http(strapi).delete(`/content-manager/collection-types/${USER}/${ctx.member.documentId}`).set(auth);
    expect(res.status).toBe(200);
    await expectEnded(ctx);
  });

  it("via another plugin's strapi.documents(...).delete", async () => {
    const ctx = await memberWithQueuedReminder(2042);
    await strapi.documents(USER as never).delete({ documentId: ctx.member.documentId });
    await expectEnded(ctx);
  });

  it("via another plugin's strapi.db.query(...).delete, and deleteMany", async () => {
    const ctx = await memberWithQueuedReminder(2043);
    await strapi.db.query(USER).delete({ where: { id: ctx.member.id } });
    await expectEnded(ctx);

    const many = await memberWithQueuedReminder(2044);
    await strapi.db.query(USER).deleteMany({ where: { id: many.member.id } });
    await expectEnded(many);
  });

  it("via users-permissions' own DELETE /api/users/:id", async () => {
    const managers = await createRole(strapi, 'user-managers');
    await strapi.db
      .query('plugin::users-permissions.permission')
      .create({ data: { action: 'plugin::users-permissions.user.destroy', role: managers.id } });
    const manager = await createMember(strapi, { role: managers.id });
    const jwt = strapi.plugin('users-permissions').service('jwt').issue({ id: manager.id }) as string;
    const ctx = await memberWithQueuedReminder(2047);
    const res = await http(strapi).delete(`/api/users/${ctx.member.id}`).set({ Authorization: `Bearer ${jwt}` });
    expect(res.status).toBe(200);
    await expectEnded(ctx);
  });

  it("via the Content Manager's bulk delete of several users", async () => {
    const ctx = await memberWithQueuedReminder(2048);
    const second = await createMember(strapi);
    const secondSub = await subscriptionsService(strapi).subscribe({ user: second.id, offer: offer.id, now: new Date(ctx.now.getTime() - DAY) });
    const res = await http(strapi)
      .post(`/content-manager/collection-types/${USER}/actions/bulkDelete`)
      .set(auth)
      .send({ documentIds: [ctx.member.documentId, second.documentId] });
    expect(res.status).toBe(200);
    expect(await stored(secondSub.id)).toMatchObject({ status: 'cancelled', user: null });
    await expectEnded(ctx);
  });

  it("with onUserDeleted 'delete': the member's subscriptions are deleted", async () => {
    const refused = await http(strapi).put('/subscriptions/settings').set(auth).send({ onUserDeleted: 'forget' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^onUserDeleted: /);
    const set = await http(strapi).put('/subscriptions/settings').set(auth).send({ onUserDeleted: 'delete' });
    expect(set.status).toBe(200);
    expect(set.body.data.onUserDeleted).toBe('delete');
    try {
      const ctx = await memberWithQueuedReminder(2045);
      await strapi.documents(USER as never).delete({ documentId: ctx.member.documentId });
      expect(await strapi.db.query(SUB).findOne({ where: { id: ctx.sub.id } })).toBeNull();
      expect(await stored(ctx.controlSub.id)).toMatchObject({ status: 'active' });
      const figures = await scheduler().runOnce({ now: new Date(ctx.end.getTime() + DAY) });
      expect(figures.errors).toBe(0);
      expect(smtp.to(ctx.member.email)).toEqual([]);
      await readersAnswer();
    } finally {
      await settings().update({ onUserDeleted: 'end' });
    }
  });

  it('settles orphan subscriptions already in the database (no member link): activation and expiry, no e-mail, and lists them', async () => {
    const now = at('2046-06-01T00:00:00.000Z');
    const base = { offer: offer.id, source: 'manual', anchorDay: null };
    const pending = await strapi.db.query(SUB).create({
      data: { ...base, status: 'pending', startsAt: new Date(now.getTime() - HOUR), dueAt: new Date(now.getTime() + 10 * DAY), endsAt: new Date(now.getTime() + 10 * DAY) },
    });
    const ending = await strapi.db.query(SUB).create({
      data: { ...base, status: 'active', startsAt: new Date(now.getTime() - 30 * DAY), dueAt: new Date(now.getTime() - MINUTE), endsAt: new Date(now.getTime() - MINUTE) },
    });
    const before = await readersAnswer();
    expect(before['/subscriptions/preview'].data).toBeDefined();

    const sent = smtp.received.length;
    const figures = await scheduler().runOnce({ now });
    expect(figures).toMatchObject({ activated: 1, expired: 1, errors: 0 });
    expect(await stored(pending.id)).toMatchObject({ status: 'active', user: null });
    expect(await stored(ending.id)).toMatchObject({ status: 'expired', user: null });
    // The reminder instant of the now active orphan passes: no reminder for a subscription without a member.
    const later = await scheduler().runOnce({ now: new Date(now.getTime() + 7 * DAY + HOUR) });
    expect(later.errors).toBe(0);
    expect(await messagesOfSubscription(pending.id)).toEqual([]);
    expect(await messagesOfSubscription(ending.id)).toEqual([]);
    expect(smtp.received.length).toBe(sent);
    // Settled once: the next run finds nothing to do with them.
    expect(await scheduler().runOnce({ now: new Date(now.getTime() + MINUTE), steps: ['lifecycle'] })).toMatchObject({ activated: 0, expired: 0 });

    const after = await readersAnswer();
    const ids = after['/subscriptions/subscriptions?list=all&pageSize=100'].data.map((s: { documentId: string }) => s.documentId);
    expect(ids).toEqual(expect.arrayContaining([pending.documentId, ending.documentId]));

    // An admin action on a subscription without a member is refused clearly, never a 500;
    // the Content Manager may still delete it.
    const cancel = await http(strapi).post(`/subscriptions/subscriptions/${pending.documentId}/cancel`).set(auth);
    expect(cancel.status).toBe(400);
    expect(cancel.body.error.message).toBe('the subscription has no member');
    const edit = await http(strapi).put(`/content-manager/collection-types/${SUB}/${pending.documentId}`).set(auth).send({ buyerName: 'x' });
    expect(edit.status).toBe(400);
    const removed = await http(strapi).delete(`/content-manager/collection-types/${SUB}/${ending.documentId}`).set(auth);
    expect(removed.status).toBe(200);
    expect(await strapi.db.query(SUB).findOne({ where: { id: ending.id } })).toBeNull();
    expect(await stored(pending.id)).toMatchObject({ status: 'active', user: null });
  });
});
