import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, http, stopStrapi, subscriptionsService } from '../helpers/strapi';

describe('admin API: settings and lifecycle actions', () => {
  let strapi: Core.Strapi;
  let superAdmin: { Authorization: string };
  let editor: { Authorization: string };

  beforeAll(async () => {
    strapi = await bootStrapi('admin-api');
    superAdmin = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    // Strapi's built-in Editor role has no permission of this plugin.
    editor = { Authorization: `Bearer ${(await adminJwt(strapi, 'strapi-editor')).jwt}` };
  });
  afterAll(() => stopStrapi(strapi));

  it('reads the settings with their defaults', async () => {
    const res = await http(strapi).get('/subscriptions/settings').set(superAdmin);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      renewalWindowHours: 48,
      graceHours: 48,
      stackingMode: 'parallel',
      fallbackRoleId: null,
      purchaseTimezone: 'UTC',
      click2sellSecretKeySet: false,
    });
    expect(res.body.data).not.toHaveProperty('click2sellSecretKey');
  });

  it('keeps the Click2Sell secret key write-only', async () => {
    const secret = 'a-very-secret-key-for-tests';
    const set = await http(strapi).put('/subscriptions/settings').set(superAdmin).send({ click2sellSecretKey: secret });
    expect(set.status).toBe(200);
    expect(set.body.data.click2sellSecretKeySet).toBe(true);
    expect(JSON.stringify(set.body)).not.toContain(secret);
    const read = await http(strapi).get('/subscriptions/settings').set(superAdmin);
    expect(JSON.stringify(read.body)).not.toContain(secret);
    // Saving other fields keeps the key.
    await http(strapi).put('/subscriptions/settings').set(superAdmin).send({ graceHours: 12 });
    expect(await strapi.plugin('subscriptions').service('settings').click2sellSecret()).toBe(secret);
    const cleared = await http(strapi).put('/subscriptions/settings').set(superAdmin).send({ click2sellSecretKey: '' });
    expect(cleared.body.data.click2sellSecretKeySet).toBe(false);
  });

  it('validates every settings field and writes nothing on error', async () => {
    for (const [body, field] of [
      [{ renewalWindowHours: -1 }, 'renewalWindowHours'],
      [{ graceHours: 'soon' }, 'graceHours'],
      [{ stackingMode: 'stack' }, 'stackingMode'],
      [{ fallbackRoleId: 987654 }, 'fallbackRoleId'],
      [{ unknownSetting: true }, 'unknownSetting'],
      [{ purchaseTimezone: 'Mars/Olympus' }, 'purchaseTimezone'],
      [{ emailFrom: 'not-an-address' }, 'emailFrom'],
      [{ templates: { reminder: { en: { subject: 1 } } } }, 'templates.reminder.en.subject'],
    ] as const) {
      const res = await http(strapi).put('/subscriptions/settings').set(superAdmin).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(field);
      expect(res.body.error.details.errors[0].path.join('.')).toBe(field);
    }
    const after = await http(strapi).get('/subscriptions/settings').set(superAdmin);
    expect(after.body.data.stackingMode).toBe('parallel');
    const ok = await http(strapi).put('/subscriptions/settings').set(superAdmin).send({ stackingMode: 'queue', graceHours: 24 });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ stackingMode: 'queue', graceHours: 24, renewalWindowHours: 48 });
  });

  it('refuses the settings and lifecycle actions to an admin without the permission', async () => {
    expect((await http(strapi).get('/subscriptions/settings').set(editor)).status).toBe(403);
    expect((await http(strapi).put('/subscriptions/settings').set(editor).send({ graceHours: 1 })).status).toBe(403);
    expect((await http(strapi).post('/subscriptions/subscriptions/x/renew').set(editor)).status).toBe(403);
    expect((await http(strapi).get('/subscriptions/settings')).status).toBe(401);
  });

  it('renews, cancels and refunds over HTTP; unknown subscriptions are 404', async () => {
    const offer = await strapi
      .documents('plugin::subscriptions.offer')
      .create({ data: { title: 'Monthly', duration: 1, period: 'months' } as never });
    const user = await createMember(strapi);
    const sub = await subscriptionsService(strapi).subscribe({ user: user.id, offer: offer.id });
    const renewed = await http(strapi).post(`/subscriptions/subscriptions/${sub.documentId}/renew`).set(superAdmin);
    expect(renewed.status).toBe(200);
    expect(new Date(renewed.body.data.endsAt).getTime()).toBeGreaterThan(new Date(sub.endsAt).getTime());
    const cancelled = await http(strapi).post(`/subscriptions/subscriptions/${sub.documentId}/cancel`).set(superAdmin);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.cancelledAt).toBeTruthy();
    const refunded = await http(strapi).post(`/subscriptions/subscriptions/${sub.documentId}/refund`).set(superAdmin);
    expect(refunded.status).toBe(200);
    expect(refunded.body.data.status).toBe('refunded');
    const again = await http(strapi).post(`/subscriptions/subscriptions/${sub.documentId}/renew`).set(superAdmin);
    expect(again.status).toBe(400);
    expect(again.body.error.details.errors[0].path).toEqual(['status']);
    const missing = await http(strapi).post('/subscriptions/subscriptions/doesnotexist/renew').set(superAdmin);
    expect(missing.status).toBe(404);
  });
});
