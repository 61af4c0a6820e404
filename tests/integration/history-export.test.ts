import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, http, stopStrapi } from '../helpers/strapi';
import { readCsv } from '../../server/src/utils/csv';

/**
 * The history in the CSV export: `GET /subscriptions/subscriptions/export?history=true` is a second
 * CSV with one row per history entry of the subscriptions the filter selects (same filters as the
 * subscriptions' CSV), for admins allowed to read the subscriptions.
 */
describe('CSV export of the history', () => {
  let strapi: Core.Strapi;
  let auth: { Authorization: string };
  let reader: { Authorization: string };
  let nobody: { Authorization: string };
  let offerDocumentId: string;
  let alice: { id: number; email: string };
  let bob: { id: number; email: string };
  let aliceSub: string;
  let bobSub: string;

  const COLUMNS = [
    'documentId', 'email', 'offer', 'at', 'kind',
    'statusBefore', 'statusAfter', 'startsAtBefore', 'startsAtAfter', 'dueAtBefore', 'dueAtAfter', 'endsAtBefore', 'endsAtAfter',
    'causeKind', 'causeRef', 'causeLabel',
  ];

  const roleWith = async (code: string, actions: string[]) => {
    const role = await strapi.service('admin::role').create({ name: code, code, description: code });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, actions.map((action) => ({ action, subject: null, conditions: [], properties: {} })));
    return role.code as string;
  };
  const csvOf = async (text: string) => {
    const records: string[][] = [];
    for await (const { cells } of readCsv([text])) records.push(cells);
    const [header, ...rows] = records;
    return { header, rows: rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]]))) };
  };
  const exportCsv = (query: string, as = auth) => http(strapi).get(`/subscriptions/subscriptions/export?${query}`).set(as).buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });
  const subscriptionOf = async (email: string) => {
    const res = await http(strapi).get(`/subscriptions/subscriptions?search=${encodeURIComponent(email)}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    return res.body.data[0].documentId as string;
  };

  beforeAll(async () => {
    strapi = await bootStrapi('history-export');
    auth = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    reader = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('history-reader', ['plugin::subscriptions.read']))).jwt}` };
    nobody = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('history-nobody', []))).jwt}` };
    const offer = await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Monthly, "with" quotes', duration: 1, period: 'months' } as never,
    });
    offerDocumentId = offer.documentId;
    alice = await createMember(strapi, { username: 'alice-history-export' });
    bob = await createMember(strapi, { username: 'bob-history-export' });
    for (const member of [alice, bob]) {
      const res = await http(strapi).post(`/subscriptions/offers/${offerDocumentId}/subscribers`).set(auth).send({ user: member.id });
      expect(res.status).toBe(201);
    }
    aliceSub = await subscriptionOf(alice.email);
    bobSub = await subscriptionOf(bob.email);
    expect((await http(strapi).post(`/subscriptions/subscriptions/${aliceSub}/renew`).set(auth)).status).toBe(200);
  });
  afterAll(() => stopStrapi(strapi));

  it("exports the history entries of the filter's subscriptions, one row per entry, oldest first", async () => {
    const res = await exportCsv(`history=true&search=${encodeURIComponent(alice.email)}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('subscriptions-all-history.csv');
    const { header, rows } = await csvOf(res.body as string);
    expect(header).toEqual(COLUMNS);
    // Only the searched member's subscription: created (by the admin), then renewed.
    expect(rows.map((r) => [r.documentId, r.email, r.offer, r.kind, r.causeKind])).toEqual([
      [aliceSub, alice.email, 'Monthly, "with" quotes', 'created', 'admin'],
      [aliceSub, alice.email, 'Monthly, "with" quotes', 'renewed', 'admin'],
    ]);
    const [created, renewed] = rows;
    expect(created.statusBefore).toBe('');
    expect(created.statusAfter).toBe('active');
    // The renew moved the end one month later: before → after, and the next entry starts where it ended.
    expect(renewed.endsAtBefore).toBe(created.endsAtAfter);
    expect(new Date(renewed.endsAtAfter).getTime()).toBeGreaterThan(new Date(renewed.endsAtBefore).getTime());
    expect(Number.isNaN(new Date(renewed.at).getTime())).toBe(false);

    // The same entries as the admin's history of the subscription (newest first there).
    const history = await http(strapi).get(`/subscriptions/subscriptions/${aliceSub}/history`).set(auth);
    expect(history.body.data.map((e: { kind: string }) => e.kind)).toEqual(['renewed', 'created']);
  });

  it('follows the same filters as the subscriptions export, which is unchanged without history', async () => {
    const all = await csvOf((await exportCsv(`history=true&offer=${offerDocumentId}`)).body as string);
    expect(all.rows.map((r) => `${r.documentId}:${r.kind}`).sort()).toEqual(
      [`${aliceSub}:created`, `${aliceSub}:renewed`, `${bobSub}:created`].sort()
    );
    const subs = await csvOf((await exportCsv(`offer=${offerDocumentId}`)).body as string);
    expect(subs.header).toEqual(['email', 'username', 'offer', 'status', 'startsAt', 'dueAt', 'endsAt', 'source', 'documentId']);
    expect(subs.rows.map((r) => r.documentId).sort()).toEqual([aliceSub, bobSub].sort());
    // A filter matching nobody: the header only.
    const none = await csvOf((await exportCsv('history=true&search=nobody-at-all')).body as string);
    expect(none.header).toEqual(COLUMNS);
    expect(none.rows).toEqual([]);
  });

  it('refuses a bad history flag, naming it', async () => {
    const res = await http(strapi).get('/subscriptions/subscriptions/export?history=yes').set(auth);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('history');
  });

  it('is allowed to admins who may read the subscriptions, refused to the others', async () => {
    const allowed = await exportCsv(`history=true&search=${encodeURIComponent(bob.email)}`, reader);
    expect(allowed.status).toBe(200);
    expect((await csvOf(allowed.body as string)).rows.map((r) => r.kind)).toEqual(['created']);
    const refused = await http(strapi).get('/subscriptions/subscriptions/export?history=true').set(nobody);
    expect(refused.status).toBe(403);
    expect((await http(strapi).get('/subscriptions/subscriptions/export?history=true')).status).toBe(401);
  });
});
