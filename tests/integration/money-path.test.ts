import type { Core } from '@strapi/strapi';
import { bootStrapi, createRole, http, roleOf, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'money-path-secret';
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';
const EVENT = 'plugin::subscriptions.payment-event';
const MESSAGE = 'plugin::subscriptions.message';
const DAY = 86_400_000;
const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());

/**
 * The five defects of the money path, each reproduced over HTTP as a user or an attacker would
 * send it, and the rules that replaced them (README, "Payments and paid time"). Each test fails
 * on the code before the one write path.
 */
describe('the money path: payments, refunds, replays, out-of-order events, the scheduler', () => {
  let strapi: Core.Strapi;
  let memberRole: { id: number };

  const post = (fields: Record<string, string>) => http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
  const userByEmail = (email: string) => strapi.db.query(USER).findOne({ where: { email: email.toLowerCase() } });
  const subsOf = (userId: number) =>
    strapi.db.query(SUB).findMany({ where: { user: { id: userId } }, populate: { offer: true }, orderBy: { id: 'asc' } });
  const eventsOf = (acquirer: string) =>
    strapi.db.query(EVENT).findMany({ where: { acquirerTransactionId: acquirer }, orderBy: { id: 'asc' } });
  const sameTransaction = (fields: Record<string, string>) => ({
    acquirer_transaction_id: fields.acquirer_transaction_id,
    c2s_transaction_id: fields.c2s_transaction_id,
    buyer_email: fields.buyer_email,
    product_id: fields.product_id,
  });

  beforeAll(async () => {
    strapi = await bootStrapi('money-path', { CLICK2SELL_SECRET_KEY: SECRET });
    memberRole = await createRole(strapi, 'member');
    await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Monthly', duration: 1, period: 'months', price: 9.9, role: memberRole.id, level: 1, click2sellProductId: '2001' } as never,
    });
  });
  afterAll(() => stopStrapi(strapi));

  it('1. a refund takes back only its own payment: the month another payment bought stays, with the role', async () => {
    const email = `twice-${Date.now()}@example.com`;
    const first = notification(SECRET, { buyer_email: email, product_id: '2001' });
    const second = notification(SECRET, { buyer_email: email, product_id: '2001' });
    expect((await post(first)).status).toBe(200);
    const user = await userByEmail(email);
    const [afterFirst] = await subsOf(user.id);
    expect((await post(second)).status).toBe(200);
    const [afterSecond] = await subsOf(user.id);
    expect(new Date(afterSecond.dueAt).getTime()).toBeGreaterThan(new Date(afterFirst.dueAt).getTime() + 27 * DAY);

    const refund = await post(notification(SECRET, { ...sameTransaction(second), transaction_type: 'Refund' }));
    expect(refund.status).toBe(200);
    expect(refund.body.outcome).toBe('applied');
    const [after] = await subsOf(user.id);
    expect(after.status).toBe('active');
    expect(iso(after.dueAt)).toBe(iso(afterFirst.dueAt));
    expect(iso(after.endsAt)).toBe(iso(afterFirst.endsAt));
    expect(await roleOf(strapi, user.id)).toBe('member');
    const [payment] = await eventsOf(second.acquirer_transaction_id);
    expect(payment.refundedAt).toBeTruthy();

    // The same refund again, even as another type variant, changes nothing.
    const again = await post(notification(SECRET, { ...sameTransaction(second), transaction_type: 'Refund', subscription_status: 'Cancel' }));
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('duplicate');
    const [still] = await subsOf(user.id);
    expect(iso(still.dueAt)).toBe(iso(afterFirst.dueAt));
  });

  it('2. one signed payment buys one period: replays as Recurring, New, a Sale with a status, or a failed payment resent as OK change nothing', async () => {
    const email = `replay-${Date.now()}@example.com`;
    const sale = notification(SECRET, { buyer_email: email, product_id: '2001' });
    expect((await post(sale)).status).toBe(200);
    const user = await userByEmail(email);
    const [before] = await subsOf(user.id);
    const variants = [
      { transaction_type: 'Subscription', subscription_status: 'Recurring' },
      { transaction_type: 'Subscription', subscription_status: 'New' },
      { transaction_type: 'Sale', subscription_status: 'Recurring' },
    ];
    for (const variant of variants) {
      const res = await post(notification(SECRET, { ...sameTransaction(sale), ...variant }));
      expect(res.status).toBe(200);
      expect(res.body.outcome).toBe('replay');
      expect(res.body.message).toMatch(/already processed/);
    }
    const after = await subsOf(user.id);
    expect(after).toHaveLength(1);
    expect(iso(after[0].dueAt)).toBe(iso(before.dueAt));
    const log = await eventsOf(sale.acquirer_transaction_id);
    expect(log.map((e: { outcome: string }) => e.outcome)).toEqual(['applied', 'replay', 'replay', 'replay']);

    const failedEmail = `failed-replay-${Date.now()}@example.com`;
    const failed = notification(SECRET, { buyer_email: failedEmail, product_id: '2001', payment_status: 'Failed' });
    expect((await post(failed)).body.outcome).toBe('failed-payment');
    const resentAsOk = await post(notification(SECRET, { ...sameTransaction(failed), payment_status: 'OK', transaction_type: 'Subscription', subscription_status: 'New' }));
    expect(resentAsOk.body.outcome).toBe('replay');
    expect(await userByEmail(failedEmail)).toBeNull();
  });

  it('3a. a refund that arrives before its sale waits; the sale then grants nothing (no member, no role, no welcome e-mail)', async () => {
    const email = `refund-first-${Date.now()}@example.com`;
    const sale = notification(SECRET, { buyer_email: email, product_id: '2001' });
    const refund = await post(notification(SECRET, { ...sameTransaction(sale), transaction_type: 'Refund' }));
    expect(refund.status).toBe(200);
    expect(refund.body.outcome).toBe('pending');
    const late = await post(sale);
    expect(late.status).toBe(200);
    expect(late.body.message).toMatch(/refunded/);
    expect(await userByEmail(email)).toBeNull();
    expect(await strapi.db.query(MESSAGE).count({ where: { to: email } })).toBe(0);
    const log = await eventsOf(sale.acquirer_transaction_id);
    expect(log.map((e: { outcome: string }) => e.outcome)).toEqual(['applied', 'applied']);
    expect(log[1].refundedAt).toBeTruthy();
  });

  it('3b. a cancellation that arrives before its Subscription+New: the subscription is created cancelled (access until its paid end)', async () => {
    const email = `cancel-first-${Date.now()}@example.com`;
    const start = notification(SECRET, { buyer_email: email, product_id: '2001', transaction_type: 'Subscription', subscription_status: 'New' });
    const cancel = await post(notification(SECRET, { ...sameTransaction(start), transaction_type: 'Subscription', subscription_status: 'Cancel' }));
    expect(cancel.body.outcome).toBe('pending');
    expect((await post(start)).status).toBe(200);
    const user = await userByEmail(email);
    const [sub] = await subsOf(user.id);
    expect(sub.cancelledAt).toBeTruthy();
    expect(sub.status).toBe('active');
    expect(iso(sub.endsAt)).toBe(iso(sub.dueAt));
    expect(await roleOf(strapi, user.id)).toBe('member');
  });

  it('4. a payment committed while the scheduler runs is never overwritten', async () => {
    const email = `race-${Date.now()}@example.com`;
    const now = new Date();
    const sale = notification(SECRET, { buyer_email: email, product_id: '2001', transaction_type: 'Subscription', subscription_status: 'New' });
    expect((await post(sale)).status).toBe(200);
    const user = await userByEmail(email);
    const [sub] = await subsOf(user.id);
    const paidEnd = new Date(sub.dueAt);
    // The scheduler runs after the grace period of the missed re-bill…
    const runAt = new Date(paidEnd.getTime() + 3 * DAY);
    // …and the re-bill is committed between its page read and its claim.
    let fired = false;
    const rebill = notification(SECRET, { buyer_email: email, product_id: '2001', transaction_type: 'Subscription', subscription_status: 'Recurring' });
    const subscription = strapi.db.lifecycles.subscribe({
      models: [SUB],
      async afterFindMany(event: { params?: { where?: Record<string, unknown> } }) {
        if (fired || !JSON.stringify(event.params?.where ?? {}).includes('dueAt')) return;
        fired = true;
        const answer = await strapi.plugin('subscriptions').service('click2sell').handle({ fields: rebill, remoteAddress: '127.0.0.1', now: runAt });
        expect(answer.outcome).toBe('applied');
      },
    } as never);
    try {
      await strapi.plugin('subscriptions').service('scheduler').runOnce({ now: runAt, steps: ['lifecycle'] });
    } finally {
      (subscription as unknown as () => void)?.();
    }
    expect(fired).toBe(true);
    const [after] = await subsOf(user.id);
    expect(after.status).toBe('active');
    expect(after.endsAt).toBeNull();
    expect(new Date(after.dueAt).getTime()).toBeGreaterThan(paidEnd.getTime() + 27 * DAY);
    expect(await roleOf(strapi, user.id)).toBe('member');
    expect(await strapi.db.query(MESSAGE).count({ where: { to: email, kind: 'expiry' } })).toBe(0);
    expect(now.getTime()).toBeLessThan(runAt.getTime());
  });

  it('5. every valid e-mail is served (64-character local part, 249 characters in all); a longer one is a 400 naming buyer_email', async () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(58)}.com`;
    const email = `${local}@${domain}`;
    expect(email.length).toBe(249);
    const fields = notification(SECRET, { buyer_email: email, product_id: '2001' });
    const first = await post(fields);
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('applied');
    expect(await userByEmail(email)).toBeTruthy();
    const resend = await post(fields);
    expect(resend.status).toBe(200);

    const tooLong = await post(notification(SECRET, { buyer_email: `${'a'.repeat(64)}@${'e'.repeat(187)}.com`, product_id: '2001' }));
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body.error)).toContain('buyer_email');
  });

  it('sends a receipt for every applied payment: offer, period bought, paid until', async () => {
    const email = `receipt-${Date.now()}@example.com`;
    const sale = notification(SECRET, { buyer_email: email, product_id: '2001' });
    expect((await post(sale)).status).toBe(200);
    const receipts = await strapi.db.query(MESSAGE).findMany({ where: { to: email, kind: 'receipt' } });
    expect(receipts).toHaveLength(1);
    const [event] = await eventsOf(sale.acquirer_transaction_id);
    expect(receipts[0].data).toMatchObject({ offerTitle: 'Monthly', startsAt: iso(event.periodStart), endsAt: iso(event.periodEnd) });
    await strapi.plugin('subscriptions').service('settings').update({ receiptEmails: false });
    try {
      expect((await post(notification(SECRET, { buyer_email: email, product_id: '2001' }))).status).toBe(200);
      expect(await strapi.db.query(MESSAGE).count({ where: { to: email, kind: 'receipt' } })).toBe(1);
    } finally {
      await strapi.plugin('subscriptions').service('settings').update({ receiptEmails: true });
    }
  });

  it('payments recorded before payments carried a meaning and a period (an upgrade) are still known: replays refused, a refund takes back one offer duration', async () => {
    const email = `legacy-${Date.now()}@example.com`;
    const first = notification(SECRET, { buyer_email: email, product_id: '2001' });
    const second = notification(SECRET, { buyer_email: email, product_id: '2001' });
    expect((await post(first)).status).toBe(200);
    const user = await userByEmail(email);
    const [afterFirst] = await subsOf(user.id);
    expect((await post(second)).status).toBe(200);
    // As an earlier version left them: no meaning, no period.
    for (const fields of [first, second]) {
      await strapi.db.query(EVENT).updateMany({
        where: { acquirerTransactionId: fields.acquirer_transaction_id },
        data: { meaning: null, periodStart: null, periodEnd: null },
      });
    }
    await strapi.plugin('subscriptions').service('click2sell').backfillMeanings();
    const [event] = await eventsOf(first.acquirer_transaction_id);
    expect(event.meaning).toBe('purchase');
    expect((await post(notification(SECRET, { ...sameTransaction(first), transaction_type: 'Subscription', subscription_status: 'Recurring' }))).body.outcome).toBe('replay');
    expect((await post(notification(SECRET, { ...sameTransaction(second), transaction_type: 'Refund' }))).body.outcome).toBe('applied');
    const [after] = await subsOf(user.id);
    expect(after.status).toBe('active');
    expect(iso(after.dueAt)).toBe(iso(afterFirst.dueAt));
  });

  it('the policy matches offers as what they are named: a document id never matches a product id', async () => {
    const email = `policy-${Date.now()}@example.com`;
    expect((await post(notification(SECRET, { buyer_email: email, product_id: '2001' }))).status).toBe(200);
    const user = await userByEmail(email);
    const [sub] = await subsOf(user.id);
    const service = subscriptionsService(strapi);
    expect(await service.isActive(user.id, { offers: { click2sellProductIds: ['2001'] } })).toBe(true);
    expect(await service.isActive(user.id, { offers: { documentIds: ['2001'] } })).toBe(false);
    expect(await service.isActive(user.id, { offers: ['2001'] })).toBe(false);
    expect(await service.isActive(user.id, { offers: { documentIds: [sub.offer.documentId] } })).toBe(true);
    expect(await service.isActive(user.id, { offers: { click2sellProductIds: [String(sub.offer.id)] } })).toBe(false);
  });
});
