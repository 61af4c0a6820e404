import type { Core } from '@strapi/strapi';
import { bootStrapi, createMember, createRole, http, roleOf, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { CLICK2SELL_PATH, checksumFor, notification } from '../helpers/click2sell';

const SECRET = 'test-secret-key';
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';
const EVENT = 'plugin::subscriptions.payment-event';
const DAY = 86_400_000;

describe('Click2Sell notifications', () => {
  let strapi: Core.Strapi;
  let memberRole: { id: number };
  let monthly: { id: number };

  const post = (fields: Record<string, string>) => http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
  const counts = async () => ({
    users: await strapi.db.query(USER).count(),
    subscriptions: await strapi.db.query(SUB).count(),
  });
  const userByEmail = (email: string) =>
    strapi.db.query(USER).findOne({ where: { email: email.toLowerCase() }, populate: { role: true } });
  const subsOf = (userId: number) =>
    strapi.db.query(SUB).findMany({ where: { user: { id: userId } }, populate: { offer: true }, orderBy: { id: 'asc' } });
  const lastEvent = async () => (await strapi.db.query(EVENT).findMany({ orderBy: { id: 'desc' }, limit: 1 }))[0];

  beforeAll(async () => {
    strapi = await bootStrapi('click2sell', { CLICK2SELL_SECRET_KEY: '' });
    memberRole = await createRole(strapi, 'member');
    const premiumRole = await createRole(strapi, 'premium');
    const offers = strapi.documents('plugin::subscriptions.offer');
    monthly = (await offers.create({
      data: { title: 'Monthly', duration: 1, period: 'months', price: 9.9, role: memberRole.id, level: 1, click2sellProductId: '1001' } as never,
    })) as never;
    await offers.create({
      data: { title: 'Premium', duration: 12, period: 'months', price: 99, role: premiumRole.id, level: 2, click2sellProductId: '1002' } as never,
    });
  });
  afterAll(() => stopStrapi(strapi));

  it('answers 503 while no secret key is configured, and changes nothing', async () => {
    const before = await counts();
    const res = await post(notification(SECRET));
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/secret key/);
    expect(await counts()).toEqual(before);
    const event = await lastEvent();
    expect(event.outcome).toBe('rejected');
    expect(event.payload).not.toHaveProperty('checksum');
    await strapi.plugin('subscriptions').service('settings').update({ click2sellSecretKey: SECRET });
  });

  it('keeps a signed acquirer transaction id bound to its transaction: a captured notification resent as another product, buyer or receipt is refused', async () => {
    const original = notification(SECRET, { product_id: '1001' });
    expect((await post(original)).body.outcome).toBe('applied');
    const before = await counts();
    const premium = { ...original, product_id: '1002' };
    const otherBuyer = { ...original, buyer_email: `thief-${Date.now()}@example.com` };
    const otherReceipt = { ...original, c2s_transaction_id: `${original.c2s_transaction_id}-again` };
    for (const forged of [premium, otherBuyer, otherReceipt]) {
      const res = await post(forged);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/acquirer_transaction_id was already used/);
      expect((await lastEvent()).outcome).toBe('rejected');
    }
    expect(await counts()).toEqual(before);
    // The same notification resent, and a refund of that very transaction, still pass.
    expect((await post(original)).body.outcome).toBe('duplicate');
    const refund = await post({ ...original, transaction_type: 'Refund' });
    expect(refund.status).toBe(200);
    expect(refund.body.outcome).toBe('applied');
    const member = await userByEmail(original.buyer_email);
    expect((await subsOf(member.id)).map((s: { status: string }) => s.status)).toEqual(['refunded']);
  });

  it('rejects a wrong checksum with 403, records it without the checksum, and changes nothing', async () => {
    const before = await counts();
    const fields = notification('another-secret');
    const res = await post(fields);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('checksum verification failed');
    expect(await counts()).toEqual(before);
    const event = await lastEvent();
    expect(event).toMatchObject({ outcome: 'rejected', reason: 'checksum verification failed', email: fields.buyer_email });
    expect(JSON.stringify(event)).not.toContain(fields.checksum);
  });

  it('accepts only the full 32-character checksum, in any case', async () => {
    const fields = notification(SECRET);
    const short = await post({ ...fields, checksum: fields.checksum.slice(0, 8) });
    expect(short.status).toBe(400);
    expect(short.body.error.details.errors.map((e: { path: string[] }) => e.path[0])).toEqual(['checksum']);
    const lower = await post({ ...fields, checksum: fields.checksum.toLowerCase() });
    expect(lower.status).toBe(200);
  });

  it('names every missing or malformed field in a 400', async () => {
    const before = await counts();
    const res = await post({ transaction_type: 'Gift', buyer_email: 'not-an-email', checksum: 'x' });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.errors.map((e: { path: string[] }) => e.path[0]).sort();
    expect(fields).toEqual(
      ['acquirer_transaction_id', 'buyer_email', 'c2s_transaction_id', 'checksum', 'product_id', 'purchase_date', 'purchase_time', 'transaction_type'].sort()
    );
    const noStatus = await post(notification(SECRET, { transaction_type: 'Subscription', subscription_status: '' }));
    expect(noStatus.status).toBe(400);
    expect(noStatus.body.error.message).toContain('subscription_status');
    expect(await counts()).toEqual(before);
  });

  it('answers 405 to other methods and 413 to oversized bodies', async () => {
    const get = await http(strapi).get(CLICK2SELL_PATH);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await http(strapi).put(CLICK2SELL_PATH).send({})).status).toBe(405);
    const before = await counts();
    const big = await post(notification(SECRET, { buyer_address: 'x'.repeat(20_000) }));
    expect(big.status).toBe(413);
    const huge = await post(notification(SECRET, { buyer_address: 'x'.repeat(200_000) }));
    expect(huge.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('a sale creates the member, the subscription and the role in one go; a repeat changes nothing', async () => {
    const fields = notification(SECRET, {
      buyer_email: '  New.Member@Example.COM ',
      affiliate_username: 'partner42',
      purchase_date: '2026/11/23',
      purchase_time: '23:30:00',
    });
    const res = await post(fields);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, outcome: 'applied' });
    const user = await userByEmail('new.member@example.com');
    expect(user).toMatchObject({ username: 'new.member@example.com', email: 'new.member@example.com', confirmed: true, blocked: false });
    expect(user.password).toBeFalsy();
    expect(user.role.type).toBe('member');
    const [sub] = await subsOf(user.id);
    expect(sub).toMatchObject({ status: 'active', source: 'click2sell', lastPurchaseId: fields.c2s_transaction_id, affiliate: 'partner42' });
    expect(new Date(sub.lastPurchaseAt).toISOString()).toBe('2026-11-23T23:30:00.000Z');
    expect(sub.offer.id).toBe(monthly.id);

    const before = await counts();
    const again = await post(fields);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'duplicate', message: 'already processed' });
    expect(await counts()).toEqual(before);
    const [unchanged] = await subsOf(user.id);
    expect(unchanged.endsAt).toEqual(sub.endsAt);
  });

  it('reads purchase dates in the configured time zone', async () => {
    await strapi.plugin('subscriptions').service('settings').update({ purchaseTimezone: 'Europe/Paris' });
    const fields = notification(SECRET, { purchase_date: '2026-07-01', purchase_time: '12:00:00' });
    expect((await post(fields)).status).toBe(200);
    const user = await userByEmail(fields.buyer_email);
    const [sub] = await subsOf(user.id);
    expect(new Date(sub.lastPurchaseAt).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    await strapi.plugin('subscriptions').service('settings').update({ purchaseTimezone: 'UTC' });
  });

  it('finds an existing member by e-mail, case-insensitively, and renews rather than duplicates', async () => {
    const member = await createMember(strapi, { email: 'existing.member@example.com', username: 'existing' });
    const first = await post(notification(SECRET, { buyer_email: 'EXISTING.member@example.com ' }));
    expect(first.status).toBe(200);
    const second = await post(notification(SECRET, { buyer_email: 'existing.member@example.com' }));
    expect(second.body.message).toContain('renewed');
    const subs = await subsOf(member.id);
    expect(subs).toHaveLength(1);
    expect(await strapi.db.query(USER).count({ where: { email: { $eqi: 'existing.member@example.com' } } })).toBe(1);
  });

  it('a subscription follows New → Recurring (from the paid end) → Cancel → Refund of each payment', async () => {
    const email = `lifecycle-${Date.now()}@example.com`;
    const createdFields = notification(SECRET, { buyer_email: email, transaction_type: 'Subscription', subscription_status: 'New' });
    const created = await post(createdFields);
    expect(created.status).toBe(200);
    const user = await userByEmail(email);
    const [fresh] = await subsOf(user.id);
    expect(fresh.endsAt).toBeNull(); // recurring: no hard end until cancelled
    const paidEnd = new Date(fresh.dueAt);

    const rebillFields = notification(SECRET, { buyer_email: email, transaction_type: 'Subscription', subscription_status: 'Recurring' });
    const rebill = await post(rebillFields);
    expect(rebill.status).toBe(200);
    const [extended] = await subsOf(user.id);
    const expected = new Date(paidEnd);
    expected.setUTCMonth(expected.getUTCMonth() + 1);
    // Extended by one month from the paid end (not from now), within a month-end clamp.
    expect(Math.abs(new Date(extended.dueAt).getTime() - expected.getTime())).toBeLessThanOrEqual(3 * DAY);
    expect(new Date(extended.dueAt).getTime()).toBeGreaterThan(paidEnd.getTime() + 27 * DAY);

    // A cancellation and a refund carry the transaction they concern (protocol): the re-bill's.
    const ofRebill = { acquirer_transaction_id: rebillFields.acquirer_transaction_id, c2s_transaction_id: rebillFields.c2s_transaction_id };
    const cancel = await post(notification(SECRET, { ...ofRebill, buyer_email: email, transaction_type: 'Subscription', subscription_status: 'Cancel' }));
    expect(cancel.status).toBe(200);
    const [cancelled] = await subsOf(user.id);
    expect(cancelled.cancelledAt).toBeTruthy();
    expect(cancelled.status).toBe('active');
    expect(new Date(cancelled.endsAt).toISOString()).toBe(new Date(extended.dueAt).toISOString());
    expect(await roleOf(strapi, user.id)).toBe('member');

    // Refunding the re-bill takes back the month it bought, and only that month.
    const refund = await post(notification(SECRET, { ...ofRebill, buyer_email: email, transaction_type: 'Refund' }));
    expect(refund.status).toBe(200);
    const [shortened] = await subsOf(user.id);
    expect(shortened.status).toBe('active');
    expect(new Date(shortened.dueAt).toISOString()).toBe(paidEnd.toISOString());
    expect(await roleOf(strapi, user.id)).toBe('member');

    // Refunding the first payment leaves no paid time: refunded now, role back to the fallback.
    const refundFirst = await post(
      notification(SECRET, {
        acquirer_transaction_id: createdFields.acquirer_transaction_id,
        c2s_transaction_id: createdFields.c2s_transaction_id,
        buyer_email: email,
        transaction_type: 'Refund',
      })
    );
    expect(refundFirst.status).toBe(200);
    const [refunded] = await subsOf(user.id);
    expect(refunded.status).toBe('refunded');
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
  });

  it('a failed payment extends nothing and is recorded', async () => {
    const email = `failed-${Date.now()}@example.com`;
    const res = await post(notification(SECRET, { buyer_email: email, payment_status: 'Failed' }));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('failed-payment');
    expect(await userByEmail(email)).toBeNull();
    expect((await lastEvent()).outcome).toBe('failed-payment');
  });

  it('an unmapped product still provisions the member with the fallback role and is shown as unmapped', async () => {
    const email = `unmapped-${Date.now()}@example.com`;
    const res = await post(notification(SECRET, { buyer_email: email, product_id: '999999' }));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('unmapped');
    const user = await userByEmail(email);
    expect(user.role.type).toBe('authenticated');
    expect(await subsOf(user.id)).toHaveLength(0);
    expect((await lastEvent()).outcome).toBe('unmapped');
  });

  it('20 identical notifications at once: one member, one subscription, one extension', async () => {
    const email = `burst-${Date.now()}@example.com`;
    const fields = notification(SECRET, { buyer_email: email });
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(fields)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((a) => a.body.outcome === 'applied')).toHaveLength(1);
    expect(await strapi.db.query(USER).count({ where: { email } })).toBe(1);
    const user = await userByEmail(email);
    const subs = await subsOf(user.id);
    expect(subs).toHaveLength(1);

    // And 20 copies of one re-bill extend that subscription exactly once.
    const rebill = notification(SECRET, { buyer_email: email });
    const before = new Date(subs[0].endsAt).getTime();
    await Promise.all(Array.from({ length: 20 }, () => post(rebill)));
    const [after] = await subsOf(user.id);
    const added = new Date(after.endsAt).getTime() - before;
    expect(added).toBeGreaterThanOrEqual(28 * DAY);
    expect(added).toBeLessThanOrEqual(31 * DAY);
  });

  it('two different payments for one member and offer at once both count, once each', async () => {
    for (let round = 0; round < 3; round += 1) {
      const email = `pair-${round}-${Date.now()}@example.com`;
      expect((await post(notification(SECRET, { buyer_email: email }))).status).toBe(200);
      const user = await userByEmail(email);
      const [first] = await subsOf(user.id);
      const end = new Date(first.endsAt);
      const pair = await Promise.all([post(notification(SECRET, { buyer_email: email })), post(notification(SECRET, { buyer_email: email }))]);
      expect(pair.map((a) => [a.status, a.body.outcome ?? a.body.error?.message])).toEqual([[200, 'applied'], [200, 'applied']]);
      const subs = await subsOf(user.id);
      expect(subs).toHaveLength(1);
      const expected = new Date(end);
      expected.setUTCMonth(expected.getUTCMonth() + 2);
      expect(Math.abs(new Date(subs[0].endsAt).getTime() - expected.getTime())).toBeLessThanOrEqual(3 * DAY);
    }
  });

  it.each([0, 1, 2])('two products bought at once by one new e-mail: one member with both subscriptions (round %i)', async (round) => {
    const email = `two-${round}-${Date.now()}@example.com`;
    const answers = await Promise.all([
      post(notification(SECRET, { buyer_email: email, product_id: '1001' })),
      post(notification(SECRET, { buyer_email: email, product_id: '1002' })),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(await strapi.db.query(USER).count({ where: { email } })).toBe(1);
    const user = await userByEmail(email);
    expect((await subsOf(user.id)).map((s: { offer: { click2sellProductId: string } }) => s.offer.click2sellProductId).sort()).toEqual(['1001', '1002']);
    expect(user.role.type).toBe('premium');
  });

  it('30 sales for 30 new members at once all succeed, each member with the offer role', async () => {
    const run = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_v, i) => post(notification(SECRET, { buyer_email: `crowd-${run}-${i}@example.com` })))
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    const users = await strapi.db
      .query(USER)
      .findMany({ where: { email: { $startsWith: `crowd-${run}-` } }, populate: { role: true } });
    expect(users).toHaveLength(30);
    expect(users.every((u: { role: { type: string } }) => u.role.type === 'member')).toBe(true);
  });

  it('the protocol test vector verifies', () => {
    expect(checksumFor('secret', '123')).toBe('B457E9433F98EF22AA9DD9BA4A5E2B16');
    void subscriptionsService;
  });

  it('answers 429 after repeated failed verifications from one address, and changes nothing', async () => {
    const before = await counts();
    let last = 0;
    for (let i = 0; i < 22; i += 1) last = (await post(notification('wrong-secret'))).status;
    expect(last).toBe(429);
    // A valid notification from the same address is refused too while the window lasts.
    expect((await post(notification(SECRET))).status).toBe(429);
    expect(await counts()).toEqual(before);
  });
});
