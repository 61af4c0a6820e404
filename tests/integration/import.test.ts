import type { Core } from '@strapi/strapi';
import { adminJwt, bootStrapi, createMember, http, stopStrapi } from '../helpers/strapi';

/**
 * CSV import (issue 17): a dry run reports per row and writes nothing; applying creates members
 * and subscriptions with the given dates through the write path; re-importing changes nothing;
 * bad rows are refused naming their column while good rows apply; the refused-rows report; a
 * long file streamed through the service; RBAC; an export → import round trip.
 */
describe('CSV import', () => {
  let strapi: Core.Strapi;
  let manager: { Authorization: string };
  let reader: { Authorization: string };
  let monthly: { id: number; documentId: string };
  let yearly: { id: number; documentId: string };
  let alice: { id: number; documentId: string; email: string };

  const SUB = 'plugin::subscriptions.subscription';
  const USER = 'plugin::users-permissions.user';
  const HEADER = 'email,username,name,offer,startsAt,dueAt,endsAt,status,source';

  const roleWith = async (code: string, actions: string[]) => {
    const role = await strapi.service('admin::role').create({ name: code, code, description: code });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, actions.map((action) => ({ action, subject: null, conditions: [], properties: {} })));
    return role.code as string;
  };

  const post = (csv: string, query = 'dryRun=true', auth = manager) =>
    http(strapi).post(`/subscriptions/import?${query}`).set(auth).set('Content-Type', 'text/csv').send(csv);

  const subscriptionsOf = async (email: string) =>
    (await strapi.db.query(SUB).findMany({
      where: { user: { email } },
      populate: { offer: { select: ['id', 'title'] } },
      orderBy: { startsAt: 'asc' },
    })) as any[];

  const counts = async () => ({ subs: await strapi.db.query(SUB).count(), users: await strapi.db.query(USER).count() });
  const iso = (d: unknown) => (d === null || d === undefined ? null : new Date(d as string).toISOString());

  beforeAll(async () => {
    strapi = await bootStrapi('import');
    manager = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('subs-manager', ['plugin::subscriptions.subscribers.manage']))).jwt}` };
    reader = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('subs-reader', ['plugin::subscriptions.read']))).jwt}` };
    monthly = await strapi
      .documents('plugin::subscriptions.offer')
      .create({ data: { title: 'Monthly', duration: 1, period: 'months', click2sellProductId: '1001' } as never });
    yearly = await strapi
      .documents('plugin::subscriptions.offer')
      .create({ data: { title: 'Yearly', duration: 12, period: 'months', click2sellProductId: '2002' } as never });
    alice = await createMember(strapi, { username: 'alice-import' });
  });
  afterAll(async () => {
    await stopStrapi(strapi);
  });

  const good = () =>
    [
      HEADER,
      'bob@import.test,bobby,Bob Builder,Monthly,2026-01-01T00:00:00Z,2026-02-01T00:00:00Z,2026-02-01T00:00:00Z,,manual',
      `${alice.email},,,${yearly.documentId},2025-06-01T00:00:00.000Z,,2027-06-01T00:00:00.000Z,,`,
      'Carol@Import.test,,,2002,,,,,',
    ].join('\r\n') + '\r\n';

  it('a dry run says what each row would do and writes nothing', async () => {
    const before = await counts();
    const res = await post(good());
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data).toMatchObject({ dryRun: true, total: 3, created: 3, duplicates: 0, refused: 0, usersCreated: 2 });
    expect(data.rows.map((r: any) => [r.row, r.action, r.userCreated, r.offer])).toEqual([
      [1, 'create', true, 'Monthly'],
      [2, 'create', false, 'Yearly'],
      [3, 'create', true, 'Yearly'],
    ]);
    expect(await counts()).toEqual(before);
  });

  it('applies: members created without a password, subscriptions with the given dates, no welcome e-mail by default', async () => {
    const before = await counts();
    const res = await post(good(), 'dryRun=false');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ dryRun: false, total: 3, created: 3, refused: 0, usersCreated: 2 });
    expect(await counts()).toEqual({ subs: before.subs + 3, users: before.users + 2 });

    const bob = await strapi.db.query(USER).findOne({ where: { email: 'bob@import.test' } });
    expect(bob).toMatchObject({ username: 'bobby', confirmed: true, blocked: false });
    expect(bob.password ?? null).toBeNull();
    const [bobSub] = await subscriptionsOf('bob@import.test');
    expect({ start: iso(bobSub.startsAt), due: iso(bobSub.dueAt), end: iso(bobSub.endsAt), offer: bobSub.offer.title, status: bobSub.status }).toEqual({
      start: '2026-01-01T00:00:00.000Z',
      due: '2026-02-01T00:00:00.000Z',
      end: '2026-02-01T00:00:00.000Z',
      offer: 'Monthly',
      status: 'expired',
    });
    expect(bobSub.buyerName).toBe('Bob Builder');
    // An empty dueAt follows endsAt.
    const [aliceSub] = await subscriptionsOf(alice.email);
    expect([iso(aliceSub.startsAt), iso(aliceSub.dueAt), iso(aliceSub.endsAt), aliceSub.status]).toEqual([
      '2025-06-01T00:00:00.000Z',
      '2027-06-01T00:00:00.000Z',
      '2027-06-01T00:00:00.000Z',
      'active',
    ]);
    // Empty dates: from now, for the offer's duration (12 months); e-mail lower-cased, username = e-mail.
    const carol = await strapi.db.query(USER).findOne({ where: { email: 'carol@import.test' } });
    expect(carol.username).toBe('carol@import.test');
    const [carolSub] = await subscriptionsOf('carol@import.test');
    expect(carolSub.status).toBe('active');
    const months = (new Date(carolSub.endsAt).getTime() - new Date(carolSub.startsAt).getTime()) / 86_400_000;
    expect(months).toBeGreaterThan(364);
    expect(months).toBeLessThan(367);
    // Written through the write path: each has its history entry, caused by the admin.
    const entries = await strapi.db.query('plugin::subscriptions.history-entry').findMany({ where: { subscriptionId: bobSub.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'created', causeKind: 'admin' });
    expect(entries[0].causeLabel).toContain('CSV import');
    expect(await strapi.db.query('plugin::subscriptions.message').count({ where: { kind: 'welcome' } })).toBe(0);
  });

  it('re-importing the same file changes nothing: every row is a duplicate', async () => {
    const before = await counts();
    const bobBefore = await subscriptionsOf('bob@import.test');
    const carolBefore = await subscriptionsOf('carol@import.test');
    const res = await post(good(), 'dryRun=false');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ total: 3, created: 0, extended: 0, duplicates: 3, usersCreated: 0, refused: 0 });
    expect(res.body.data.rows.every((r: any) => r.action === 'duplicate')).toBe(true);
    expect(await counts()).toEqual(before);
    expect(await subscriptionsOf('bob@import.test')).toEqual(bobBefore);
    expect(await subscriptionsOf('carol@import.test')).toEqual(carolBefore);
  });

  it('a row with a known start and later dates extends that subscription', async () => {
    const csv = `${HEADER}\nbob@import.test,,,Monthly,2026-01-01T00:00:00Z,,2030-01-01T00:00:00Z,,\n`;
    const dry = await post(csv);
    expect(dry.body.data.rows[0]).toMatchObject({ action: 'extend', userCreated: false });
    expect(iso((await subscriptionsOf('bob@import.test'))[0].endsAt)).toBe('2026-02-01T00:00:00.000Z');
    const res = await post(csv, 'dryRun=false');
    expect(res.body.data).toMatchObject({ extended: 1, created: 0 });
    const subs = await subscriptionsOf('bob@import.test');
    expect(subs).toHaveLength(1);
    expect([iso(subs[0].endsAt), subs[0].status]).toEqual(['2030-01-01T00:00:00.000Z', 'active']);
    expect((await post(csv, 'dryRun=false')).body.data).toMatchObject({ duplicates: 1, extended: 0 });
  });

  it('a cancelled row imported again is a duplicate, though cancelling moved its end', async () => {
    const csv = `${HEADER}\nkate@import.test,,,Monthly,2026-01-01T00:00:00Z,2026-02-01T00:00:00Z,2026-06-01T00:00:00Z,cancelled,\n`;
    expect((await post(csv, 'dryRun=false')).body.data).toMatchObject({ created: 1, refused: 0 });
    const before = await subscriptionsOf('kate@import.test');
    expect(before).toHaveLength(1);
    expect(before[0].cancelledAt).not.toBeNull();
    expect(iso(before[0].endsAt)).toBe('2026-02-01T00:00:00.000Z');
    expect((await post(csv, 'dryRun=false')).body.data).toMatchObject({ duplicates: 1, created: 0, extended: 0 });
    expect(await subscriptionsOf('kate@import.test')).toEqual(before);
  });

  const mixed = () =>
    [
      HEADER,
      'dave@import.test,,,No such offer,,,,,',
      'erin@import.test,,,Monthly,yesterday,,,,',
      ',nobody,,Monthly,,,,,',
      'frank@import.test,,,Monthly,2026-03-01T00:00:00Z,,2026-02-01T00:00:00Z,,',
      'gina@import.test,,,Monthly,,,,sleeping,',
      '"hugo@import.test",,"Hugo, ""H"" Smith",1001,2026-05-01T00:00:00Z,,,,api',
    ].join('\n');

  it('refuses bad rows naming the column, applies the good ones, and reports the refused rows as CSV', async () => {
    const before = await counts();
    const res = await post(mixed(), 'dryRun=false');
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data).toMatchObject({ total: 6, created: 1, refused: 5, usersCreated: 1 });
    expect(data.rows.map((r: any) => [r.row, r.action, r.column ?? null])).toEqual([
      [1, 'error', 'offer'],
      [2, 'error', 'startsAt'],
      [3, 'error', 'email'],
      [4, 'error', 'endsAt'],
      [5, 'error', 'status'],
      [6, 'create', null],
    ]);
    expect(data.rows[0].error).toContain('No such offer');
    // Only hugo was written: no member for a refused row.
    expect(await counts()).toEqual({ subs: before.subs + 1, users: before.users + 1 });
    for (const email of ['dave@import.test', 'erin@import.test', 'frank@import.test', 'gina@import.test']) {
      expect(await strapi.db.query(USER).findOne({ where: { email } })).toBeNull();
    }
    const [hugo] = await subscriptionsOf('hugo@import.test');
    expect([hugo.buyerName, hugo.source, iso(hugo.startsAt)]).toEqual(['Hugo, "H" Smith', 'api', '2026-05-01T00:00:00.000Z']);

    const report = await post(mixed(), 'dryRun=true&report=refused');
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toContain('text/csv');
    const lines = report.text.trim().split('\r\n');
    expect(lines[0]).toBe('row,column,error,email,username,name,offer,startsAt,dueAt,endsAt,status,source');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^"1","offer","offer: no offer .*No such offer.*","dave@import.test"/);
    expect(lines[3]).toMatch(/^"3","email","email is required",""/);
    // The re-run is a dry run: hugo is now a duplicate.
    expect(await counts()).toEqual({ subs: before.subs + 1, users: before.users + 1 });
  });

  it('takes the CSV as the file of a multipart form too (the admin page sends its parts so)', async () => {
    const csv = `${HEADER}\njack@import.test,,,Monthly,2026-01-01T00:00:00Z,,2026-03-01T00:00:00Z,,\n`;
    const res = await http(strapi)
      .post('/subscriptions/import?dryRun=false&firstRow=41')
      .set(manager)
      .attach('file', Buffer.from(csv), { filename: 'part.csv', contentType: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.body.data.rows.map((r: any) => [r.row, r.action])).toEqual([[41, 'create']]);
    expect(iso((await subscriptionsOf('jack@import.test'))[0].endsAt)).toBe('2026-03-01T00:00:00.000Z');
  });

  it('queues welcome e-mails only when asked', async () => {
    const csv = `${HEADER}\nivy@import.test,,Ivy,Monthly,,,,,\n`;
    const res = await post(csv, 'dryRun=false&sendWelcome=true');
    expect(res.body.data).toMatchObject({ created: 1, usersCreated: 1 });
    const welcome = await strapi.db.query('plugin::subscriptions.message').findMany({ where: { kind: 'welcome' } });
    expect(welcome.map((m: any) => m.to)).toEqual(['ivy@import.test']);
  });

  it('refuses what is not an import: 403 without the permission, 400 naming the column or body', async () => {
    const forbidden = await post(good(), 'dryRun=true', reader);
    expect(forbidden.status).toBe(403);
    const noOffer = await post('email,startsAt\nx@y.test,\n');
    expect(noOffer.status).toBe(400);
    expect(noOffer.body.error.details.errors[0].path).toEqual(['offer']);
    const json = await http(strapi).post('/subscriptions/import?dryRun=true').set(manager).send({ email: 'x@y.test' });
    expect(json.status).toBe(400);
    expect(json.body.error.message).toContain('text/csv');
    const badQuery = await post(good(), 'dryRun=maybe');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.errors[0].path).toEqual(['dryRun']);
    const unclosed = await post(`${HEADER}\n"x@y.test,,,Monthly\n`);
    expect(unclosed.status).toBe(400);
  });

  it('round trip: export, delete, import the export: the same subscriptions', async () => {
    const snapshot = async () =>
      ((await strapi.db.query(SUB).findMany({ populate: { offer: { select: ['title'] }, user: { select: ['email'] } } })) as any[])
        .map((s) => [s.user.email, s.offer.title, s.status, iso(s.startsAt), iso(s.dueAt), iso(s.endsAt), s.source].join('|'))
        .sort();
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(3);
    const exported = await http(strapi).get('/subscriptions/subscriptions/export?list=all&search=import.test').set(manager);
    expect(exported.status).toBe(403); // export needs the read permission
    const admin = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    const csv = (await http(strapi).get('/subscriptions/subscriptions/export?list=all').set(admin)).text;
    await strapi.db.query(SUB).deleteMany({ where: {} });
    expect(await snapshot()).toEqual([]);
    const res = await post(csv, 'dryRun=false', admin);
    expect(res.status).toBe(200);
    expect(res.body.data.refused).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  // 5,000 rows on SQLite; 1,500 on the database servers, where each row costs Strapi's inserts over
  // the network (20–30 ms a row on PostgreSQL here): the stream is the same, the CI time is not.
  const N = (process.env.DATABASE_CLIENT ?? 'sqlite') === 'sqlite' ? 5000 : 1500;
  it(`streams a long file through the service: ${N} rows`, async () => {
    const before = await counts();
    async function* file() {
      yield `${HEADER}\n`;
      for (let i = 0; i < N; i += 250) {
        let part = '';
        for (let j = i; j < i + 250; j += 1) part += `bulk${j}@import.test,,,Monthly,2026-01-01T00:00:00Z,,2027-01-01T00:00:00Z,,\n`;
        yield Buffer.from(part);
      }
    }
    let seen = 0;
    const summary = await strapi
      .plugin('subscriptions')
      .service('import')
      .run(file(), { dryRun: false, onRow: () => void (seen += 1) });
    expect(summary).toMatchObject({ total: N, created: N, usersCreated: N, refused: 0, truncated: true });
    expect(summary.rows).toHaveLength(1000);
    expect(seen).toBe(N);
    expect(await counts()).toEqual({ subs: before.subs + N, users: before.users + N });
  }, 600_000);
});
