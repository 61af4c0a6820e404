import os from 'os';
import type { Core } from '@strapi/strapi';
import { CRON_JOB_NAME } from '../../server/src/cron';
import { adminJwt, bootStrapi, http, stopStrapi } from '../helpers/strapi';

const MINUTE = 60_000;
const MESSAGE = 'plugin::subscriptions.message';
const RUN = 'plugin::subscriptions.scheduler-run';

/**
 * The scheduler's health (issue 16): `GET /api/subscriptions/health` for monitoring (its own
 * content-API permission, 200 healthy / 503 not) and the admin route the banner reads. The
 * plugin's cron is on (every minute) but its job is taken out of Strapi's cron right after boot:
 * runs happen only when the test calls `runOnce({ now })`, and the health check reads the
 * plugin's clock, pinned by the test.
 */
describe('scheduler health', () => {
  let strapi: Core.Strapi;
  let superAdmin: { Authorization: string };
  let reader: { Authorization: string };
  let editor: { Authorization: string };
  let healthToken: { Authorization: string };
  let otherToken: { Authorization: string };
  // A whole minute, some hours ahead of the wall clock (messages' createdAt are wall-clock).
  const T0 = new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 3 * 60 * MINUTE);

  const clock = () => strapi.plugin('subscriptions').service('clock') as { pin(instant: Date | null): void };
  const run = (now: Date) => strapi.plugin('subscriptions').service('scheduler').runOnce({ now, steps: ['lifecycle'] });
  const health = (headers: Record<string, string> = healthToken) => http(strapi).get('/api/subscriptions/health').set(headers);
  const codes = (body: { problems: { code: string }[] }) => body.problems.map((p) => p.code);

  /** An API token made in the admin, over HTTP, as the README says. */
  const apiToken = async (name: string, permissions: string[]) => {
    const res = await http(strapi)
      .post('/admin/api-tokens')
      .set(superAdmin)
      .send({ name, description: name, type: 'custom', lifespan: null, permissions });
    expect(res.status).toBe(201);
    return { Authorization: `Bearer ${res.body.data.accessKey}` };
  };

  const roleWith = async (code: string, actions: string[]) => {
    const role = await strapi.service('admin::role').create({ name: code, code, description: code });
    await strapi
      .service('admin::role')
      .assignPermissions(role.id, actions.map((action) => ({ action, subject: null, conditions: [], properties: {} })));
    return role.code as string;
  };

  beforeAll(async () => {
    strapi = await bootStrapi('health', { SUBSCRIPTIONS_CRON_ENABLED: 'true', SUBSCRIPTIONS_CRON_RULE: '*/1 * * * *' });
    strapi.cron.remove(CRON_JOB_NAME);
    superAdmin = { Authorization: `Bearer ${(await adminJwt(strapi)).jwt}` };
    reader = { Authorization: `Bearer ${(await adminJwt(strapi, await roleWith('health-reader', ['plugin::subscriptions.read']))).jwt}` };
    editor = { Authorization: `Bearer ${(await adminJwt(strapi, 'strapi-editor')).jwt}` };
    healthToken = await apiToken('uptime checker', ['plugin::subscriptions.health.check']);
    otherToken = await apiToken('offers only', ['plugin::subscriptions.offers.find']);
    clock().pin(T0);
  });
  afterAll(async () => {
    if (strapi) clock().pin(null);
    await stopStrapi(strapi);
  });

  it('refuses a caller without the health permission: no token, a token without it, a logged-in member', async () => {
    expect([401, 403]).toContain((await health({})).status);
    expect((await health(otherToken)).status).toBe(403);
    // Not granted to Authenticated by default either.
    const email = `health-member-${Date.now()}@test.local`;
    const authenticated = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    await strapi.plugin('users-permissions').service('user').add({
      username: email, email, password: 'Member-password-1', provider: 'local', confirmed: true, blocked: false, role: authenticated.id,
    });
    const login = await http(strapi).post('/api/auth/local').send({ identifier: email, password: 'Member-password-1' });
    expect(login.status).toBe(200);
    expect((await health({ Authorization: `Bearer ${login.body.jwt}` })).status).toBe(403);
  });

  it('answers 503 "no-run" before any run has completed', async () => {
    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.ok).toBe(false);
    expect(codes(res.body)).toEqual(['no-run']);
    expect(res.body.problems[0].message).toMatch(/never completed a run/);
    expect(res.body.lastRun).toBeNull();
    expect(res.body.cron).toMatchObject({ strapiCronEnabled: true, pluginCronEnabled: true, rules: ['*/1 * * * *'], intervalSeconds: 60, staleAfterSeconds: 180 });
  });

  it('answers 503 "stale" when the last run is older than 3 cron intervals, naming when it ran', async () => {
    await run(new Date(T0.getTime() - 10 * MINUTE));
    const res = await health();
    expect(res.status).toBe(503);
    expect(codes(res.body)).toEqual(['stale']);
    const lastRunAt = new Date(res.body.problems[0].lastRunAt).getTime();
    expect(lastRunAt).toBeGreaterThanOrEqual(T0.getTime() - 10 * MINUTE);
    expect(lastRunAt).toBeLessThan(T0.getTime() - 9 * MINUTE);
    expect(res.body.problems[0].staleSince).toBe(new Date(lastRunAt + 3 * MINUTE).toISOString());
    expect(res.body.lastRun).toMatchObject({
      startedAt: new Date(T0.getTime() - 10 * MINUTE).toISOString(),
      host: os.hostname(),
      pid: process.pid,
      steps: ['lifecycle'],
      errors: 0,
      failed: false,
    });
    // The content API never carries a failed run's error message.
    expect(res.body.lastRun).not.toHaveProperty('failure');
  });

  it('answers 200 after a recent run; a run exactly 3 intervals ago is still recent', async () => {
    await run(new Date(T0.getTime() - 3 * MINUTE));
    let res = await health();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, problems: [] });
    expect(res.body.lastRun.startedAt).toBe(new Date(T0.getTime() - 3 * MINUTE).toISOString());
    expect(res.body.lastRun.figures).toMatchObject({ activated: 0, expired: 0, errors: 0 });

    await run(new Date(T0.getTime() - MINUTE));
    res = await health();
    expect(res.status).toBe(200);
    expect(res.body.lastRun.startedAt).toBe(new Date(T0.getTime() - MINUTE).toISOString());

    // Four minutes later with no run: stale again.
    clock().pin(new Date(T0.getTime() + 3 * MINUTE));
    res = await health();
    expect(res.status).toBe(503);
    expect(codes(res.body)).toEqual(['stale']);
    clock().pin(T0);
  });

  it('reports the outbox backlog: waiting, failed, failed for good, age of the oldest waiting message', async () => {
    const before = (await health()).body.backlog;
    await strapi.db.query(MESSAGE).create({ data: { kind: 'test', dedupeKey: 'health-pending', status: 'pending', to: 'a@test.local', attempts: 0 } });
    await strapi.db.query(MESSAGE).create({ data: { kind: 'test', dedupeKey: 'health-retry', status: 'failed', to: 'b@test.local', attempts: 2 } });
    await strapi.db.query(MESSAGE).create({ data: { kind: 'test', dedupeKey: 'health-dead', status: 'failed', to: 'c@test.local', attempts: 8 } });
    const { backlog } = (await health()).body;
    expect(backlog.pending).toBe(before.pending + 1);
    expect(backlog.failed).toBe(before.failed + 2);
    expect(backlog.failedForGood).toBe(before.failedForGood + 1);
    // The clock is pinned about three hours after the message was written.
    const age = (T0.getTime() - new Date(backlog.oldestPendingAt).getTime()) / 1000;
    expect(backlog.oldestPendingAgeSeconds).toBe(Math.round(age));
    expect(backlog.oldestPendingAgeSeconds).toBeGreaterThan(2 * 3600);
  });

  it('gives the banner the problem through the admin route, for an admin who may read the plugin', async () => {
    clock().pin(new Date(T0.getTime() + 10 * MINUTE));
    const res = await http(strapi).get('/subscriptions/health').set(reader);
    expect(res.status).toBe(200);
    expect(res.body.data.ok).toBe(false);
    expect(codes(res.body.data)).toEqual(['stale']);
    expect(res.body.data.lastRun).toMatchObject({ host: os.hostname(), pid: process.pid, failure: null });
    expect(res.body.data.backlog.pending).toBeGreaterThanOrEqual(1);
    expect((await http(strapi).get('/subscriptions/health').set(editor)).status).toBe(403);
    expect((await http(strapi).get('/subscriptions/health')).status).toBe(401);
    clock().pin(T0);
  });

  it('keeps only the newest 50 runs, whichever process wrote them', async () => {
    // A second apart: a run's finishedAt is its `now` plus the milliseconds it took.
    for (let i = 0; i < 55; i += 1) await run(new Date(T0.getTime() - MINUTE + i * 1000));
    expect(Number(await strapi.db.query(RUN).count({}))).toBe(50);
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.body.lastRun.startedAt).toBe(new Date(T0.getTime() - MINUTE + 54_000).toISOString());
  });
});
