import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, createRole, http, roleOf, stopStrapi } from '../helpers/strapi';
import { CLICK2SELL_PATH, notification } from '../helpers/click2sell';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const SECRET = 'gdpr-secret';
const SUB = 'plugin::subscriptions.subscription';
const USER = 'plugin::users-permissions.user';
const EVENT = 'plugin::subscriptions.payment-event';
const MESSAGE = 'plugin::subscriptions.message';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every table of the database (the plugin's, users-permissions', Strapi's), by raw SQL. */
const allTables = async (strapi: Core.Strapi): Promise<string[]> => {
  const knex = strapi.db.connection;
  const client = strapi.db.dialect.client as string;
  if (client === 'sqlite' || client === 'better-sqlite3') {
    return ((await knex.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) as { name: string }[]).map((r) => r.name);
  }
  if (client === 'postgres' || client === 'pg') {
    const res = (await knex.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")) as {
      rows: { name: string }[];
    };
    return res.rows.map((r) => r.name);
  }
  const [rows] = (await knex.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")) as [
    { name?: string; NAME?: string; TABLE_NAME?: string }[],
  ];
  return rows.map((r) => (r.name ?? r.NAME ?? r.TABLE_NAME) as string);
};

/** `table.column` of every value in the table (any column, any type, as text) that contains one of the needles. */
const findIn = async (strapi: Core.Strapi, tables: readonly string[], needles: readonly string[]): Promise<string[]> => {
  const found: string[] = [];
  for (const table of tables) {
    const rows = (await strapi.db.connection(table).select('*')) as Record<string, unknown>[];
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const text = (Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value)).toLowerCase();
        for (const needle of needles) if (text.includes(needle.toLowerCase())) found.push(`${table}.${column} ∋ ${needle}`);
      }
    }
  }
  return found;
};

/**
 * A member's personal data (GDPR) over the admin API: one JSON export of everything the plugin
 * holds about them, and an erasure that leaves no trace of their name or e-mail in any table
 * while the accounts (amounts, dates, offers, transaction ids) stay, and nothing is sent to them.
 */
describe("a member's personal data (GDPR)", () => {
  let strapi: Core.Strapi;
  let smtp: TestSmtp;
  let admin: { jwt: string; id: number; email: string };
  let auth: { Authorization: string };
  let editor: { Authorization: string };
  let officer: { Authorization: string };
  let memberRole: { id: number };

  const roleWith = async (code: string, actions: string[]) => {
    const role = await strapi.service('admin::role').create({ name: code, code, description: code });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, actions.map((action) => ({ action: `plugin::subscriptions.${action}`, subject: null, conditions: [], properties: {} })));
    return role.code as string;
  };
  const post = (fields: Record<string, string>) => http(strapi).post(CLICK2SELL_PATH).type('form').send(fields);
  const clock = () => strapi.plugin('subscriptions').service('clock');
  const scheduler = () => strapi.plugin('subscriptions').service('scheduler');
  const messages = () => strapi.plugin('subscriptions').service('messages');
  /** Waits for the e-mails a purchase sends after its commit (welcome, receipt), then delivers anything left. */
  const settleMail = async (email: string, count: number) => {
    for (let waited = 0; smtp.to(email).length < count && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await messages().deliverDue({});
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    strapi = await bootStrapi('gdpr', { CLICK2SELL_SECRET_KEY: SECRET, ...smtp.env });
    memberRole = await createRole(strapi, 'gdpr-member');
    const offer = (await strapi.documents('plugin::subscriptions.offer').create({
      data: { title: 'GDPR monthly', duration: 1, period: 'months', price: 9.9, role: memberRole.id, level: 1, click2sellProductId: '7001' } as never,
    })) as unknown as { id: number };
    // Reminders 7 and 3 days before the end, and 1 day after it.
    for (const [amount, when] of [[7, 'before'], [3, 'before'], [1, 'after']] as const) {
      await strapi.db.query('plugin::subscriptions.notification-rule').create({ data: { amount, period: 'days', when, offer: offer.id } });
    }
    admin = await adminJwt(strapi);
    auth = { Authorization: `Bearer ${admin.jwt}` };
    // Every other action of the plugin but not this one; and this one alone.
    editor = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('subs-all-but-gdpr', ['read', 'manage', 'subscribers.manage', 'settings.read', 'settings.update']))).jwt}` };
    officer = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('subs-gdpr-only', ['members.gdpr']))).jwt}` };
  });
  afterEach(() => clock().pin(null));
  afterAll(async () => {
    await stopStrapi(strapi);
    await smtp?.close();
  });

  it('exports everything held about a member as one JSON file, then erases it: no trace of their name or e-mail in any table, the accounts kept, nothing sent to them', async () => {
    const tag = crypto.randomBytes(4).toString('hex');
    const email = `gdpr-${tag}@example.com`;
    const name = { first: `Gudrun${tag}`, last: `Erasmussen${tag}` };
    const controlEmail = `gdpr-control-${tag}@example.com`;

    // A Click2Sell purchase (signed notification over HTTP) for the member and a control member.
    const sale = notification(SECRET, { buyer_email: email, buyer_name: name.first, buyer_surname: name.last, buyer_phone: `+33 6 ${tag}`, buyer_address: `${tag} Rue du Secret`, product_id: '7001' });
    expect((await post(sale)).status).toBe(200);
    expect((await post(notification(SECRET, { buyer_email: controlEmail, product_id: '7001' }))).status).toBe(200);
    await settleMail(email, 2);
    await settleMail(controlEmail, 2);
    const user = (await strapi.db.query(USER).findOne({ where: { email } })) as { id: number; documentId: string };
    const control = (await strapi.db.query(USER).findOne({ where: { email: controlEmail } })) as { id: number };
    // A password hash and a reset token the export must never show.
    await strapi.db.query(USER).update({ where: { id: user.id }, data: { password: `$2a$10$hash-${tag}`, resetPasswordToken: `token-${tag}` } });
    const sub = (await strapi.db.query(SUB).findOne({ where: { user: { id: user.id } } })) as Record<string, any>;
    expect(sub.buyerName).toBe(`${name.first} ${name.last}`);
    const end = new Date(sub.endsAt);

    // The 7-day reminder is sent; the 3-day one is queued, not yet sent.
    await scheduler().runOnce({ now: new Date(end.getTime() - 7 * DAY + HOUR) });
    expect(smtp.to(email)).toHaveLength(3);
    await scheduler().runOnce({ now: new Date(end.getTime() - 3 * DAY + HOUR), steps: ['lifecycle', 'reminders'] });
    const queued = (await strapi.db.query(MESSAGE).findMany({ where: { user: { id: user.id }, status: 'pending' } })) as unknown[];
    expect(queued).toHaveLength(1);

    // A forged notification with their address: rejected, logged without a member link.
    await post({ ...notification(SECRET, { buyer_email: email, buyer_name: name.first, product_id: '7001' }), checksum: 'FORGED' });
    expect(await strapi.db.query(EVENT).findOne({ where: { email, outcome: 'rejected' }, populate: { user: true } })).toMatchObject({ user: null });

    // Export: one JSON attachment with each part; no password hash, no token.
    const exported = await http(strapi).get(`/subscriptions/members/${user.id}/export`).set(auth).buffer(true);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toBe(`attachment; filename="member-${user.id}.json"`);
    expect(exported.headers['content-type']).toMatch(/^application\/json/);
    const text = exported.text;
    expect(text).not.toContain(`hash-${tag}`);
    expect(text).not.toContain(`token-${tag}`);
    const file = JSON.parse(text);
    expect(file.format).toBe('subscriptions-member-export/1');
    expect(file.user).toMatchObject({ id: user.id, email, username: email });
    expect(Object.keys(file.user)).not.toEqual(expect.arrayContaining(['password']));
    expect(file.user).not.toHaveProperty('resetPasswordToken');
    expect(file.subscriptions).toHaveLength(1);
    expect(file.subscriptions[0]).toMatchObject({ documentId: sub.documentId, buyerName: `${name.first} ${name.last}`, offer: { title: 'GDPR monthly' } });
    expect(file.subscriptions[0].history.map((e: { kind: string; cause: { kind: string } }) => [e.kind, e.cause.kind])).toEqual([['created', 'payment']]);
    expect(file.history.map((e: { kind: string }) => e.kind)).toEqual(['role-changed']);
    expect(file.paymentEvents.map((e: { outcome: string }) => e.outcome)).toEqual(['applied', 'rejected']);
    expect(file.paymentEvents[0]).toMatchObject({
      acquirerTransactionId: sale.acquirer_transaction_id,
      email,
      outcome: 'applied',
      payload: { buyer_email: email, buyer_name: name.first, buyer_address: sale.buyer_address, product_price: '9.90 EUR' },
    });
    expect(file.paymentEvents[0].payload).not.toHaveProperty('checksum');
    expect(file.messages.map((m: { kind: string; status: string; to: string }) => [m.kind, m.status, m.to])).toEqual([
      ['welcome', 'sent', email],
      ['receipt', 'sent', email],
      ['reminder', 'sent', email],
      ['reminder', 'pending', email],
    ]);

    // Erase: a wrong confirmation is a 400 and writes nothing.
    const wrong = await http(strapi).post(`/subscriptions/members/${user.id}/erase`).set(auth).send({ confirm: controlEmail });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.errors[0].path).toEqual(['confirm']);
    expect(await strapi.db.query(USER).findOne({ where: { id: user.id } })).toMatchObject({ email, blocked: false });

    const ledgerBefore = (await strapi.db.query(EVENT).findOne({ where: { acquirerTransactionId: sale.acquirer_transaction_id } })) as Record<string, any>;
    // The erasure happens between the runs (the plugin's clock pinned there): the subscription ends
    // then, so its after-end reminder falls due in a later run (and must not go out).
    const erasedAt = new Date(end.getTime() - 3 * DAY + 90 * 60_000);
    clock().pin(erasedAt);
    const erased = await http(strapi).post(`/subscriptions/members/${user.id}/erase`).set(auth).send({ confirm: email.toUpperCase() });
    expect(erased.status).toBe(200);
    expect(erased.body.data).toMatchObject({ userId: user.id, email: `erased-${user.id}@invalid`, subscriptionsEnded: 1, paymentEvents: 2, messagesSkipped: 1 });

    // No table (the plugin's, users-permissions', any other) holds their e-mail or name any more.
    const tables = await allTables(strapi);
    expect(tables).toEqual(expect.arrayContaining(['subscriptions_payment_events', 'subscriptions_messages', 'subscriptions_history_entries', 'up_users']));
    expect(await findIn(strapi, tables, [email, name.first, name.last, sale.buyer_phone, sale.buyer_address, `hash-${tag}`, `token-${tag}`])).toEqual([]);
    // The control member's data is untouched (the search itself finds what is there).
    expect((await findIn(strapi, ['up_users', 'subscriptions_payment_events'], [controlEmail])).length).toBeGreaterThan(0);

    // The accounts stay: amounts, dates, offer, transaction ids.
    const ledgerAfter = (await strapi.db.query(EVENT).findOne({ where: { id: ledgerBefore.id }, populate: { user: true, subscription: true } })) as Record<string, any>;
    expect(ledgerAfter).toMatchObject({
      acquirerTransactionId: sale.acquirer_transaction_id,
      transactionId: sale.c2s_transaction_id,
      productId: '7001',
      meaning: 'purchase',
      outcome: 'applied',
      email: `erased-${user.id}@invalid`,
      user: { id: user.id },
      subscription: { id: sub.id },
    });
    expect([ledgerAfter.periodStart, ledgerAfter.periodEnd, ledgerAfter.receivedAt]).toEqual([ledgerBefore.periodStart, ledgerBefore.periodEnd, ledgerBefore.receivedAt]);
    expect(ledgerAfter.payload).toMatchObject({ product_price: '9.90 EUR', acquirer_transaction_id: sale.acquirer_transaction_id, buyer_email: '[erased]', buyer_name: '[erased]', buyer_country: 'FR' });
    const subAfter = (await strapi.db.query(SUB).findOne({ where: { id: sub.id }, populate: { offer: true, user: true } })) as Record<string, any>;
    expect(subAfter).toMatchObject({ status: 'cancelled', buyerName: null, lastPurchaseId: sub.lastPurchaseId, offer: { title: 'GDPR monthly' }, user: { id: user.id } });
    expect(subAfter.startsAt).toEqual(sub.startsAt);
    // It ended at the erasure; the period it had paid for stays in its history.
    const subHistory = await strapi.plugin('subscriptions').service('history').forSubscription(sub.documentId);
    expect(subHistory[0]).toMatchObject({ kind: 'cancelled', before: { status: 'active', dueAt: new Date(sub.dueAt).toISOString() }, cause: { kind: 'admin' } });

    // The user: placeholders, blocked, fallback role; the erasure in the history, by the admin.
    const userAfter = (await strapi.db.query(USER).findOne({ where: { id: user.id } })) as Record<string, any>;
    expect(userAfter).toMatchObject({ username: `erased-${user.id}`, email: `erased-${user.id}@invalid`, blocked: true, password: null, resetPasswordToken: null });
    expect(await roleOf(strapi, user.id)).toBe('authenticated');
    expect(await roleOf(strapi, control.id)).toBe('gdpr-member');
    const history = await strapi.plugin('subscriptions').service('history').forMember(user.id);
    expect(history[0]).toMatchObject({ kind: 'erased', at: erasedAt.toISOString(), cause: { kind: 'admin', ref: String(admin.id), label: admin.email } });
    expect(history.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['erased', 'cancelled', 'role-changed', 'created']));
    // A blocked user cannot log in.
    expect((await http(strapi).post('/api/auth/local').send({ identifier: `erased-${user.id}@invalid`, password: 'anything-1' })).status).toBe(400);

    // Scheduler runs send nothing to them (the queued reminder, the after-end one); the control member's go out.
    const sentBefore = smtp.received.length;
    await scheduler().runOnce({ now: new Date(end.getTime() - 3 * DAY + 2 * HOUR) });
    await scheduler().runOnce({ now: new Date(end.getTime() + HOUR) });
    await scheduler().runOnce({ now: new Date(end.getTime() + DAY + HOUR) });
    // Their after-end reminder fell due in these runs (1 day after the erasure ended it): never queued.
    expect(new Date(erasedAt.getTime() + DAY).getTime()).toBeLessThan(end.getTime() + HOUR);
    const after = smtp.received.slice(sentBefore);
    expect(after.filter((m) => m.to.some((to) => to !== controlEmail))).toEqual([]);
    expect(after.length).toBeGreaterThanOrEqual(3); // the control's 3-day reminder, expiry notice, after-end reminder
    expect(smtp.to(email)).toHaveLength(3);
    expect(smtp.to(`erased-${user.id}@invalid`)).toEqual([]);
    expect(
      ((await strapi.db.query(MESSAGE).findMany({ where: { user: { id: user.id } }, orderBy: { id: 'asc' } })) as { status: string }[]).map((m) => m.status)
    ).toEqual(['sent', 'sent', 'sent', 'skipped']);

    // The export afterwards shows the erased member.
    const again = await http(strapi).get(`/subscriptions/members/${user.id}/export`).set(auth).buffer(true);
    expect(again.status).toBe(200);
    expect(again.text.toLowerCase()).not.toContain(email.toLowerCase());
    expect(JSON.parse(again.text).user).toMatchObject({ email: `erased-${user.id}@invalid`, blocked: true });
  });

  it('refuses both actions to an admin holding every other permission (403) and unauthenticated (401), allows them with it alone, and answers 404 for an unknown member', async () => {
    const member = await createMember(strapi);
    for (const [method, path] of [
      ['get', `/subscriptions/members/${member.id}/export`],
      ['post', `/subscriptions/members/${member.id}/erase`],
    ] as const) {
      expect([path, (await http(strapi)[method](path).set(editor).send({ confirm: member.email })).status]).toEqual([path, 403]);
      expect([path, (await http(strapi)[method](path).send({ confirm: member.email })).status]).toEqual([path, 401]);
    }
    expect(await strapi.db.query(USER).findOne({ where: { id: member.id } })).toMatchObject({ email: member.email, blocked: false });
    // An admin holding only this permission may export.
    expect((await http(strapi).get(`/subscriptions/members/${member.id}/export`).set(officer)).status).toBe(200);

    const missing = await http(strapi).get('/subscriptions/members/987654321/export').set(auth);
    expect(missing.status).toBe(404);
    const missingErase = await http(strapi).post('/subscriptions/members/987654321/erase').set(auth).send({ confirm: 'x@example.com' });
    expect(missingErase.status).toBe(404);
    const bad = await http(strapi).get('/subscriptions/members/abc/export').set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^id: /);
    const noConfirm = await http(strapi).post(`/subscriptions/members/${member.id}/erase`).set(auth).send({});
    expect(noConfirm.status).toBe(400);
    expect(noConfirm.body.error.message).toMatch(/^confirm: /);

    // The service API: erase without a confirmation, by the API.
    const result = await strapi.plugin('subscriptions').service('members').erase(member.id);
    expect(result).toMatchObject({ userId: member.id, email: `erased-${member.id}@invalid`, subscriptionsEnded: 0 });
    expect(await strapi.db.query(USER).findOne({ where: { id: member.id } })).toMatchObject({ email: `erased-${member.id}@invalid`, blocked: true });
  });
});
