import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, roleOf, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'replay-secret-key';
const CM = '/content-manager/collection-types';
const OFFER = 'plugin::subscriptions.offer';
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';
const EVENT = 'plugin::subscriptions.payment-event';
const MESSAGE = 'plugin::subscriptions.message';
const DAY = 86_400_000;

/**
 * Re-applying a payment event from the payment log (issue 16): an unmapped sale, once its
 * product is mapped to an offer, is applied as if it had been mapped when it arrived — once.
 */
describe('re-applying a payment event from the log', () => {
  let strapi: Core.Strapi;
  let manager: { Authorization: string };
  let managerEmail: string;
  let other: { Authorization: string };
  let reader: { Authorization: string };
  let memberRole: { id: number };
  const now = new Date(Date.UTC(2026, 10, 23, 12, 0, 0));

  const post = (fields: Record<string, string>) => http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
  const replay = (id: number | string, auth: { Authorization: string } = manager) =>
    http(strapi).post(`/subscriptions/payment-events/${id}/replay`).set(auth);
  const eventRow = (id: number) => strapi.db.query(EVENT).findOne({ where: { id }, populate: { user: true, subscription: true } });
  const lastEvent = async () => (await strapi.db.query(EVENT).findMany({ orderBy: { id: 'desc' }, limit: 1 }))[0];
  const userByEmail = (email: string) => strapi.db.query(USER).findOne({ where: { email: email.toLowerCase() }, populate: { role: true } });
  const subsOf = (userId: number) =>
    strapi.db.query(SUB).findMany({ where: { user: { id: userId } }, populate: { offer: true }, orderBy: { id: 'asc' } });
  /** Everything a replay could write. */
  const snapshot = async () => ({
    users: await strapi.db.query(USER).count(),
    subscriptions: await strapi.db.query(SUB).findMany({ select: ['id', 'status', 'startsAt', 'endsAt', 'dueAt', 'cancelledAt'], orderBy: { id: 'asc' } }),
    events: await strapi.db.query(EVENT).findMany({
      select: ['id', 'outcome', 'reason', 'replayedAt', 'replayedBy', 'replayOutcome', 'replayedAs', 'replayOf', 'refundedAt'],
      orderBy: { id: 'asc' },
    }),
    messages: await strapi.db.query(MESSAGE).count(),
    roles: (await strapi.db.query(USER).findMany({ populate: { role: true }, orderBy: { id: 'asc' } })).map((u: any) => u.role?.type ?? null),
  });
  /** An offer created in the Content Manager, as an editor would; mapped later, or never. */
  const createOffer = async (data: Record<string, unknown>) => {
    const res = await http(strapi).post(`${CM}/${OFFER}`).set(manager).send(data);
    if (res.status !== 201 && res.status !== 200) throw new Error(`offer: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data as { id: number; documentId: string };
  };
  /** The admin fixes the mapping: the offer's click2sellProductId, in the Content Manager. */
  const mapProduct = async (offer: { documentId: string }, productId: string) => {
    const res = await http(strapi).put(`${CM}/${OFFER}/${offer.documentId}`).set(manager).send({ click2sellProductId: productId });
    expect(res.status).toBe(200);
  };
  const attention = async () =>
    (await http(strapi).get('/subscriptions/payment-events?needsAttention=true&pageSize=100').set(reader)).body.data as {
      id: number;
      replayable: boolean;
      payload: Record<string, unknown>;
    }[];

  beforeAll(async () => {
    strapi = await bootStrapi('replay', { CLICK2SELL_SECRET_KEY: SECRET });
    strapi.plugin('subscriptions').service('clock').pin(now);
    const admin = await adminJwt(strapi);
    manager = { Authorization: `Bearer ${admin.jwt}` };
    managerEmail = admin.email;
    other = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    const role = await strapi.service('admin::role').create({ name: 'subs-reader', code: 'subs-reader', description: 'read only' });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, [{ action: 'plugin::subscriptions.read', subject: null, conditions: [], properties: {} }]);
    reader = { Authorization: `Bearer ${(await adminJwt(strapi, role.code)).jwt}` };
    memberRole = await createRole(strapi, 'member');
  });
  afterAll(() => stopStrapi(strapi));

  it('applies an unmapped sale once its product is mapped, as if it had been mapped, and only once', async () => {
    const gold = await createOffer({ title: 'Gold', duration: 1, period: 'months', price: 10, role: memberRole.id, level: 1 });
    const sale = notification(SECRET, { product_id: '2001' });
    const arrived = await post(sale);
    expect(arrived.status).toBe(200);
    expect(arrived.body.outcome).toBe('unmapped');
    const original = await lastEvent();
    expect(original).toMatchObject({ outcome: 'unmapped', productId: '2001', replayedAt: null });
    const buyer = await userByEmail(sale.buyer_email);
    expect(buyer.role.type).toBe('authenticated');

    // The log's "needs attention" filter lists it, re-applicable, its payload without the checksum.
    const listed = (await attention()).find((e) => e.id === original.id);
    expect(listed).toMatchObject({ replayable: true });
    expect(listed!.payload).not.toHaveProperty('checksum');
    expect(JSON.stringify(listed)).not.toContain(sale.checksum);

    // Still unmapped: refused, naming the product; nothing written.
    const before = await snapshot();
    const early = await replay(original.id);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('"2001"');
    expect(await snapshot()).toEqual(before);

    // Without the `manage` permission: 403, nothing written.
    expect((await replay(original.id, reader)).status).toBe(403);
    expect((await http(strapi).post(`/subscriptions/payment-events/${original.id}/replay`)).status).toBe(401);
    expect(await snapshot()).toEqual(before);

    await mapProduct(gold, '2001');
    // What a mapped notification does at the same instant, for another buyer.
    const reference = await post(notification(SECRET, { product_id: '2001' }));
    expect(reference.body.outcome).toBe('applied');
    const referenceRow = await eventRow((await lastEvent()).id);
    const [referenceSub] = await subsOf(referenceRow.user.id);

    const res = await replay(original.id);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: original.id, outcome: 'applied' });
    expect(res.body.data.message).toMatch(/subscription created/);

    // The member, the subscription and the role, as if the notification had been mapped.
    const subs = await subsOf(buyer.id);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({
      status: 'active',
      source: 'click2sell',
      lastPurchaseId: sale.c2s_transaction_id,
      startsAt: referenceSub.startsAt,
      endsAt: referenceSub.endsAt,
      dueAt: referenceSub.dueAt,
    });
    expect(subs[0].offer.id).toBe(gold.id);
    expect(await roleOf(strapi, buyer.id)).toBe('member');
    expect(await strapi.db.query(USER).count({ where: { email: sale.buyer_email } })).toBe(1);
    expect(await strapi.db.query(MESSAGE).count({ where: { kind: 'receipt', to: sale.buyer_email } })).toBe(1);

    // The original row links to what its replay did; the replay's row to the original.
    const linked = await eventRow(original.id);
    expect(linked).toMatchObject({ outcome: 'unmapped', replayedBy: managerEmail, replayOutcome: 'applied', replayedAs: res.body.data.replayedAs });
    expect(new Date(linked.replayedAt).getTime()).toBe(now.getTime());
    const written = await eventRow(res.body.data.replayedAs);
    expect(written).toMatchObject({ outcome: 'applied', replayOf: original.id, meaning: 'purchase', acquirerTransactionId: sale.acquirer_transaction_id });
    expect(written.user.id).toBe(buyer.id);
    expect(written.subscription.id).toBe(subs[0].id);
    expect(new Date(written.periodEnd).getTime()).toBe(new Date(subs[0].endsAt).getTime());
    expect(JSON.stringify(written.payload)).not.toContain(sale.checksum);
    expect((await attention()).some((e) => e.id === original.id)).toBe(false);
    const logged = (await http(strapi).get('/subscriptions/payment-events?search=' + sale.c2s_transaction_id).set(reader)).body.data;
    expect(logged.find((e: { id: number }) => e.id === original.id)).toMatchObject({ replayable: false, replayOutcome: 'applied', replayedBy: managerEmail });

    // A second replay: 409, nothing changes; the original notification resent is still a duplicate.
    const after = await snapshot();
    const again = await replay(original.id);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already re-applied/);
    expect((await replay(original.id, other)).status).toBe(409);
    expect(await snapshot()).toEqual(after);
    expect((await post(sale)).body.outcome).toBe('duplicate');
    expect((await snapshot()).subscriptions).toEqual(after.subscriptions);

    // Its later refund finds the payment the replay applied.
    strapi.plugin('subscriptions').service('clock').pin(new Date(now.getTime() + DAY));
    const refund = await post({ ...sale, transaction_type: 'Refund' });
    strapi.plugin('subscriptions').service('clock').pin(now);
    expect(refund.body.outcome).toBe('applied');
    expect((await subsOf(buyer.id)).map((s: { status: string }) => s.status)).toEqual(['refunded']);
  });

  it('never re-applies a rejected notification, nor one that applied; an unknown id is a 404, a malformed one a 400', async () => {
    const forged = notification('not-the-secret', { product_id: '2001' });
    expect((await post(forged)).status).toBe(403);
    const rejected = await lastEvent();
    expect(rejected).toMatchObject({ outcome: 'rejected', reason: 'checksum verification failed' });
    const applied = await post(notification(SECRET, { product_id: '2001' }));
    expect(applied.body.outcome).toBe('applied');
    const appliedRow = await lastEvent();

    const before = await snapshot();
    const refused = await replay(rejected.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/rejected notification .* never re-applied/);
    const twice = await replay(appliedRow.id);
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/only unmapped/);
    expect((await replay(999_999_999)).status).toBe(404);
    const malformed = await replay('abc');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.errors[0].path).toEqual(['id']);
    expect(await snapshot()).toEqual(before);
  });

  it('applies with it a refund that waited for the unmapped payment, whichever came first', async () => {
    const silver = await createOffer({ title: 'Silver', duration: 1, period: 'months', role: memberRole.id, level: 1 });
    // A refund after the unmapped sale (recorded, it changed nothing)…
    const saleFirst = notification(SECRET, { product_id: '3001' });
    expect((await post(saleFirst)).body.outcome).toBe('unmapped');
    const saleFirstRow = await lastEvent();
    expect((await post({ ...saleFirst, transaction_type: 'Refund' })).status).toBe(200);
    // …and one before it, for a buyer who was already a member (pending, then resolved by the sale).
    const known = await createMember(strapi);
    const refundFirst = notification(SECRET, { product_id: '3001', buyer_email: known.email });
    expect((await post({ ...refundFirst, transaction_type: 'Refund' })).body.outcome).toBe('pending');
    const pendingRow = await lastEvent();
    expect((await post(refundFirst)).body.outcome).toBe('unmapped');
    const refundFirstRow = await lastEvent();

    await mapProduct(silver, '3001');
    for (const [row, email] of [
      [saleFirstRow, saleFirst.buyer_email],
      [refundFirstRow, known.email],
    ] as const) {
      const res = await replay(row.id);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ outcome: 'applied', message: 'payment already refunded: nothing granted' });
      const user = await userByEmail(email);
      // Refunded before it was applied: no subscription, no paid role.
      expect(await subsOf(user.id)).toHaveLength(0);
      expect(user.role.type).toBe('authenticated');
      const written = await eventRow(res.body.data.replayedAs);
      expect(written.refundedAt).not.toBeNull();
      expect(await strapi.db.query(MESSAGE).count({ where: { kind: 'receipt', to: email } })).toBe(0);
    }
    expect((await eventRow(pendingRow.id)).outcome).toBe('applied');
  });

  it('two admins re-applying at once: one applies, the other is refused', async () => {
    const bronze = await createOffer({ title: 'Bronze', duration: 2, period: 'months', role: memberRole.id, level: 1 });
    const sale = notification(SECRET, { product_id: '4001' });
    expect((await post(sale)).body.outcome).toBe('unmapped');
    const row = await lastEvent();
    await mapProduct(bronze, '4001');
    const answers = await Promise.all([replay(row.id, manager), replay(row.id, other)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const user = await userByEmail(sale.buyer_email);
    expect(await subsOf(user.id)).toHaveLength(1);
    expect(await strapi.db.query(EVENT).count({ where: { replayOf: row.id } })).toBe(1);
    expect(await roleOf(strapi, user.id)).toBe('member');
  });
});
