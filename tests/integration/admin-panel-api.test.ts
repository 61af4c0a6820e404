import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, http, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

/**
 * The admin panel's API (issue 5): tracking figures, chart and lists, CSV export, offers'
 * subscribers and notification rules, logs, and the permission every route checks.
 */
describe('admin panel API', () => {
  let strapi: Core.Strapi;
  let superAdmin: { Authorization: string };
  let superAdminEmail: string;
  let smtp: TestSmtp;
  let editor: { Authorization: string };
  let reader: { Authorization: string };
  let offer: { id: number; documentId: string };
  let alice: { id: number; documentId: string; email: string };
  let bob: { id: number; documentId: string; email: string };
  const DAY = 86_400_000;
  const now = new Date();

  /** An admin role holding exactly `actions` of this plugin. */
  const roleWith = async (code: string, actions: string[]) => {
    const role = await strapi.service('admin::role').create({ name: code, code, description: code });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, actions.map((action) => ({ action, subject: null, conditions: [], properties: {} })));
    return role.code as string;
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('admin-panel-api', smtp.env);
    const admin = await adminJwt(strapi);
    superAdmin = { Authorization: `Bearer ${admin.jwt}` };
    superAdminEmail = admin.email;
    editor = { Authorization: `Bearer ${(await adminJwt(strapi, 'strapi-editor')).jwt}` };
    const readerRole = await roleWith('subs-reader', ['plugin::subscriptions.read']);
    reader = { Authorization: `Bearer ${(await adminJwt(strapi, readerRole)).jwt}` };
    offer = await strapi
      .documents('plugin::subscriptions.offer')
      .create({ data: { title: 'Monthly', duration: 1, period: 'months', click2sellProductId: '1001' } as never });
    alice = await createMember(strapi, { username: 'alice-smith' });
    bob = await createMember(strapi, { username: 'bob-jones' });
    const service = subscriptionsService(strapi);
    // alice: active, ends in about a month; bob: one that ended 3 days ago.
    await service.subscribe({ user: alice.id, offer: offer.id, now: new Date(now.getTime() - DAY) });
    await service.subscribe({ user: bob.id, offer: offer.id, now: new Date(now.getTime() - 40 * DAY) });
  });
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp.close();
  });

  it('computes the figures and the chart from the dates', async () => {
    const res = await http(strapi).get('/subscriptions/overview').set(reader);
    expect(res.status).toBe(200);
    const { figures, chart } = res.body.data;
    expect(figures).toMatchObject({ activeSubscribers: 1, activeSubscriptions: 1 });
    expect(figures.endingIn30Days + 0).toBeLessThanOrEqual(1);
    expect(chart.months).toHaveLength(12);
    expect(chart.days[chart.days.length - 1]).toMatchObject({ date: now.toISOString().slice(0, 10), active: 1 });
    // bob's subscription was active 35 days ago and alice's had not started: one active then.
    const then = new Date(now.getTime() - 35 * DAY).toISOString().slice(0, 10);
    expect(chart.days.find((d: { date: string }) => d.date === then).active).toBe(1);
    const totalStarts = chart.months.reduce((n: number, m: { starts: number }) => n + m.starts, 0);
    expect(totalStarts).toBe(2);
    const totalExpiries = chart.months.reduce((n: number, m: { expiries: number }) => n + m.expiries, 0);
    expect(totalExpiries).toBe(1);
  });

  it('lists active and ended subscriptions with search, filters and pagination', async () => {
    const active = await http(strapi).get('/subscriptions/subscriptions?list=active').set(reader);
    expect(active.status).toBe(200);
    expect(active.body.data.map((s: any) => s.user.email)).toEqual([alice.email]);
    expect(active.body.data[0]).toMatchObject({ status: 'active', source: 'api', offer: { title: 'Monthly' } });
    const ended = await http(strapi).get('/subscriptions/subscriptions?list=ended&search=BOB-JON').set(reader);
    expect(ended.body.data.map((s: any) => s.user.email)).toEqual([bob.email]);
    expect(ended.body.data[0].status).toBe('expired');
    expect(ended.body.meta.pagination).toMatchObject({ page: 1, total: 1, pageCount: 1 });
    // LIKE wildcards in the search are literal characters.
    const literal = await http(strapi).get('/subscriptions/subscriptions?search=bob_jon').set(reader);
    expect(literal.body.data).toEqual([]);
    const byStatus = await http(strapi).get('/subscriptions/subscriptions?status=expired').set(reader);
    expect(byStatus.body.data).toHaveLength(1);
    const byOffer = await http(strapi).get(`/subscriptions/subscriptions?offer=${offer.documentId}&pageSize=1&page=2`).set(reader);
    expect(byOffer.body.meta.pagination).toMatchObject({ total: 2, pageCount: 2, page: 2 });
    expect(byOffer.body.data).toHaveLength(1);
    const range = await http(strapi)
      .get(`/subscriptions/subscriptions?from=${new Date(now.getTime() - 10 * DAY).toISOString()}&to=${now.toISOString()}`)
      .set(reader);
    expect(range.body.data.map((s: any) => s.user.email)).toEqual([bob.email]);
    const bad = await http(strapi).get('/subscriptions/subscriptions?pageSize=1000').set(reader);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('pageSize');
    const badDate = await http(strapi).get('/subscriptions/subscriptions?from=yesterday').set(reader);
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.details.errors[0].path).toEqual(['from']);
  });

  it('exports the current filter as CSV', async () => {
    const res = await http(strapi).get('/subscriptions/subscriptions/export?list=all').set(reader);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('email,username,offer,status,startsAt,dueAt,endsAt,source,documentId');
    expect(lines).toHaveLength(3);
    expect(res.text).toContain(alice.email);
    const ended = await http(strapi).get('/subscriptions/subscriptions/export?list=ended').set(reader);
    expect(ended.text).not.toContain(alice.email);
  });

  it('never exports a cell a spreadsheet would run as a formula', async () => {
    const mallory = await createMember(strapi, { username: '=HYPERLINK("http://evil.test","x")' });
    await subscriptionsService(strapi).subscribe({ user: mallory.id, offer: offer.id });
    const res = await http(strapi).get('/subscriptions/subscriptions/export?search=hyperlink').set(reader);
    const [, line] = res.text.trim().split('\r\n');
    expect(line).toContain(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    await strapi.db.query('plugin::subscriptions.subscription').deleteMany({ where: { user: { id: mallory.id } } });
  });

  it('adds a subscriber to an offer, edits its dates, and never changes its user', async () => {
    const carol = await createMember(strapi, { username: 'carol' });
    const found = await http(strapi).get('/subscriptions/users?search=caro').set(superAdmin);
    expect(found.body.data.map((u: any) => u.id)).toEqual([carol.id]);
    const added = await http(strapi)
      .post(`/subscriptions/offers/${offer.documentId}/subscribers`)
      .set(superAdmin)
      .send({ user: carol.id, startsAt: '2026-01-31T00:00:00.000Z' });
    expect(added.status).toBe(201);
    expect(added.body.data).toMatchObject({ source: 'manual', dueAt: '2026-02-28T00:00:00.000Z' });
    const id = added.body.data.documentId;
    const moved = await http(strapi)
      .put(`/subscriptions/subscriptions/${id}/dates`)
      .set(superAdmin)
      .send({ endsAt: '2026-03-15T00:00:00.000Z' });
    expect(moved.status).toBe(200);
    expect(moved.body.data.endsAt).toBe('2026-03-15T00:00:00.000Z');
    const userChange = await http(strapi).put(`/subscriptions/subscriptions/${id}/dates`).set(superAdmin).send({ user: alice.id });
    expect(userChange.status).toBe(400);
    expect(userChange.body.error.details.errors[0].path).toEqual(['user']);
    const backwards = await http(strapi)
      .put(`/subscriptions/subscriptions/${id}/dates`)
      .set(superAdmin)
      .send({ endsAt: '2025-01-01T00:00:00.000Z' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details.errors[0].path).toEqual(['endsAt']);
    const noUser = await http(strapi).post(`/subscriptions/offers/${offer.documentId}/subscribers`).set(superAdmin).send({});
    expect(noUser.status).toBe(400);
    expect(noUser.body.error.details.errors[0].path).toEqual(['user']);
    const unknownOffer = await http(strapi).post('/subscriptions/offers/nope/subscribers').set(superAdmin).send({ user: carol.id });
    expect(unknownOffer.status).toBe(404);
    const unknownSub = await http(strapi).put('/subscriptions/subscriptions/nope/dates').set(superAdmin).send({});
    expect(unknownSub.status).toBe(404);
  });

  it("adds, edits and removes an offer's notification rules", async () => {
    const created = await http(strapi)
      .post(`/subscriptions/offers/${offer.documentId}/rules`)
      .set(superAdmin)
      .send({ amount: 7, period: 'days', when: 'before' });
    expect(created.status).toBe(201);
    const ruleId = created.body.data.documentId;
    const updated = await http(strapi)
      .put(`/subscriptions/offers/${offer.documentId}/rules/${ruleId}`)
      .set(superAdmin)
      .send({ amount: 1, period: 'days', when: 'after' });
    expect(updated.status).toBe(200);
    const detail = await http(strapi).get(`/subscriptions/offers/${offer.documentId}`).set(reader);
    expect(detail.body.data.notificationRules).toEqual([
      expect.objectContaining({ documentId: ruleId, amount: 1, period: 'days', when: 'after' }),
    ]);
    const bad = await http(strapi)
      .post(`/subscriptions/offers/${offer.documentId}/rules`)
      .set(superAdmin)
      .send({ amount: -1, period: 'days', when: 'before' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0].path).toEqual(['amount']);
    const badWhen = await http(strapi)
      .post(`/subscriptions/offers/${offer.documentId}/rules`)
      .set(superAdmin)
      .send({ amount: 1, period: 'weeks', when: 'before' });
    expect(badWhen.body.error.details.errors[0].path).toEqual(['period']);
    const removed = await http(strapi).delete(`/subscriptions/offers/${offer.documentId}/rules/${ruleId}`).set(superAdmin);
    expect(removed.status).toBe(200);
    expect((await http(strapi).get(`/subscriptions/offers/${offer.documentId}`).set(reader)).body.data.notificationRules).toEqual([]);
    expect((await http(strapi).delete(`/subscriptions/offers/${offer.documentId}/rules/${ruleId}`).set(superAdmin)).status).toBe(404);
    const offers = await http(strapi).get('/subscriptions/offers').set(reader);
    expect(offers.body.data).toEqual([expect.objectContaining({ documentId: offer.documentId, activeSubscriptions: 1 })]);
  });

  it('shows payment events without secrets and messages without their data', async () => {
    await strapi.db.query('plugin::subscriptions.payment-event').create({
      data: {
        dedupeKey: 'k1',
        transactionType: 'sale',
        email: alice.email,
        productId: '1001',
        outcome: 'rejected',
        reason: 'bad checksum',
        payload: { product_id: '1001', checksum: 'abc', nested: { api_token: 'zzz', ok: 1 } },
        receivedAt: new Date(),
      },
    });
    await strapi.db.query('plugin::subscriptions.message').create({
      data: {
        kind: 'reminder',
        dedupeKey: 'm1',
        status: 'failed',
        to: alice.email,
        subject: 'Your membership ends soon',
        attempts: 3,
        lastError: 'connection refused',
        data: { renewUrl: 'https://example.com/private-link' },
      },
    });
    const events = await http(strapi).get('/subscriptions/payment-events?outcome=rejected').set(reader);
    expect(events.status).toBe(200);
    expect(events.body.data[0]).toMatchObject({ email: alice.email, outcome: 'rejected', reason: 'bad checksum' });
    expect(events.body.data[0].payload).toEqual({ product_id: '1001', nested: { ok: 1 } });
    const messages = await http(strapi).get('/subscriptions/messages?status=failed').set(reader);
    expect(messages.body.data[0]).toMatchObject({ kind: 'reminder', lastError: 'connection refused', attempts: 3 });
    expect(JSON.stringify(messages.body)).not.toContain('private-link');
    expect((await http(strapi).get('/subscriptions/messages?status=lost').set(reader)).status).toBe(400);
  });

  it('lists roles for the fallback role, previews templates and sends a test e-mail to the admin', async () => {
    const roles = await http(strapi).get('/subscriptions/roles').set(superAdmin);
    expect(roles.body.data.map((r: any) => r.type)).toEqual(expect.arrayContaining(['authenticated', 'public']));
    const preview = await http(strapi).post('/subscriptions/settings/preview').set(superAdmin).send({ kind: 'reminder', locale: 'fr' });
    expect(preview.status).toBe(200);
    expect(preview.body.data.subject).toContain('Votre abonnement');
    expect(preview.body.data.text).toContain('Monthly membership');
    // The form's unsaved text is what is previewed, with values escaped in the HTML.
    const unsaved = await http(strapi)
      .post('/subscriptions/settings/preview')
      .set(superAdmin)
      .send({ kind: 'welcome', locale: 'en', template: { subject: 'Hi {{username}}', text: 'Go: {{setPasswordUrl}}', html: '<b>{{offerTitle}}</b> & co' } });
    expect(unsaved.body.data).toMatchObject({ subject: 'Hi ada', html: '<b>Monthly membership</b> & co' });
    expect(unsaved.body.data.text).toContain('set-password?code=');
    const test = await http(strapi).post('/subscriptions/settings/test-email').set(superAdmin).send({ kind: 'expiry', locale: 'en' });
    expect(test.status).toBe(200);
    const mail = await smtp.waitFor(superAdminEmail.toLowerCase());
    expect(mail.subject).toMatch(/^\[test\]/);
    const bad = await http(strapi).post('/subscriptions/settings/preview').set(superAdmin).send({ kind: 'nope', locale: 'fr' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0].path).toEqual(['kind']);
  });

  it('checks its permission on every route', async () => {
    const sub = (await http(strapi).get('/subscriptions/subscriptions?list=active').set(superAdmin)).body.data[0].documentId;
    const routes: [string, string, string][] = [
      ['get', '/subscriptions/overview', 'read'],
      ['get', '/subscriptions/subscriptions', 'read'],
      ['get', '/subscriptions/subscriptions/export', 'read'],
      ['get', '/subscriptions/offers', 'read'],
      ['get', `/subscriptions/offers/${offer.documentId}`, 'read'],
      ['get', '/subscriptions/payment-events', 'read'],
      ['get', '/subscriptions/messages', 'read'],
      ['post', `/subscriptions/subscriptions/${sub}/renew`, 'manage'],
      ['post', `/subscriptions/subscriptions/${sub}/cancel`, 'manage'],
      ['post', `/subscriptions/subscriptions/${sub}/refund`, 'manage'],
      ['put', `/subscriptions/subscriptions/${sub}/dates`, 'subscribers.manage'],
      ['post', `/subscriptions/offers/${offer.documentId}/subscribers`, 'subscribers.manage'],
      ['post', `/subscriptions/offers/${offer.documentId}/rules`, 'subscribers.manage'],
      ['put', `/subscriptions/offers/${offer.documentId}/rules/x`, 'subscribers.manage'],
      ['delete', `/subscriptions/offers/${offer.documentId}/rules/x`, 'subscribers.manage'],
      ['get', '/subscriptions/users', 'subscribers.manage'],
      ['get', '/subscriptions/roles', 'settings.read'],
      ['get', '/subscriptions/settings', 'settings.read'],
      ['post', '/subscriptions/settings/preview', 'settings.read'],
      ['put', '/subscriptions/settings', 'settings.update'],
      ['post', '/subscriptions/settings/test-email', 'settings.update'],
    ];
    for (const [method, path, action] of routes) {
      // Strapi's Editor has none of the plugin's actions; the reader has only `read`.
      expect([path, (await (http(strapi) as any)[method](path).set(editor)).status]).toEqual([path, 403]);
      const asReader = (await (http(strapi) as any)[method](path).set(reader)).status;
      if (action === 'read') expect([path, asReader]).not.toEqual([path, 403]);
      else expect([path, asReader]).toEqual([path, 403]);
      expect([path, (await (http(strapi) as any)[method](path)).status]).toEqual([path, 401]);
    }
    // The subscription was not touched by the refused calls.
    const after = await http(strapi).get('/subscriptions/subscriptions?list=active').set(superAdmin);
    expect(after.body.data[0]).toMatchObject({ documentId: sub, status: 'active' });
  });

  it('quick-renews from the list: the new end is the old end plus the duration', async () => {
    const before = (await http(strapi).get('/subscriptions/subscriptions?list=active').set(superAdmin)).body.data[0];
    const res = await http(strapi).post(`/subscriptions/subscriptions/${before.documentId}/renew`).set(superAdmin);
    expect(res.status).toBe(200);
    const oldEnd = new Date(before.endsAt);
    const expected = new Date(Date.UTC(oldEnd.getUTCFullYear(), oldEnd.getUTCMonth() + 1, 1));
    expect(new Date(res.body.data.endsAt).getUTCMonth()).toBe(expected.getUTCMonth());
  });
});
