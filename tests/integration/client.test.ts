import fs from 'fs';
import path from 'path';
import type { AddressInfo } from 'net';
import type { Core } from '@strapi/strapi';
import { bootStrapi, createRole, http, stopStrapi } from '../helpers/strapi';

/**
 * strapi-plugin-subscriptions/client, as a member site uses it: the built CommonJS file
 * (dist/client/index.js, what `require('strapi-plugin-subscriptions/client')` loads) against a
 * booted Strapi listening on a real port, over the global fetch.
 */
type ClientModule = typeof import('../../client/src');
const DIST = path.resolve(__dirname, '..', '..', 'dist', 'client');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createClient, SubscriptionsApiError }: ClientModule = require(path.join(DIST, 'index.js'));

const CHECKOUT = 'https://secure.click2sell.eu/order/2001';

describe('the typed client (strapi-plugin-subscriptions/client)', () => {
  let strapi: Core.Strapi;
  let baseUrl: string;
  let api: ReturnType<ClientModule['createClient']>;
  let trial: { documentId: string };
  let paid: { documentId: string };
  let jwt: string;

  beforeAll(async () => {
    strapi = await bootStrapi('client');
    await new Promise<void>((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(strapi.server.httpServer.address() as AddressInfo).port}`;
    api = createClient({ baseUrl: `${baseUrl}/` });
    const role = await createRole(strapi, 'client-trial');
    const offers = strapi.documents('plugin::subscriptions.offer');
    trial = (await offers.create({ data: { title: 'Client trial', duration: 7, period: 'days', price: 0, role: role.id, level: 1 } as never })) as never;
    paid = (await offers.create({
      data: { title: 'Client monthly', duration: 1, period: 'months', price: 9.9, currency: 'EUR', click2sellProductId: '2001', checkoutUrl: CHECKOUT } as never,
    })) as never;
    await strapi.plugin('subscriptions').service('settings').update({ freeSubscriptionsPerMember: null });
    // A member who signs up over HTTP, as the member site does.
    const email = `client-${Date.now()}@test.local`;
    const res = await http(strapi).post('/api/auth/local/register').send({ username: email, email, password: 'Member-password-1' });
    expect(res.status).toBe(200);
    jwt = res.body.jwt;
  });
  afterAll(async () => {
    await stopStrapi(strapi);
  });

  it('is built as ESM and CommonJS with declarations, exported as ./client', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(DIST, '..', '..', 'package.json'), 'utf8'));
    const entry = pkg.exports['./client'];
    for (const file of [entry.types, entry.import, entry.require]) expect(fs.existsSync(path.resolve(DIST, '..', '..', file))).toBe(true);
    expect(fs.readFileSync(path.join(DIST, 'index.mjs'), 'utf8')).toMatch(/export\s*\{[^}]*createClient/);
    // No runtime dependency: nothing is imported or required.
    expect(fs.readFileSync(path.join(DIST, 'index.mjs'), 'utf8')).not.toMatch(/\bimport\s*[\w{*]|require\(/);
    expect(fs.readFileSync(path.join(DIST, 'src', 'index.d.ts'), 'utf8')).toMatch(/from '\.\.\/\.\.\/server\/src\/contract\/member-api'/);
  });

  it('offers(): the available offers with their checkout link and whether they are free', async () => {
    const { data } = await api.offers();
    const byTitle = Object.fromEntries(data.map((o) => [o.title, o]));
    expect(byTitle['Client trial']).toMatchObject({ documentId: trial.documentId, free: true, checkoutUrl: null, price: 0 });
    expect(byTitle['Client monthly']).toMatchObject({ documentId: paid.documentId, free: false, checkoutUrl: CHECKOUT, price: 9.9, currency: 'EUR' });
  });

  it('me(): no subscription yet; a bad token is a SubscriptionsApiError with status 401', async () => {
    expect((await api.me(jwt)).data.subscriptions).toEqual([]);
    const error = await api.me('forged.token.here').catch((e) => e);
    expect(error).toBeInstanceOf(SubscriptionsApiError);
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(401);
    expect(error.errorName).toBe('UnauthorizedError');
    expect(error.message).toBeTruthy();
  });

  it('subscribeFree(): takes the free offer; me() lists it active and cancellable', async () => {
    const taken = await api.subscribeFree(jwt, trial.documentId);
    expect(taken.meta.action).toBe('created');
    expect(taken.data).toMatchObject({ offer: { documentId: trial.documentId, title: 'Client trial' }, status: 'active', active: true, cancellable: true });
    const { data } = await api.me(jwt);
    expect(data.role?.type).toBe('client-trial');
    expect(data.subscriptions.map((s) => s.documentId)).toEqual([taken.data.documentId]);
  });

  it('a paid offer is refused: status 400, the message and the field at fault, and where to buy it', async () => {
    const error = await api.subscribeFree(jwt, paid.documentId).catch((e) => e);
    expect(error).toBeInstanceOf(SubscriptionsApiError);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^offer: this offer is paid/);
    expect(error.errors[0].path).toEqual(['offer']);
    expect(error.field).toBe('offer');
    expect(error.details.checkoutUrl).toBe(CHECKOUT);
  });

  it('an unknown offer is a 404', async () => {
    const error = await api.subscribeFree(jwt, 'no-such-offer').catch((e) => e);
    expect(error).toBeInstanceOf(SubscriptionsApiError);
    expect(error.status).toBe(404);
  });

  it('cancel(): no more renewals, access to the paid end (cancelledAt set, no longer cancellable)', async () => {
    const [subscription] = (await api.me(jwt)).data.subscriptions;
    expect(subscription.cancelledAt).toBeNull();
    const { data } = await api.cancel(jwt, subscription.documentId);
    expect(data).toMatchObject({ documentId: subscription.documentId, status: 'active', active: true, cancellable: false });
    expect(data.cancelledAt).not.toBeNull();
    expect((await api.me(jwt)).data.subscriptions[0].cancelledAt).toBe(data.cancelledAt);
    // Someone else's (or an unknown) subscription: 404.
    const unknown = await api.cancel(jwt, 'nosuchsubscription000000').catch((e) => e);
    expect(unknown).toBeInstanceOf(SubscriptionsApiError);
    expect(unknown.status).toBe(404);
  });

  it('an unreachable server is a SubscriptionsApiError with status 0', async () => {
    const error = await createClient({ baseUrl: 'http://127.0.0.1:1' }).offers().catch((e) => e);
    expect(error).toBeInstanceOf(SubscriptionsApiError);
    expect(error.status).toBe(0);
  });
});
