import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createRole, http, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'revenue-secret';
const EVENT = 'plugin::subscriptions.payment-event';
const ROUTE = '/subscriptions/subscriptions/revenue';

interface Sent {
  at: string;
  fields: Record<string, string>;
  /** Counted as money in or out: the test's own bookkeeping of what Click2Sell sent. */
  counts: 'revenue' | 'refund' | 'none';
}

/**
 * Revenue figures over HTTP: signed Click2Sell notifications in two currencies over several
 * months (a re-bill, a refund, a failed payment, a resend), each received at a pinned instant;
 * the revenue route's sums must equal the sums of what was sent.
 */
describe('revenue figures', () => {
  let strapi: Core.Strapi;
  let superAdmin: { Authorization: string };
  let reader: { Authorization: string };
  let editor: { Authorization: string };
  const clock = () => strapi.plugin('subscriptions').service('clock') as { pin(instant: Date | null): void };
  const sent: Sent[] = [];

  const send = async (at: string, fields: Record<string, string>, counts: Sent['counts']) => {
    clock().pin(new Date(at));
    const res = await http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
    expect([fields.c2s_transaction_id, res.status]).toEqual([fields.c2s_transaction_id, 200]);
    sent.push({ at, fields, counts });
    return res;
  };

  const roleWith = async (code: string, actions: string[]) => {
    const role = await strapi.service('admin::role').create({ name: code, code, description: code });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, actions.map((action) => ({ action, subject: null, conditions: [], properties: {} })));
    return role.code as string;
  };

  beforeAll(async () => {
    strapi = await bootStrapi('revenue', { CLICK2SELL_SECRET_KEY: SECRET });
    const memberRole = await createRole(strapi, 'member');
    const offers = strapi.documents('plugin::subscriptions.offer');
    // Offer prices that differ from what is paid: the figures must come from the ledger.
    await offers.create({ data: { title: 'Monthly', duration: 1, period: 'months', price: 1, currency: 'EUR', role: memberRole.id, level: 1, click2sellProductId: '4001' } as never });
    await offers.create({ data: { title: 'Yearly', duration: 12, period: 'months', price: 2, currency: 'EUR', role: memberRole.id, level: 2, click2sellProductId: '4002' } as never });
    superAdmin = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    editor = { Authorization: `Bearer ${(await adminJwt(strapi, 'strapi-editor')).jwt}` };
    reader = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('revenue-reader', ['plugin::subscriptions.read']))).jwt}` };

    const a = 'ann@revenue.test';
    const b = 'bob@revenue.test';
    const c = 'cid@revenue.test';
    const d = 'dee@revenue.test';
    const recurring = { transaction_type: 'Subscription', product_id: '4001' };
    // January: Ann's recurring plan (EUR), Bob's yearly sale (USD).
    const annNew = notification(SECRET, { ...recurring, subscription_status: 'New', buyer_email: a, product_price: '9.90 EUR' });
    await send('2030-01-15T12:00:00Z', annNew, 'revenue');
    const bobSale = notification(SECRET, { transaction_type: 'Sale', product_id: '4002', buyer_email: b, product_price: '120.00 USD' });
    await send('2030-01-20T12:00:00Z', bobSale, 'revenue');
    // The same notification again: already processed, not counted twice.
    await send('2030-01-21T12:00:00Z', annNew, 'none');
    // February: Ann's re-bill, a failed payment, Bob refunded.
    await send('2030-02-15T12:00:00Z', notification(SECRET, { ...recurring, subscription_status: 'Recurring', buyer_email: a, product_price: '9.90 EUR' }), 'revenue');
    await send('2030-02-16T12:00:00Z', notification(SECRET, { ...recurring, subscription_status: 'Recurring', buyer_email: a, product_price: '50.00 EUR', payment_status: 'Failed' }), 'none');
    const ofBob = { acquirer_transaction_id: bobSale.acquirer_transaction_id, c2s_transaction_id: bobSale.c2s_transaction_id };
    await send('2030-02-20T12:00:00Z', notification(SECRET, { ...ofBob, transaction_type: 'Refund', product_id: '4002', buyer_email: b, product_price: '120.00 USD' }), 'refund');
    // March: nothing. April: Cid's yearly sale (EUR), Dee's recurring plan (USD), Ann's re-bill.
    await send('2030-04-10T12:00:00Z', notification(SECRET, { transaction_type: 'Sale', product_id: '4002', buyer_email: c, product_price: '99.50 EUR' }), 'revenue');
    await send('2030-04-12T12:00:00Z', notification(SECRET, { ...recurring, subscription_status: 'New', buyer_email: d, product_price: '5.00 USD' }), 'revenue');
    await send('2030-04-15T12:00:00Z', notification(SECRET, { ...recurring, subscription_status: 'Recurring', buyer_email: a, product_price: '10.10 EUR' }), 'revenue');
    clock().pin(new Date('2030-04-20T12:00:00Z'));
  });
  afterAll(async () => {
    if (strapi) clock().pin(null);
    await stopStrapi(strapi);
  });

  /** The test's sums of what was sent, in cents, per `yyyy-MM|CUR`. */
  const expected = (kind: 'revenue' | 'refund') => {
    const sums = new Map<string, { cents: number; count: number }>();
    for (const s of sent.filter((x) => x.counts === kind)) {
      const [amount, currency] = s.fields.product_price.split(' ');
      const key = `${s.at.slice(0, 7)}|${currency}`;
      const entry = sums.get(key) ?? { cents: 0, count: 0 };
      sums.set(key, { cents: entry.cents + Math.round(Number(amount) * 100), count: entry.count + 1 });
    }
    return sums;
  };

  it('sums payments and refunds per month and currency from what Click2Sell sent; empty months are zero', async () => {
    const res = await http(strapi).get(`${ROUTE}?from=2030-01-01T00:00:00Z&to=2030-05-01T00:00:00Z`).set(reader);
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data.currencies).toEqual(['EUR', 'USD']);
    expect(data.months.map((m: { month: string }) => m.month)).toEqual(['2030-01', '2030-02', '2030-03', '2030-04']);
    const revenue = expected('revenue');
    const refunds = expected('refund');
    for (const m of data.months) {
      for (const currency of ['EUR', 'USD']) {
        const paid = revenue.get(`${m.month}|${currency}`) ?? { cents: 0, count: 0 };
        const back = refunds.get(`${m.month}|${currency}`) ?? { cents: 0, count: 0 };
        expect([m.month, m.revenue.find((x: { currency: string }) => x.currency === currency)]).toEqual([m.month, { currency, amount: paid.cents / 100, count: paid.count }]);
        expect([m.month, m.refunds.find((x: { currency: string }) => x.currency === currency)]).toEqual([m.month, { currency, amount: back.cents / 100, count: back.count }]);
      }
    }
    // March had nothing: present, every currency at zero.
    expect(data.months[2]).toEqual({
      month: '2030-03',
      revenue: [{ currency: 'EUR', amount: 0, count: 0 }, { currency: 'USD', amount: 0, count: 0 }],
      refunds: [{ currency: 'EUR', amount: 0, count: 0 }, { currency: 'USD', amount: 0, count: 0 }],
      newMembers: 0,
      churnedMembers: 0,
    });
    // Totals: the same sums over the range (9.90 + 9.90 + 99.50 + 10.10 EUR; 120 + 5 USD).
    expect(data.totals.revenue).toEqual([{ currency: 'EUR', amount: 129.4, count: 4 }, { currency: 'USD', amount: 125, count: 2 }]);
    expect(data.totals.refunds).toEqual([{ currency: 'EUR', amount: 0, count: 0 }, { currency: 'USD', amount: 120, count: 1 }]);
  });

  it('gives the MRR of open-ended recurring subscriptions from their latest payment, and new and churned members per month', async () => {
    const data = (await http(strapi).get(`${ROUTE}?from=2030-01-01T00:00:00Z&to=2030-05-01T00:00:00Z`).set(reader)).body.data;
    // Ann's latest re-bill (10.10 EUR a month) and Dee's plan (5.00 USD a month); the yearly sales are not recurring.
    expect(data.mrr).toEqual([{ currency: 'EUR', amount: 10.1, count: 1 }, { currency: 'USD', amount: 5, count: 1 }]);
    const members = data.months.map((m: { month: string; newMembers: number; churnedMembers: number }) => [m.month, m.newMembers, m.churnedMembers]);
    // Ann and Bob joined in January, Cid and Dee in April; Bob left with his refund in February.
    expect(members).toEqual([
      ['2030-01', 2, 0],
      ['2030-02', 0, 1],
      ['2030-03', 0, 0],
      ['2030-04', 2, 0],
    ]);
  });

  it('defaults to the last 12 months up to now, and refuses a bad range with 400 naming the field', async () => {
    const res = await http(strapi).get(ROUTE).set(reader);
    expect(res.status).toBe(200);
    expect(res.body.data.months).toHaveLength(12);
    expect(res.body.data.months[0].month).toBe('2029-05');
    expect(res.body.data.months[11].month).toBe('2030-04');
    expect(res.body.data.totals.revenue).toEqual([{ currency: 'EUR', amount: 129.4, count: 4 }, { currency: 'USD', amount: 125, count: 2 }]);
    const bad = await http(strapi).get(`${ROUTE}?from=yesterday`).set(reader);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^from/);
    const backwards = await http(strapi).get(`${ROUTE}?from=2030-05-01T00:00:00Z&to=2030-01-01T00:00:00Z`).set(reader);
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toMatch(/^to/);
    const tooLong = await http(strapi).get(`${ROUTE}?from=2000-01-01T00:00:00Z&to=2030-01-01T00:00:00Z`).set(reader);
    expect(tooLong.status).toBe(400);
    const unknown = await http(strapi).get(`${ROUTE}?currency=EUR`).set(reader);
    expect(unknown.status).toBe(400);
  });

  it('needs the read permission', async () => {
    expect((await http(strapi).get(ROUTE)).status).toBe(401);
    expect((await http(strapi).get(ROUTE).set(editor)).status).toBe(403);
    expect((await http(strapi).get(ROUTE).set(superAdmin)).status).toBe(200);
  });

  it('stores amount and currency on each ledger row, and backfills rows written before the columns existed', async () => {
    const rows = (await strapi.db.query(EVENT).findMany({ where: { email: 'ann@revenue.test', meaning: 'rebill' }, orderBy: { id: 'asc' } })) as { amountCents: number; currency: string }[];
    expect(rows.map((r) => [Number(r.amountCents), r.currency])).toEqual([[990, 'EUR'], [1010, 'EUR']]);
    // An old row: its price only in the payload.
    const old = await strapi.db.query(EVENT).create({
      data: { provider: 'click2sell', outcome: 'applied', meaning: 'purchase', payload: { product_price: '12,5 GBP' }, receivedAt: new Date('2029-01-01T00:00:00Z') },
    });
    const unreadable = await strapi.db.query(EVENT).create({ data: { provider: 'click2sell', outcome: 'applied', meaning: 'purchase', payload: { product_price: 'free' } } });
    await strapi.plugin('subscriptions').service('click2sell').backfillPrices();
    const after = await strapi.db.query(EVENT).findOne({ where: { id: old.id } });
    expect([Number(after.amountCents), after.currency]).toEqual([1250, 'GBP']);
    const none = await strapi.db.query(EVENT).findOne({ where: { id: unreadable.id } });
    expect([none.amountCents, none.currency]).toEqual([null, '']);
  });

  it('puts a payment in the UTC month it arrived in, to the minute, and leaves out what arrives at `to`', async () => {
    const sale = (email: string, price: string) => notification(SECRET, { transaction_type: 'Sale', product_id: '4002', buyer_email: email, product_price: price });
    await send('2030-05-31T23:59:00Z', sale('may@revenue.test', '7.00 GBP'), 'revenue');
    await send('2030-06-01T00:00:00Z', sale('june@revenue.test', '8.00 GBP'), 'revenue');
    await send('2030-07-01T00:00:00Z', sale('july@revenue.test', '9.00 GBP'), 'revenue');
    const data = (await http(strapi).get(`${ROUTE}?from=2030-05-01T00:00:00Z&to=2030-07-01T00:00:00Z`).set(reader)).body.data;
    const gbp = data.months.map((m: { month: string; revenue: { currency: string; amount: number }[]; newMembers: number }) => [
      m.month,
      m.revenue.find((x) => x.currency === 'GBP')?.amount,
      m.newMembers,
    ]);
    expect(gbp).toEqual([
      ['2030-05', 7, 1],
      ['2030-06', 8, 1],
    ]);
  });
});
