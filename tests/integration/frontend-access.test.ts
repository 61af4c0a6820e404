import type { Core } from '@strapi/strapi';
import { bootStrapi, createMember, createRole, http, stopStrapi, subscriptionsService } from '../helpers/strapi';

const DAY = 86_400_000;

/** What a frontend sees: public offers, "my subscriptions", and routes guarded by the policy. */
describe('frontend access', () => {
  let strapi: Core.Strapi;
  let monthly: { id: number; documentId: string };
  let premium: { id: number; documentId: string };
  const users: Record<string, { id: number; jwt: string }> = {};

  const jwtFor = (id: number) => strapi.plugin('users-permissions').service('jwt').issue({ id }) as string;
  const bearer = (name: string) => ({ Authorization: `Bearer ${users[name].jwt}` });

  beforeAll(async () => {
    strapi = await bootStrapi('frontend-access');
    const memberRole = await createRole(strapi, 'member');
    const premiumRole = await createRole(strapi, 'premium');
    const offers = strapi.documents('plugin::subscriptions.offer');
    monthly = (await offers.create({
      data: { title: 'Monthly', description: 'Member', duration: 1, period: 'months', price: 9.9, role: memberRole.id, level: 1, click2sellProductId: '1001' } as never,
    })) as never;
    premium = (await offers.create({
      data: { title: 'Premium', duration: 12, period: 'months', price: 99, role: premiumRole.id, level: 2, click2sellProductId: '1002' } as never,
    })) as never;
    await offers.create({ data: { title: 'Retired', duration: 1, period: 'months', price: 5, available: false } as never });

    // The site owner lets members call the guarded example routes.
    const authenticated = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    for (const role of [authenticated, memberRole, premiumRole]) {
      for (const action of ['api::member-content.member-content.find', 'api::member-content.member-content.premium']) {
        const exists = await strapi.db.query('plugin::users-permissions.permission').findOne({ where: { action, role: { id: role.id } } });
        if (!exists) await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
      }
    }

    const service = subscriptionsService(strapi);
    const now = new Date();
    for (const name of ['subscribed', 'premium', 'expired', 'refunded', 'none']) {
      const user = await createMember(strapi);
      users[name] = { id: user.id, jwt: jwtFor(user.id) };
    }
    await service.subscribe({ user: users.subscribed.id, offer: monthly.id, now });
    await service.subscribe({ user: users.premium.id, offer: premium.id, now });
    await service.subscribe({ user: users.expired.id, offer: monthly.id, startsAt: new Date(now.getTime() - 90 * DAY), now });
    const toRefund = await service.subscribe({ user: users.refunded.id, offer: monthly.id, now });
    await service.refund(toRefund.documentId, { now });
  });
  afterAll(() => stopStrapi(strapi));

  it('lists available offers to anyone, with public fields only', async () => {
    const res = await http(strapi).get('/api/subscriptions/offers');
    expect(res.status).toBe(200);
    expect(res.body.data.map((o: { title: string }) => o.title)).toEqual(['Monthly', 'Premium']);
    expect(Object.keys(res.body.data[0]).sort()).toEqual(
      ['checkoutUrl', 'currency', 'description', 'documentId', 'duration', 'free', 'period', 'price', 'title'].sort()
    );
    expect(res.body.data[0]).toMatchObject({ price: 9.9, currency: 'EUR', duration: 1, period: 'months', checkoutUrl: null, free: false });
  });

  it('answers 401 to "me" without a valid JWT', async () => {
    expect((await http(strapi).get('/api/subscriptions/me')).status).toBe(401);
    expect((await http(strapi).get('/api/subscriptions/me').set({ Authorization: 'Bearer forged.token.here' })).status).toBe(401);
  });

  it("leaves users-permissions' own defaults in place on a new database: members can log in", async () => {
    const email = `login-${Date.now()}@example.com`;
    const authenticated = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    await strapi.plugin('users-permissions').service('user').add({
      username: email, email, password: 'Login-password-1', provider: 'local', confirmed: true, blocked: false, role: authenticated.id,
    });
    const res = await http(strapi).post('/api/auth/local').send({ identifier: email, password: 'Login-password-1' });
    expect(res.status).toBe(200);
    const me = await http(strapi).get('/api/subscriptions/me').set({ Authorization: `Bearer ${res.body.jwt}` });
    expect(me.status).toBe(200);
    expect(me.body.data.subscriptions).toEqual([]);
  });

  it('opens "me" to the roles offers grant, not only to Authenticated', async () => {
    for (const type of ['member', 'premium', 'authenticated']) {
      const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
      const granted = await strapi.db
        .query('plugin::users-permissions.permission')
        .count({ where: { action: 'plugin::subscriptions.me.find', role: { id: role.id } } });
      expect(granted).toBe(1);
    }
  });

  it('tells each member their subscriptions and effective role', async () => {
    const subscribed = await http(strapi).get('/api/subscriptions/me').set(bearer('subscribed'));
    expect(subscribed.status).toBe(200);
    expect(subscribed.body.data.role.type).toBe('member');
    expect(subscribed.body.data.subscriptions).toHaveLength(1);
    expect(subscribed.body.data.subscriptions[0]).toMatchObject({ status: 'active', active: true, offer: { title: 'Monthly' } });

    const expired = await http(strapi).get('/api/subscriptions/me').set(bearer('expired'));
    expect(expired.body.data.role.type).toBe('authenticated');
    expect(expired.body.data.subscriptions[0]).toMatchObject({ status: 'expired', active: false });

    const refunded = await http(strapi).get('/api/subscriptions/me').set(bearer('refunded'));
    expect(refunded.body.data.subscriptions[0]).toMatchObject({ status: 'refunded', active: false });
    expect(refunded.body.data.role.type).toBe('authenticated');
  });

  it('the policy lets active subscribers through and stops everyone else with a clear 403', async () => {
    expect((await http(strapi).get('/api/member-content').set(bearer('subscribed'))).status).toBe(200);
    expect((await http(strapi).get('/api/member-content').set(bearer('premium'))).status).toBe(200);
    for (const name of ['expired', 'refunded', 'none']) {
      const res = await http(strapi).get('/api/member-content').set(bearer(name));
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe('An active subscription is required');
    }
    const anonymous = await http(strapi).get('/api/member-content');
    expect(anonymous.status).toBe(403);
  });

  it('the policy limited to given offers checks those offers only', async () => {
    expect((await http(strapi).get('/api/member-content/premium').set(bearer('premium'))).status).toBe(200);
    const member = await http(strapi).get('/api/member-content/premium').set(bearer('subscribed'));
    expect(member.status).toBe(403);
    expect(member.body.error.message).toContain('1002');
  });
});
