import fc from 'fast-check';
import type { Core } from '@strapi/strapi';
import { bootStrapi, http, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'fuzz-secret';
const FIELDS = [
  'acquirer_transaction_id', 'c2s_transaction_id', 'checksum', 'transaction_type', 'payment_status',
  'subscription_status', 'buyer_email', 'product_id', 'purchase_date', 'purchase_time', 'buyer_name',
  'buyer_surname', 'affiliate_username', 'product_price',
];

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ minLength: 300, maxLength: 2000 }),
  fc.constantFrom(
    "' OR 1=1 --", '"; DROP TABLE up_users; --', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
    '../../etc/passwd', '\u0000', '\ud800', 'Sale\r\nX-Injected: 1', 'a'.repeat(5000), '%00', 'NaN', '-1',
    '9999-99-99', '25:61:61', 'Subscription', 'Refund', 'New', 'Cancel', 'OK', 'Failed', '1001'
  ),
  fc.integer().map(String)
);

/**
 * Random, missing, oversized, badly encoded and injection-shaped notifications: the route
 * answers 4xx (never 5xx) and writes nothing but rejected ledger rows.
 */
describe('Click2Sell under hostile input', () => {
  let strapi: Core.Strapi;
  const snapshot = async () => ({
    users: await strapi.db.query('plugin::users-permissions.user').count(),
    subscriptions: await strapi.db.query('plugin::subscriptions.subscription').count(),
    accepted: await strapi.db.query('plugin::subscriptions.payment-event').count({ where: { outcome: { $ne: 'rejected' } } }),
  });

  beforeAll(async () => {
    strapi = await bootStrapi('click2sell-fuzz', { CLICK2SELL_SECRET_KEY: SECRET });
    await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Monthly', duration: 1, period: 'months', click2sellProductId: '1001' } as never,
    });
  });
  afterAll(() => stopStrapi(strapi));

  it('random form fields, with or without a forged checksum', async () => {
    const before = await snapshot();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 20 })), hostile, { maxKeys: 20 }),
        fc.boolean(),
        async (fields, startFromValid) => {
          // Either wholly random, or a well-formed notification with random fields overriding it
          // (its checksum stays the one of the original: any override of the signed id forges it).
          const body = startFromValid ? { ...notification('not-the-secret'), ...fields } : fields;
          const res = await http(strapi).post(CLICK2SELL_PATH).type('form').send(body);
          sent += 1;
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(JSON.stringify(res.body)).not.toContain(SECRET);
        }
      ),
      { numRuns: 150 }
    );
    expect(sent).toBe(150);
    expect(await snapshot()).toEqual(before);
  });

  it('JSON bodies with wrong types and deep nesting, and raw badly encoded bodies', async () => {
    const before = await snapshot();
    const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });
    const bodies: unknown[] = [
      { ...notification(SECRET), buyer_email: { $ne: null } },
      { ...notification(SECRET), product_id: ['1001', '1002'] },
      { ...notification(SECRET), transaction_type: 42 },
      { ...notification(SECRET), checksum: null },
      { deep: nested(200) },
      [notification(SECRET)],
    ];
    for (const body of bodies) {
      const res = await http(strapi).post(CLICK2SELL_PATH).send(body as object);
      expect([400, 403, 413, 429]).toContain(res.status);
    }
    for (const raw of ['%FF%FE%FD=%C3%28', 'buyer_email=%E0%A4%A&checksum=%', '\u0000\u0001\u0002', 'a=1&a=2&a[b]=3']) {
      const res = await http(strapi).post(CLICK2SELL_PATH).set('Content-Type', 'application/x-www-form-urlencoded').send(raw);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const text = await http(strapi).post(CLICK2SELL_PATH).set('Content-Type', 'text/plain').send('hello');
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
    expect(await snapshot()).toEqual(before);
  });
});
