import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createRole, http, roleOf, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { grantDefaultPermissions } from '../../server/src/default-permissions';

const CM = '/content-manager/collection-types';
const OFFER = 'plugin::subscriptions.offer';
const SUB = 'plugin::subscriptions.subscription';
const PERMISSION = 'plugin::users-permissions.permission';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHECKOUT = 'https://secure.click2sell.eu/order/1001';
const MANAGE = 'https://www.click2sell.eu/my-purchases';

/** Members help themselves over the content API: buy links, free offers, cancelling their own subscription. */
describe('member self-service', () => {
  let strapi: Core.Strapi;
  let admin: { Authorization: string };
  let trialRole: { id: number };
  let trial: { id: number; documentId: string };
  let starter: { id: number; documentId: string };
  let paid: { id: number; documentId: string };
  let hidden: { id: number; documentId: string };
  let start: Date;
  let counter = 0;

  const clock = () => strapi.plugin('subscriptions').service('clock');
  const settings = () => strapi.plugin('subscriptions').service('settings');
  const pin = (at: Date) => clock().pin(at);

  /** A member who logs in with a password over HTTP, as a member site does. */
  const member = async () => {
    counter += 1;
    const email = `self${counter}-${Date.now()}@test.local`;
    const password = 'Member-password-1';
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    const user = await strapi.plugin('users-permissions').service('user').add({
      username: email, email, password, provider: 'local', confirmed: true, blocked: false, role: role.id,
    });
    const res = await http(strapi).post('/api/auth/local').send({ identifier: email, password });
    if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: user.id as number, auth: { Authorization: `Bearer ${res.body.jwt}` } };
  };
  type Member = Awaited<ReturnType<typeof member>>;

  const take = (who: Member | null, documentId: string) => {
    const req = http(strapi).post(`/api/subscriptions/offers/${documentId}/subscribe`);
    return who ? req.set(who.auth) : req;
  };
  const cancel = (who: Member | null, documentId: string) => {
    const req = http(strapi).post(`/api/subscriptions/me/subscriptions/${documentId}/cancel`);
    return who ? req.set(who.auth) : req;
  };
  const me = async (who: Member) => {
    const res = await http(strapi).get('/api/subscriptions/me').set(who.auth);
    expect(res.status).toBe(200);
    return res.body.data as { role: { type: string } | null; subscriptions: Record<string, any>[] };
  };
  const rowsOf = (userId: number) =>
    strapi.db.query(SUB).findMany({ where: { user: { id: userId } }, orderBy: { id: 'asc' } }) as Promise<Record<string, any>[]>;

  beforeAll(async () => {
    strapi = await bootStrapi('self-service');
    admin = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    trialRole = await createRole(strapi, 'trial');
    const offers = strapi.documents(OFFER);
    trial = (await offers.create({ data: { title: 'Trial', duration: 7, period: 'days', price: 0, role: trialRole.id, level: 1 } as never })) as never;
    starter = (await offers.create({ data: { title: 'Starter', duration: 1, period: 'days', price: 0 } as never })) as never;
    paid = (await offers.create({
      data: { title: 'Monthly', duration: 1, period: 'months', price: 9.9, click2sellProductId: '1001', checkoutUrl: CHECKOUT } as never,
    })) as never;
    hidden = (await offers.create({ data: { title: 'Old trial', duration: 7, period: 'days', price: 0, available: false } as never })) as never;
    start = new Date(Date.UTC(2030, 0, 10, 12));
    pin(start);
    await settings().update({ renewalWindowHours: 48, freeSubscriptionsPerMember: null, providerManageUrl: MANAGE, renewalUrl: null });
  });
  afterEach(() => pin(start));
  afterAll(async () => {
    strapi?.plugin('subscriptions').service('clock').pin(null);
    await stopStrapi(strapi);
  });

  it('lists each offer with its buy link and whether it is free', async () => {
    const res = await http(strapi).get('/api/subscriptions/offers');
    expect(res.status).toBe(200);
    const byTitle = Object.fromEntries(res.body.data.map((o: { title: string }) => [o.title, o]));
    expect(Object.keys(byTitle).sort()).toEqual(['Monthly', 'Starter', 'Trial']);
    expect(byTitle.Monthly).toMatchObject({ checkoutUrl: CHECKOUT, free: false, price: 9.9 });
    expect(byTitle.Trial).toMatchObject({ checkoutUrl: null, free: true, price: 0 });
  });

  it('refuses a checkout link that is not https, naming checkoutUrl, in the Content Manager', async () => {
    for (const checkoutUrl of ['http://shop.example.com/buy', 'javascript:alert(1)', 'not a url', 42]) {
      const res = await http(strapi).put(`${CM}/${OFFER}/${paid.documentId}`).set(admin).send({ checkoutUrl });
      expect(res.status).toBe(400);
      expect(res.body.error.details.errors[0].path).toEqual(['checkoutUrl']);
      expect(res.body.error.message).toMatch(/^checkoutUrl /);
    }
    const created = await http(strapi).post(`${CM}/${OFFER}`).set(admin).send({ title: 'Bad', duration: 1, period: 'days', checkoutUrl: 'ftp://x.test/' });
    expect(created.status).toBe(400);
    expect(created.body.error.details.errors[0].path).toEqual(['checkoutUrl']);
    expect(await strapi.db.query(OFFER).count({ where: { title: 'Bad' } })).toBe(0);
    const stored = await strapi.db.query(OFFER).findOne({ where: { id: paid.id } });
    expect(stored.checkoutUrl).toBe(CHECKOUT);
    // An https link is kept; an empty one removes it.
    const ok = await http(strapi).put(`${CM}/${OFFER}/${starter.documentId}`).set(admin).send({ checkoutUrl: 'https://shop.example.com/starter' });
    expect(ok.status).toBe(200);
    const cleared = await http(strapi).put(`${CM}/${OFFER}/${starter.documentId}`).set(admin).send({ checkoutUrl: '' });
    expect(cleared.status).toBe(200);
    expect((await strapi.db.query(OFFER).findOne({ where: { id: starter.id } })).checkoutUrl).toBeNull();
  });

  it('answers 401 to taking an offer or cancelling without a JWT', async () => {
    const res = await take(null, trial.documentId);
    expect(res.status).toBe(401);
    expect(res.body.error.name).toBe('UnauthorizedError');
    expect((await cancel(null, 'abc')).status).toBe(401);
    expect((await take(null, trial.documentId).set({ Authorization: 'Bearer forged.token.here' })).status).toBe(401);
  });

  it('refuses a paid offer with 400 naming offer and giving its checkout link; 404 for an unknown or unavailable one', async () => {
    const alice = await member();
    const res = await take(alice, paid.documentId);
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toEqual(['offer']);
    expect(res.body.error.message).toContain(CHECKOUT);
    expect(res.body.error.details.checkoutUrl).toBe(CHECKOUT);
    for (const documentId of ['nosuchoffer0000000000000', hidden.documentId, String(trial.id)]) {
      expect((await take(alice, documentId)).status).toBe(404);
    }
    expect(await rowsOf(alice.id)).toHaveLength(0);
  });

  it('gives a free offer: 201 with the subscription (source self), the role it grants, then 409 while it runs beyond the renewal window', async () => {
    const bob = await member();
    const res = await take(bob, trial.documentId);
    expect(res.status).toBe(201);
    expect(res.body.meta.action).toBe('created');
    expect(res.body.data).toMatchObject({
      offer: { documentId: trial.documentId, title: 'Trial' },
      status: 'active',
      source: 'self',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 7 * DAY).toISOString(),
      cancelledAt: null,
      active: true,
      cancellable: true,
      renewUrl: null,
    });
    expect(await roleOf(strapi, bob.id)).toBe('trial');
    const rows = await rowsOf(bob.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'self', freeTakes: 1 });

    const again = await take(bob, trial.documentId);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(new Date(start.getTime() + 7 * DAY).toISOString());
    expect(again.body.error.details.endsAt).toBe(new Date(start.getTime() + 7 * DAY).toISOString());
    expect(await rowsOf(bob.id)).toEqual(rows);

    // Within the renewal window (48 h before the end) it is renewed: same subscription, 7 more days.
    pin(new Date(start.getTime() + 6 * DAY));
    const renewed = await take(bob, trial.documentId);
    expect(renewed.status).toBe(201);
    expect(renewed.body.meta.action).toBe('renewed');
    expect(renewed.body.data.documentId).toBe(res.body.data.documentId);
    expect(renewed.body.data.endsAt).toBe(new Date(start.getTime() + 14 * DAY).toISOString());
    const after = await rowsOf(bob.id);
    expect(after).toHaveLength(1);
    expect(after[0].freeTakes).toBe(2);
  });

  it('caps free subscriptions per member and offer when the setting says so (renewals count)', async () => {
    try {
      await settings().update({ freeSubscriptionsPerMember: 1 });
      const carol = await member();
      expect((await take(carol, starter.documentId)).status).toBe(201);
      // Long after it ended (beyond the renewal window): a second trial is refused.
      pin(new Date(start.getTime() + 30 * DAY));
      const second = await take(carol, starter.documentId);
      expect(second.status).toBe(409);
      expect(second.body.error.details).toMatchObject({ freeSubscriptionsPerMember: 1, taken: 1 });
      expect(await rowsOf(carol.id)).toHaveLength(1);

      // Two takes allowed: a renewal within the window is the second, a third is refused.
      await settings().update({ freeSubscriptionsPerMember: 2 });
      pin(start);
      const dave = await member();
      expect((await take(dave, starter.documentId)).status).toBe(201);
      pin(new Date(start.getTime() + 20 * HOUR));
      expect((await take(dave, starter.documentId)).status).toBe(201);
      pin(new Date(start.getTime() + 44 * HOUR));
      const third = await take(dave, starter.documentId);
      expect(third.status).toBe(409);
      expect(third.body.error.details.taken).toBe(2);
      // The cap is per offer: the trial is still open to dave.
      expect((await take(dave, trial.documentId)).status).toBe(201);
      // A settings value that is not a whole number ≥ 1 is refused, naming it.
      const bad = await http(strapi).put('/subscriptions/settings').set(admin).send({ freeSubscriptionsPerMember: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.errors[0].path).toEqual(['freeSubscriptionsPerMember']);
    } finally {
      await settings().update({ freeSubscriptionsPerMember: null });
    }
  });

  it('gives one subscription to concurrent takes of the same free offer (the member lock)', async () => {
    const erin = await member();
    const answers = await Promise.all(Array.from({ length: 6 }, () => take(erin, trial.documentId)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await rowsOf(erin.id)).toHaveLength(1);
  });

  it('lets a member cancel their own subscription: access to the paid end, then cancelled', async () => {
    const frank = await member();
    const taken = await take(frank, trial.documentId);
    const documentId = taken.body.data.documentId as string;
    pin(new Date(start.getTime() + DAY));
    const res = await cancel(frank, documentId);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      documentId,
      status: 'active',
      active: true,
      cancellable: false,
      cancelledAt: new Date(start.getTime() + DAY).toISOString(),
      endsAt: new Date(start.getTime() + 7 * DAY).toISOString(),
    });
    // Again: answered as it is, nothing changed.
    const again = await cancel(frank, documentId);
    expect(again.status).toBe(200);
    expect(again.body.data.cancelledAt).toBe(res.body.data.cancelledAt);
    // At the paid end the scheduler makes it cancelled, and the trial role goes.
    const end = new Date(start.getTime() + 7 * DAY + 1000);
    await strapi.plugin('subscriptions').service('scheduler').runOnce({ now: end, steps: ['lifecycle'] });
    pin(end);
    const view = await me(frank);
    expect(view.subscriptions[0]).toMatchObject({ status: 'cancelled', active: false, cancellable: false });
    expect(await roleOf(strapi, frank.id)).toBe('authenticated');
    // An ended subscription cannot be cancelled any more.
    const ended = await take(frank, starter.documentId);
    pin(new Date(end.getTime() + 30 * DAY));
    const late = await cancel(frank, ended.body.data.documentId);
    expect(late.status).toBe(409);
    expect(late.body.error.details.errors[0].path).toEqual(['subscription']);
  });

  it("answers another member's subscription exactly like an unknown one (404), and changes nothing", async () => {
    const grace = await member();
    const henry = await member();
    const taken = await take(grace, trial.documentId);
    const before = await rowsOf(grace.id);
    const foreign = await cancel(henry, taken.body.data.documentId);
    const unknown = await cancel(henry, 'nosuchsubscription000000');
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.error.name).toBe(unknown.body.error.name);
    expect(foreign.body.error.message.replace(taken.body.data.documentId, 'X')).toBe(unknown.body.error.message.replace('nosuchsubscription000000', 'X'));
    // A row id is not a documentId, even one's own.
    expect((await cancel(grace, String(before[0].id))).status).toBe(404);
    expect(await rowsOf(grace.id)).toEqual(before);
  });

  it('refuses to cancel a Click2Sell subscription (409, where to manage it), and changes nothing', async () => {
    const ivy = await member();
    const bought = await subscriptionsService(strapi).createOrRenew({ user: ivy.id, offer: paid.id, source: 'click2sell', now: start });
    const before = await rowsOf(ivy.id);
    const res = await cancel(ivy, bought.subscription.documentId);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(MANAGE);
    expect(res.body.error.details.providerManageUrl).toBe(MANAGE);
    expect(await rowsOf(ivy.id)).toEqual(before);
  });

  it('"me" gives each subscription its offer, renewal link, whether it can be cancelled, and when it was', async () => {
    const jack = await member();
    await subscriptionsService(strapi).createOrRenew({ user: jack.id, offer: paid.id, source: 'click2sell', now: start });
    const manual = await subscriptionsService(strapi).subscribe({ user: jack.id, offer: starter.id, source: 'manual', now: start });
    await take(jack, trial.documentId);
    await cancel(jack, manual.documentId);
    try {
      await settings().update({ renewalUrl: 'https://members.example.com/renew?offer={offer}' });
      const view = await me(jack);
      expect(view.role?.type).toBe('trial');
      const byOffer = Object.fromEntries(view.subscriptions.map((s) => [s.offer.title, s]));
      expect(byOffer.Monthly).toMatchObject({ offer: { documentId: paid.documentId }, source: 'click2sell', cancellable: false, renewUrl: CHECKOUT, cancelledAt: null });
      expect(byOffer.Starter).toMatchObject({ source: 'manual', cancellable: false, cancelledAt: start.toISOString(), renewUrl: `https://members.example.com/renew?offer=${starter.documentId}` });
      expect(byOffer.Trial).toMatchObject({ source: 'self', cancellable: true, renewUrl: `https://members.example.com/renew?offer=${trial.documentId}` });
      for (const s of view.subscriptions) {
        expect(Object.keys(s).sort()).toEqual(
          ['active', 'cancellable', 'cancelledAt', 'documentId', 'dueAt', 'endsAt', 'offer', 'renewUrl', 'source', 'startsAt', 'status'].sort()
        );
      }
    } finally {
      await settings().update({ renewalUrl: null });
    }
  });

  it('grants the new actions to Authenticated and the roles offers grant, switchable in Users & Permissions', async () => {
    for (const type of ['authenticated', 'trial']) {
      const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
      for (const action of ['offers.subscribe', 'me.cancel']) {
        expect(await strapi.db.query(PERMISSION).count({ where: { action: `plugin::subscriptions.${action}`, role: { id: role.id } } })).toBe(1);
      }
    }
    const kate = await member();
    const authenticated = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    const action = 'plugin::subscriptions.offers.subscribe';
    await strapi.db.query(PERMISSION).delete({ where: { action, role: { id: authenticated.id } } });
    try {
      expect((await take(kate, trial.documentId)).status).toBe(403);
      expect(await rowsOf(kate.id)).toHaveLength(0);
      // A restart does not overrule the revocation.
      await grantDefaultPermissions(strapi);
      expect(await strapi.db.query(PERMISSION).count({ where: { action, role: { id: authenticated.id } } })).toBe(0);
    } finally {
      await strapi.db.query(PERMISSION).create({ data: { action, role: authenticated.id } });
    }
    expect((await take(kate, trial.documentId)).status).toBe(201);
  });

  it('grants the self-service actions once on an upgrade from a version that remembered one date per role', async () => {
    const store = strapi.store({ type: 'plugin', name: 'subscriptions', key: 'default-permissions' });
    const authenticated = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    const saved = await store.get();
    const action = 'plugin::subscriptions.me.cancel';
    try {
      await store.set({ value: { public: '2026-01-01T00:00:00.000Z', authenticated: '2026-01-01T00:00:00.000Z' } });
      await strapi.db.query(PERMISSION).delete({ where: { action, role: { id: authenticated.id } } });
      // me.find revoked by the site owner before the upgrade stays revoked.
      await strapi.db.query(PERMISSION).delete({ where: { action: 'plugin::subscriptions.me.find', role: { id: authenticated.id } } });
      await grantDefaultPermissions(strapi);
      expect(await strapi.db.query(PERMISSION).count({ where: { action, role: { id: authenticated.id } } })).toBe(1);
      expect(await strapi.db.query(PERMISSION).count({ where: { action: 'plugin::subscriptions.me.find', role: { id: authenticated.id } } })).toBe(0);
    } finally {
      await strapi.db.query(PERMISSION).create({ data: { action: 'plugin::subscriptions.me.find', role: authenticated.id } });
      await store.set({ value: saved });
    }
  });
});
