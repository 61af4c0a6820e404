import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, stopStrapi, subscriptionsService } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';

const SECRET = 'history-secret';
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';
const EVENT = 'plugin::subscriptions.payment-event';
const DAY = 86_400_000;
const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());

interface Entry {
  kind: string;
  before: { status: string | null; startsAt: string | null; dueAt: string | null; endsAt: string | null };
  after: { status: string | null; startsAt: string | null; dueAt: string | null; endsAt: string | null };
  cause: { kind: string; ref: string | null; label: string | null };
  roleBefore: number | null;
  roleAfter: number | null;
  subscriptionDocumentId: string | null;
}

/**
 * A subscription's history over HTTP: every change — Click2Sell, the admin's actions, the
 * scheduler — is one entry, before → after, with its cause, written in the change's transaction.
 */
describe('subscription history', () => {
  let strapi: Core.Strapi;
  let admin: { jwt: string; id: number; email: string };
  let auth: { Authorization: string };
  let memberRole: { id: number };
  let offerId: number;

  const post = (fields: Record<string, string>) => http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
  const historyOf = async (documentId: string): Promise<Entry[]> => {
    const res = await http(strapi).get(`/subscriptions/subscriptions/${documentId}/history`).set(auth);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const ledgerRow = async (acquirer: string, meaning: string) =>
    (await strapi.db.query(EVENT).findOne({ where: { acquirerTransactionId: acquirer, meaning } })) as { id: number };
  const subOf = async (userId: number) =>
    (await strapi.db.query(SUB).findOne({ where: { user: { id: userId } } })) as Record<string, any>;
  const dates = (row: Record<string, any>) => ({ status: row.status, startsAt: iso(row.startsAt), dueAt: iso(row.dueAt), endsAt: iso(row.endsAt) });

  beforeAll(async () => {
    strapi = await bootStrapi('history', { CLICK2SELL_SECRET_KEY: SECRET });
    memberRole = await createRole(strapi, 'member');
    const offer = await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'Monthly', duration: 1, period: 'months', price: 9.9, role: memberRole.id, level: 1, click2sellProductId: '3001' } as never,
    });
    offerId = (offer as unknown as { id: number }).id;
    admin = await adminJwt(strapi);
    auth = { Authorization: `Bearer ${admin.jwt}` };
  });
  afterAll(() => stopStrapi(strapi));

  it('lists a sale, its re-bill and refund, an admin renew, date edit and cancel, and the scheduler ending it, in order, with before/after and cause', async () => {
    const email = `history-${Date.now()}@example.com`;
    // Click2Sell: a recurring sale, its re-bill, the re-bill refunded.
    const sale = notification(SECRET, { buyer_email: email, product_id: '3001', transaction_type: 'Subscription', subscription_status: 'New' });
    expect((await post(sale)).status).toBe(200);
    const user = (await strapi.db.query(USER).findOne({ where: { email } })) as { id: number };
    const created = await subOf(user.id);
    const rebill = notification(SECRET, { buyer_email: email, product_id: '3001', transaction_type: 'Subscription', subscription_status: 'Recurring' });
    expect((await post(rebill)).status).toBe(200);
    const rebilled = await subOf(user.id);
    const ofRebill = { acquirer_transaction_id: rebill.acquirer_transaction_id, c2s_transaction_id: rebill.c2s_transaction_id };
    expect((await post(notification(SECRET, { ...ofRebill, buyer_email: email, product_id: '3001', transaction_type: 'Refund' }))).status).toBe(200);
    const refunded = await subOf(user.id);
    expect(iso(refunded.dueAt)).toBe(iso(created.dueAt));

    // The admin: renew, move the end, a refused edit (400, nothing written), cancel.
    const doc = created.documentId as string;
    expect((await http(strapi).post(`/subscriptions/subscriptions/${doc}/renew`).set(auth)).status).toBe(200);
    const renewed = await subOf(user.id);
    const newEnd = new Date(new Date(renewed.dueAt).getTime() + 10 * DAY).toISOString();
    expect((await http(strapi).put(`/subscriptions/subscriptions/${doc}/dates`).set(auth).send({ endsAt: newEnd })).status).toBe(200);
    const edited = await subOf(user.id);
    const countBefore = (await historyOf(doc)).length;
    const refused = await http(strapi)
      .put(`/subscriptions/subscriptions/${doc}/dates`)
      .set(auth)
      .send({ startsAt: '2041-01-01T00:00:00.000Z', endsAt: '2040-01-01T00:00:00.000Z' });
    expect(refused.status).toBe(400);
    expect((await historyOf(doc)).length).toBe(countBefore);
    expect((await http(strapi).post(`/subscriptions/subscriptions/${doc}/cancel`).set(auth)).status).toBe(200);
    const cancelled = await subOf(user.id);

    // The scheduler, after the end.
    const runAt = new Date(new Date(cancelled.endsAt).getTime() + DAY);
    await strapi.plugin('subscriptions').service('scheduler').runOnce({ now: runAt, steps: ['lifecycle'] });
    const ended = await subOf(user.id);
    expect(ended.status).not.toBe('active');

    const entries = await historyOf(doc);
    expect(entries.map((e) => [e.kind, e.cause.kind])).toEqual([
      ['expired', 'scheduler'],
      ['cancelled', 'admin'],
      ['dates-edited', 'admin'],
      ['renewed', 'admin'],
      ['refunded', 'payment'],
      ['renewed', 'payment'],
      ['created', 'payment'],
    ]);
    const [expiry, cancel, edit, renew, refund, rebillEntry, creation] = entries;
    // Before → after, each the row as it was stored on either side of the change.
    expect(creation.before).toEqual({ status: null, startsAt: null, dueAt: null, endsAt: null });
    expect(creation.after).toEqual(dates(created));
    expect(rebillEntry.before).toEqual(dates(created));
    expect(rebillEntry.after).toEqual(dates(rebilled));
    expect(refund.before).toEqual(dates(rebilled));
    expect(refund.after).toEqual(dates(refunded));
    expect(renew.before).toEqual(dates(refunded));
    expect(renew.after).toEqual(dates(renewed));
    expect(edit.before).toEqual(dates(renewed));
    expect(edit.after).toEqual(dates(edited));
    expect(edit.after.endsAt).toBe(newEnd);
    expect(cancel.before).toEqual(dates(edited));
    expect(cancel.after).toEqual(dates(cancelled));
    expect(expiry.before).toEqual(dates(cancelled));
    expect(expiry.after).toEqual(dates(ended));
    // Why: the payment log row of each notification, the admin user, the scheduler's run.
    expect(creation.cause.ref).toBe(String((await ledgerRow(sale.acquirer_transaction_id, 'purchase')).id));
    expect(rebillEntry.cause.ref).toBe(String((await ledgerRow(rebill.acquirer_transaction_id, 'rebill')).id));
    expect(refund.cause.ref).toBe(String((await ledgerRow(rebill.acquirer_transaction_id, 'refund')).id));
    for (const e of [renew, edit, cancel]) expect(e.cause).toEqual({ kind: 'admin', ref: String(admin.id), label: admin.email });
    expect(expiry.cause.ref).toContain(runAt.toISOString());

    // The service API answers the same; the member's role changes are member-level entries.
    const service = strapi.plugin('subscriptions').service('history');
    expect((await service.forSubscription(doc)).map((e: Entry) => e.kind)).toEqual(entries.map((e) => e.kind));
    const roles = (await service.forMember(user.id)).filter((e: Entry) => e.kind === 'role-changed');
    expect(roles.map((e: Entry) => [e.cause.kind, e.roleAfter, e.subscriptionDocumentId])).toEqual([
      ['scheduler', expect.any(Number), null],
      ['payment', memberRole.id, null],
    ]);
    expect(roles[0].roleBefore).toBe(memberRole.id);
  });

  it('a scheduler page of many transitions appends its history in one insert statement', async () => {
    const start = new Date('2035-01-01T00:00:00.000Z');
    const members = await Promise.all(Array.from({ length: 30 }, () => createMember(strapi)));
    for (const m of members) await subscriptionsService(strapi).subscribe({ user: m.id, offer: offerId, now: start });
    const inserts: string[] = [];
    const listen = (q: { sql: string }) => {
      if (/insert into .subscriptions_history_entries/i.test(q.sql)) inserts.push(q.sql);
    };
    strapi.db.connection.on('query', listen);
    try {
      await strapi.plugin('subscriptions').service('scheduler').runOnce({ now: new Date('2035-03-01T00:00:00.000Z'), steps: ['lifecycle'] });
    } finally {
      strapi.db.connection.off('query', listen);
    }
    expect(inserts).toHaveLength(1);
    for (const m of members) {
      const row = await subOf(m.id);
      const entries = await historyOf(row.documentId);
      expect(entries.map((e) => [e.kind, e.cause.kind])).toEqual([
        ['expired', 'scheduler'],
        ['created', 'api'],
      ]);
    }
  });

  it('is written in the change\'s transaction: a change rolled back leaves no history, and the Content Manager is named', async () => {
    const member = await createMember(strapi);
    const sub = await subscriptionsService(strapi).subscribe({ user: member.id, offer: offerId });
    const before = await historyOf(sub.documentId);
    expect(before.map((e) => e.kind)).toEqual(['created']);
    // A renewal inside a transaction that then fails: neither the renewal nor its history stays.
    await expect(
      strapi.db.transaction(async () => {
        await subscriptionsService(strapi).renew(sub.documentId);
        const inside = await strapi.plugin('subscriptions').service('history').forSubscription(sub.documentId);
        expect(inside.map((e: Entry) => e.kind)).toEqual(['renewed', 'created']); // written inside it
        throw new Error('rolled back');
      })
    ).rejects.toThrow('rolled back');
    expect(await historyOf(sub.documentId)).toEqual(before);
    expect(iso((await subOf(member.id)).dueAt)).toBe(iso(sub.dueAt));

    // An admin editing the record in the Content Manager.
    const endsAt = new Date(new Date(sub.dueAt as string).getTime() + 5 * DAY).toISOString();
    const res = await http(strapi)
      .put(`/content-manager/collection-types/${SUB}/${sub.documentId}`)
      .set(auth)
      .send({ endsAt });
    expect(res.status).toBe(200);
    const [edit] = await historyOf(sub.documentId);
    expect([edit.kind, edit.after.endsAt, edit.cause]).toEqual(['dates-edited', endsAt, { kind: 'content-manager', ref: String(admin.id), label: admin.email }]);
  });

  it('answers 404 for a document id that never was a subscription, and needs an admin', async () => {
    expect((await http(strapi).get('/subscriptions/subscriptions/nosuchdocument123/history').set(auth)).status).toBe(404);
    expect((await http(strapi).get('/subscriptions/subscriptions/nosuchdocument123/history')).status).toBe(401);
  });
});
