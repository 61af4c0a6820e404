import type { Core } from '@strapi/strapi';
import { bootStrapi, http, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'throttle-secret';
const EVENT = 'plugin::subscriptions.payment-event';

/**
 * The Click2Sell route's throttles: failed checksums and malformed floods, per caller address —
 * the proxy's X-Forwarded-For client only when Strapi's `server.proxy` is on — held in bounded
 * memory, and rejected calls keeping only a small payload.
 */
describe('Click2Sell throttles', () => {
  let strapi: Core.Strapi;
  const post = (fields: Record<string, string>, from?: string) => {
    const req = http(strapi).post(CLICK2SELL_PATH).type('form');
    if (from) req.set('X-Forwarded-For', from);
    return req.send(fields);
  };

  beforeAll(async () => {
    strapi = await bootStrapi('click2sell-throttle', {
      CLICK2SELL_SECRET_KEY: SECRET,
      IS_PROXIED: 'true',
      SUBSCRIPTIONS_C2S_MALFORMED_PER_MINUTE: '10',
      SUBSCRIPTIONS_C2S_FAILED_CHECKSUM_LIMIT: '5',
    });
    await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Monthly', duration: 1, period: 'months', click2sellProductId: '1001' } as never,
    });
  });
  afterAll(() => stopStrapi(strapi));

  it('behind a proxy, counts failed checksums per real caller: one caller locked out, another served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await post(notification('wrong-secret'), '203.0.113.7')).status);
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429, 429]);
    expect((await post(notification(SECRET), '203.0.113.7')).status).toBe(429);
    expect((await post(notification(SECRET), '203.0.113.8')).status).toBe(200);
  });

  it('throttles a flood of malformed requests, per caller', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await post({ transaction_type: 'Sale' }, '198.51.100.1')).status);
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect((await post({ transaction_type: 'Sale' }, '198.51.100.2')).status).toBe(400);
  });

  it('without the proxy setting, X-Forwarded-For is ignored: the socket address is the caller', async () => {
    const app = strapi.server.app as { proxy: boolean };
    app.proxy = false;
    try {
      const statuses: number[] = [];
      // Each request claims another address; all come from one socket address and share one window.
      for (let i = 0; i < 6; i += 1) statuses.push((await post(notification('wrong-secret'), `192.0.2.${i}`)).status);
      expect(statuses).toEqual([403, 403, 403, 403, 403, 429]);
    } finally {
      app.proxy = true;
    }
  });

  it('a rejected call keeps only a small, truncated payload', async () => {
    const fields: Record<string, string> = { transaction_type: 'Sale', note: 'x'.repeat(4000) };
    for (let i = 0; i < 40; i += 1) fields[`extra_${i}`] = 'y'.repeat(200);
    expect((await post(fields, '198.51.100.9')).status).toBe(400);
    const [row] = await strapi.db.query(EVENT).findMany({ where: { remoteAddress: '198.51.100.9' }, orderBy: { id: 'desc' }, limit: 1 });
    const payload = row.payload as Record<string, string>;
    expect(Object.keys(payload).length).toBeLessThanOrEqual(24);
    expect(Math.max(...Object.values(payload).map((v) => v.length))).toBeLessThanOrEqual(64);
  });
});
