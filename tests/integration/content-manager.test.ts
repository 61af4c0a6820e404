import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, roleOf, stopStrapi } from '../helpers/strapi';

const CM = '/content-manager/collection-types';
const OFFER = 'plugin::subscriptions.offer';
const SUB = 'plugin::subscriptions.subscription';
const RULE = 'plugin::subscriptions.notification-rule';
const DAY = 86_400_000;

/** Editors work in the Content Manager: the same lifecycle rules apply there, over HTTP. */
describe('editing in the Content Manager', () => {
  let strapi: Core.Strapi;
  let auth: { Authorization: string };
  let memberRole: { id: number };

  const countRows = (uid: string) => strapi.db.query(uid as never).count();
  const errorPaths = (body: { error?: { details?: { errors?: { path: string[] }[] } } }) =>
    (body.error?.details?.errors ?? []).map((e) => e.path.join('.'));

  const createOffer = async (data: Record<string, unknown>) => {
    const res = await http(strapi).post(`${CM}/${OFFER}`).set(auth).send(data);
    if (res.status !== 201 && res.status !== 200) throw new Error(`offer: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data as { id: number; documentId: string };
  };

  beforeAll(async () => {
    strapi = await bootStrapi('content-manager');
    const admin = await adminJwt(strapi);
    auth = { Authorization: `Bearer ${admin.jwt}` };
    memberRole = await createRole(strapi, 'member');
  });
  afterAll(() => stopStrapi(strapi));

  it("guards the plugin's types where Strapi's Content Manager would answer 500: deep bodies, odd searches and sorts, relations without permission", async () => {
    const before = await countRows(OFFER);
    const deep = `{"title":${'{"a":'.repeat(6000)}"x"${'}'.repeat(6000)},"duration":1,"period":"days"}`;
    const deepRes = await http(strapi).post(`${CM}/${OFFER}`).set(auth).set('content-type', 'application/json').send(deep);
    expect(deepRes.status).toBe(400);
    expect(deepRes.body.error.message).toMatch(/^body: nested more than/);
    const search = await http(strapi).get(`${CM}/${SUB}?_q=alice&_q=bob`).set(auth);
    expect(search.status).toBe(400);
    expect(search.body.error.message).toMatch(/^_q /);
    const sort = await http(strapi).get(`/content-manager/relations/${SUB}/offer?sort=password:desc`).set(auth);
    expect(sort.status).toBe(400);
    expect(sort.body.error.message).toBe('sort: no field password');
    // The same routes still work for proper requests.
    expect((await http(strapi).get(`/content-manager/relations/${SUB}/offer?sort=title:asc`).set(auth)).status).toBe(200);
    expect((await http(strapi).get(`${CM}/${SUB}?_q=alice`).set(auth)).status).toBe(200);
    // An admin whose role grants nothing: 403 before any validation.
    const empty = await strapi.service('admin::role').create({ name: `No permission ${Date.now()}`, description: 'nothing' });
    const author = await adminJwt(strapi, empty.code);
    const forbidden = await http(strapi).get(`/content-manager/relations/${SUB}/offer`).set({ Authorization: `Bearer ${author.jwt}` });
    expect(forbidden.status).toBe(403);
    expect(await countRows(OFFER)).toBe(before);
  });

  it('refuses an offer with a negative duration, a negative price or an unknown period, naming the field', async () => {
    const before = await countRows(OFFER);
    for (const [data, field] of [
      [{ title: 'Bad', duration: -1, period: 'months' }, 'duration'],
      [{ title: 'Bad', duration: 1, period: 'months', price: -5 }, 'price'],
      [{ title: 'Bad', duration: 1, period: 'weeks' }, 'period'],
      [{ duration: 1, period: 'months' }, 'title'],
    ] as const) {
      const res = await http(strapi).post(`${CM}/${OFFER}`).set(auth).send(data);
      expect(res.status).toBe(400);
      expect(errorPaths(res.body)).toContain(field);
    }
    expect(await countRows(OFFER)).toBe(before);
  });

  it('creates a subscription with dates from the offer and grants its role', async () => {
    const offer = await createOffer({ title: 'Quarterly', duration: 3, period: 'months', price: 25, role: memberRole.id });
    const user = await createMember(strapi);
    const res = await http(strapi)
      .post(`${CM}/${SUB}`)
      .set(auth)
      .send({ user: { connect: [{ id: user.id }] }, offer: { connect: [{ documentId: offer.documentId }] } });
    expect(res.status).toBe(201);
    const row = await strapi.db.query(SUB).findOne({ where: { documentId: res.body.data.documentId } });
    const start = new Date(row.startsAt).getTime();
    expect(Math.abs(start - Date.now())).toBeLessThan(60_000);
    const end = new Date(row.endsAt);
    const expected = new Date(start);
    expected.setUTCMonth(expected.getUTCMonth() + 3);
    // Within a month-end clamp of three calendar months.
    expect(Math.abs(end.getTime() - expected.getTime())).toBeLessThanOrEqual(3 * DAY);
    expect(new Date(row.dueAt).getTime()).toBe(end.getTime());
    expect(row.status).toBe('active');
    expect(row.source).toBe('manual');
    expect(await roleOf(strapi, user.id)).toBe('member');
  });

  it('refuses a subscription without user or offer, and an end before the start; nothing is written', async () => {
    const offer = await createOffer({ title: 'Monthly', duration: 1, period: 'months' });
    const user = await createMember(strapi);
    const before = await countRows(SUB);
    const noUser = await http(strapi).post(`${CM}/${SUB}`).set(auth).send({ offer: { connect: [{ id: offer.id }] } });
    expect(noUser.status).toBe(400);
    expect(errorPaths(noUser.body)).toContain('user');
    const noOffer = await http(strapi).post(`${CM}/${SUB}`).set(auth).send({ user: { connect: [{ id: user.id }] } });
    expect(noOffer.status).toBe(400);
    expect(errorPaths(noOffer.body)).toContain('offer');
    const backwards = await http(strapi)
      .post(`${CM}/${SUB}`)
      .set(auth)
      .send({
        user: { connect: [{ id: user.id }] },
        offer: { connect: [{ id: offer.id }] },
        startsAt: '2030-01-10T00:00:00.000Z',
        endsAt: '2030-01-01T00:00:00.000Z',
      });
    expect(backwards.status).toBe(400);
    expect(errorPaths(backwards.body)).toContain('endsAt');
    expect(await countRows(SUB)).toBe(before);
  });

  it('lets editors move dates (status and role follow) but never change the user', async () => {
    const offer = await createOffer({ title: 'Annual', duration: 12, period: 'months', role: memberRole.id });
    const user = await createMember(strapi);
    const other = await createMember(strapi);
    const created = await http(strapi)
      .post(`${CM}/${SUB}`)
      .set(auth)
      .send({ user: { connect: [{ id: user.id }] }, offer: { connect: [{ id: offer.id }] } });
    const documentId = created.body.data.documentId as string;
    expect(await roleOf(strapi, user.id)).toBe('member');

    const changeUser = await http(strapi)
      .put(`${CM}/${SUB}/${documentId}`)
      .set(auth)
      .send({ user: { connect: [{ id: other.id }], disconnect: [] } });
    expect(changeUser.status).toBe(400);
    expect(errorPaths(changeUser.body)).toContain('user');

    const yesterday = new Date(Date.now() - DAY).toISOString();
    const lastMonth = new Date(Date.now() - 30 * DAY).toISOString();
    const moved = await http(strapi)
      .put(`${CM}/${SUB}/${documentId}`)
      .set(auth)
      .send({ startsAt: lastMonth, endsAt: yesterday });
    expect(moved.status).toBe(200);
    const row = await strapi.db.query(SUB).findOne({ where: { documentId }, populate: { user: true } });
    expect(row.status).toBe('expired');
    expect(row.user.id).toBe(user.id);
    expect(await roleOf(strapi, user.id)).toBe('authenticated');

    const backwards = await http(strapi)
      .put(`${CM}/${SUB}/${documentId}`)
      .set(auth)
      .send({ endsAt: new Date(Date.now() - 60 * DAY).toISOString() });
    expect(backwards.status).toBe(400);
    expect(errorPaths(backwards.body)).toContain('endsAt');
    const unchanged = await strapi.db.query(SUB).findOne({ where: { documentId } });
    expect(new Date(unchanged.endsAt).toISOString()).toBe(yesterday);
  });

  it('recomputes the role when a subscription is deleted', async () => {
    const offer = await createOffer({ title: 'Deletable', duration: 1, period: 'months', role: memberRole.id });
    const user = await createMember(strapi);
    const created = await http(strapi)
      .post(`${CM}/${SUB}`)
      .set(auth)
      .send({ user: { connect: [{ id: user.id }] }, offer: { connect: [{ id: offer.id }] } });
    expect(await roleOf(strapi, user.id)).toBe('member');
    const res = await http(strapi).delete(`${CM}/${SUB}/${created.body.data.documentId}`).set(auth);
    expect(res.status).toBe(200);
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
  });

  it('requires an offer for a notification rule and validates amount, period and when', async () => {
    const offer = await createOffer({ title: 'With rules', duration: 1, period: 'months' });
    const before = await countRows(RULE);
    const noOffer = await http(strapi).post(`${CM}/${RULE}`).set(auth).send({ amount: 7, period: 'days', when: 'before' });
    expect(noOffer.status).toBe(400);
    expect(errorPaths(noOffer.body)).toContain('offer');
    const badWhen = await http(strapi)
      .post(`${CM}/${RULE}`)
      .set(auth)
      .send({ offer: { connect: [{ id: offer.id }] }, amount: 7, period: 'days', when: 'during' });
    expect(badWhen.status).toBe(400);
    expect(errorPaths(badWhen.body)).toContain('when');
    const negative = await http(strapi)
      .post(`${CM}/${RULE}`)
      .set(auth)
      .send({ offer: { connect: [{ id: offer.id }] }, amount: -1, period: 'days', when: 'before' });
    expect(negative.status).toBe(400);
    expect(errorPaths(negative.body)).toContain('amount');
    expect(await countRows(RULE)).toBe(before);
    const ok = await http(strapi)
      .post(`${CM}/${RULE}`)
      .set(auth)
      .send({ offer: { connect: [{ id: offer.id }] }, amount: 7, period: 'days', when: 'before' });
    expect(ok.status).toBe(201);
  });
});
