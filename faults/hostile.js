'use strict';

/**
 * Scenario "hostile": thousands of generated hostile requests to every public and admin route of
 * the plugin (and to the Content Manager routes of its content types, which its document
 * middleware guards), against the playground started as in production on a fresh SQLite file
 * with the demo data.
 *
 * Attacks: random fields, wrong types, huge and deeply nested bodies, invalid UTF-8, SQL and
 * script injection shapes, prototype-pollution keys, hostile query strings, forged checksums,
 * replayed notifications, missing, malformed, forged, expired, revoked and cross-realm JWTs,
 * admins without the plugin's permissions. Requests that an identity may legitimately make are
 * only sent with invalid input (or aimed at records that do not exist), so the database must
 * end as it began apart from the Click2Sell ledger's `rejected` and `duplicate` rows.
 *
 * Reproducible: the seed is printed; HOSTILE_SEED=<seed> replays the same sequence of attacks
 * (HOSTILE_REQUESTS overrides the count). The server's log is kept in the OS temp folder.
 */

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const jwt = require('jsonwebtoken');

const { startApp } = require('../bench/lib/app');
const { freshDatabase } = require('../bench/lib/db');
const { ephemeralEnv } = require('../playground/scripts/ephemeral-env');
const { createRandom } = require('./hostile/prng');
const { createGenerator, notification, C2S_PATH } = require('./hostile/attacks');
const { createSender } = require('./hostile/send');
const { snapshot, diff, query } = require('./hostile/snapshot');

const CONCURRENCY = 8;
const LEDGER_TABLE = 'subscriptions_payment_events'; // collectionName of plugin::subscriptions.payment-event
const LOCKOUT_LIMIT = 20; // failed verifications from one address within 10 minutes before 429
/**
 * What Strapi itself writes while the attacks run, whatever the plugin does. Checked row by row,
 * not table by table:
 * - the upload plugin's weekly metrics job: on a fresh database it is scheduled 15 s after the
 *   first boot (Strapi's `server.cron.enabled` does not stop a plugin's job), and when it fires
 *   it rewrites its own `plugin_upload_metrics` row of `strapi_core_store_settings`.
 * Nothing else is excluded: admin access tokens are checked against `strapi_sessions` with reads
 * only (an expired session would be deleted, and none expires within a run), users-permissions
 * JWTs are stateless, and every login of the run happens before the first snapshot.
 */
const STRAPI_OWN_CHANGES = [
  (c) => c.table === 'strapi_core_store_settings' && c.type === 'changed' && c.row.key === 'plugin_upload_metrics' && c.before.key === 'plugin_upload_metrics',
];

const C2S_PLUGIN_STATUSES = new Set([400, 403, 429, 503]);
const NOT_FORM_FIELDS = 'the notification must be form fields (application/x-www-form-urlencoded)';

const secretValue = () => crypto.randomBytes(18).toString('base64url');
const password = () => `Hx-${crypto.randomBytes(9).toString('base64url')}-7a`;

const jsonOf = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const excerpt = (text, n = 160) => String(text ?? '').replace(/\s+/g, ' ').slice(0, n);
const countBy = (items, key) => {
  const out = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] || 0) + 1;
  }
  return out;
};
const top = (counts, n = 8) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

/** An HTTP client for the setup steps (they must succeed; a failure stops the scenario). */
const client = (baseUrl, setupResponses) => async (method, p, { body, token, form, headers = {} } = {}) => {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (form) {
    h['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    h['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl}${p}`, { method, headers: h, body: payload });
  const text = await res.text();
  setupResponses.push({ where: `${method} ${p}`, status: res.status, headers: Object.fromEntries(res.headers), body: text });
  return { status: res.status, body: jsonOf(text), text, headers: res.headers };
};

const expectStatus = (res, statuses, what) => {
  if (!statuses.includes(res.status)) throw new Error(`setup: ${what} answered ${res.status}: ${excerpt(res.text, 400)}`);
  return res.body;
};

/** Every form a secret might leak in. */
const needlesOf = (name, value) => {
  if (!value || value.length < 8) return [];
  const forms = new Map([[value, name]]);
  forms.set(Buffer.from(value).toString('base64'), `${name} (base64)`);
  forms.set(Buffer.from(value).toString('base64url'), `${name} (base64url)`);
  forms.set(Buffer.from(value).toString('hex'), `${name} (hex)`);
  forms.set(Buffer.from(value).toString('hex').toUpperCase(), `${name} (HEX)`);
  forms.set(encodeURIComponent(value), `${name} (url-encoded)`);
  // Random base64 secrets: the raw bytes in hex too.
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const raw = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (raw.length >= 8) forms.set(raw.toString('hex'), `${name} (bytes, hex)`);
  }
  return [...forms].filter(([v]) => v.length >= 8).map(([v, label]) => ({ value: v, label }));
};

const findSecrets = (needles, text) => needles.filter((n) => text.includes(n.value)).map((n) => n.label);

const run = async (ctx) => {
  const started = Date.now();
  const seed = Number(process.env.HOSTILE_SEED) || crypto.randomBytes(4).readUInt32LE(0) || 1;
  const total = Number(process.env.HOSTILE_REQUESTS) || (ctx.quick ? 1500 : 10000);
  const forgedCount = Math.max(LOCKOUT_LIMIT + 2 * CONCURRENCY, Math.round(total * 0.02));
  const r = createRandom(seed);
  ctx.log(`seed ${seed} (HOSTILE_SEED=${seed} replays this run), ${total} requests, concurrency ${CONCURRENCY}`);

  // ------------------------------------------------------------------ secrets and the app
  const env = ephemeralEnv();
  const envC2sSecret = secretValue();
  const c2sSecret = secretValue(); // saved through the settings route; wins over the environment's
  const passwords = { superAdmin: password(), editor: password(), noperm: password(), revoked: password() };
  const dbEnv = await freshDatabase('sqlite', 'faults-hostile');
  const dbFile = dbEnv.DATABASE_FILENAME;
  const logFile = path.join(os.tmpdir(), `faults-hostile-${process.pid}.log`);
  const t0 = Date.now();
  const app = await startApp(
    dbEnv,
    {
      ...env,
      CLICK2SELL_SECRET_KEY: envC2sSecret,
      SEED_DEMO_DATA: 'true',
      SUBSCRIPTIONS_CRON_ENABLED: 'false', // nothing may change the database but the requests
      // Its lockout model is the failed-checksum one; the malformed-flood throttle (tested in
      // tests/integration/click2sell-throttle.test.ts) would turn its replays into 429s.
      SUBSCRIPTIONS_C2S_MALFORMED_PER_MINUTE: '1000000',
      BENCH_BASELINE: 'false', // the benchmark's baseline routes stay closed (404)
    },
    logFile
  );
  const bootSeconds = (Date.now() - t0) / 1000;
  ctx.log(`playground up at ${app.url} in ${bootSeconds.toFixed(1)} s (log: ${logFile})`);

  const setupResponses = [];
  const call = client(app.url, setupResponses);
  let requests = [];
  let before;
  let world;
  let sendSeconds = 0;
  try {
    // ---------------------------------------------------------------- setup (before the first snapshot)
    const superAdmin = expectStatus(
      await call('POST', '/admin/register-admin', { body: { firstname: 'Hostile', lastname: 'Super', email: 'hostile.super@example.com', password: passwords.superAdmin } }),
      [200, 201],
      'register-admin'
    ).data;
    const superToken = superAdmin.token;
    const refreshCookie = setupResponses[setupResponses.length - 1].headers['set-cookie'] || '';
    const refreshToken = /strapi_admin_refresh=([^;,\s]+)/.exec(refreshCookie)?.[1] ?? null;
    const roles = expectStatus(await call('GET', '/admin/roles', { token: superToken }), [200], 'list admin roles').data;
    const editorRole = roles.find((role) => role.code === 'strapi-editor');
    const nopermRole = expectStatus(
      await call('POST', '/admin/roles', { token: superToken, body: { name: 'Hostile: no permission', description: 'no permission at all' } }),
      [200, 201],
      'create a role without permissions'
    ).data;
    const adminOf = async (email, roleId, pw) => {
      const created = expectStatus(
        await call('POST', '/admin/users', { token: superToken, body: { email, firstname: 'Hostile', lastname: email.split('@')[0], roles: [roleId] } }),
        [200, 201],
        `create admin ${email}`
      ).data;
      const registered = expectStatus(
        await call('POST', '/admin/register', { body: { registrationToken: created.registrationToken, userInfo: { firstname: 'Hostile', lastname: 'Admin', password: pw } } }),
        [200, 201],
        `register admin ${email}`
      ).data;
      return { id: created.id, token: registered.token };
    };
    const editor = await adminOf('hostile.editor@example.com', editorRole.id, passwords.editor);
    const noperm = await adminOf('hostile.noperm@example.com', nopermRole.id, passwords.noperm);
    const revoked = await adminOf('hostile.revoked@example.com', editorRole.id, passwords.revoked);
    expectStatus(await call('POST', '/admin/logout', { token: revoked.token, body: {} }), [200, 204], 'log the revoked admin out');
    expectStatus(await call('GET', '/admin/users/me', { token: revoked.token }), [401], 'a logged-out token is refused');
    expectStatus(await call('GET', '/admin/users/me', { token: editor.token }), [200], 'the editor is still logged in');

    // The Click2Sell secret through the admin settings route (it then wins over the environment's).
    const saved = expectStatus(await call('PUT', '/subscriptions/settings', { token: superToken, body: { click2sellSecretKey: c2sSecret } }), [200], 'save the Click2Sell secret');
    if (saved.data.click2sellSecretKeySet !== true) throw new Error('setup: the Click2Sell secret was not saved');

    const members = {};
    for (const name of ['alice', 'bob', 'carol', 'erin']) {
      const res = expectStatus(await call('POST', '/api/auth/local', { body: { identifier: `${name}@example.com`, password: 'Demo-password-1' } }), [200], `log ${name} in`);
      members[name] = { id: res.user.id, jwt: res.jwt };
    }

    // One genuine notification, applied now; the attacks replay it.
    const n0 = notification(r, c2sSecret, { buyer_email: 'alice@example.com', product_id: '1001', c2s_transaction_id: `C2S-HOSTILE-${seed}`, acquirer_transaction_id: `PP-HOSTILE-${seed}-${Date.now()}` });
    const applied = expectStatus(await call('POST', C2S_PATH, { form: n0 }), [200], 'apply one genuine notification');
    if (applied.outcome !== 'applied') throw new Error(`setup: the genuine notification was ${applied.outcome}`);

    // Real ids to aim at.
    const offers = expectStatus(await call('GET', '/subscriptions/offers', { token: superToken }), [200], 'list offers').data;
    const rules = [];
    const productOf = {};
    for (const offer of offers) {
      const detail = expectStatus(await call('GET', `/subscriptions/offers/${offer.documentId}`, { token: superToken }), [200], 'offer detail').data;
      for (const rule of detail.notificationRules) rules.push(rule.documentId);
      if (detail.click2sellProductId) productOf[offer.documentId] = detail.click2sellProductId;
    }
    const subscriptions = expectStatus(await call('GET', '/subscriptions/subscriptions?list=all&pageSize=100', { token: superToken }), [200], 'list subscriptions').data;
    const users = expectStatus(await call('GET', '/subscriptions/users?search=example', { token: superToken }), [200], 'list users').data;

    // Forged, expired, revoked and cross-realm tokens.
    const adminPayload = jwt.decode(superToken);
    const access = { userId: adminPayload.userId, sessionId: adminPayload.sessionId, type: 'access' };
    const now = Math.floor(Date.now() / 1000);
    const algNone = (payload) => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    const bearer = (token) => `Bearer ${token}`;
    const id = (name, authorization) => ({ name, authorization });
    const identities = {
      superAdmin: id('super-admin', bearer(superToken)),
      editor: id('editor-admin', bearer(editor.token)),
      noperm: id('no-permission-admin', bearer(noperm.token)),
      member: id('member-alice', bearer(members.alice.jwt)),
      memberBob: id('member-bob', bearer(members.bob.jwt)),
      memberCarol: id('member-carol-expired', bearer(members.carol.jwt)),
      memberErin: id('member-erin-premium', bearer(members.erin.jwt)),
      none: id('no-token', undefined),
      malformed1: id('malformed-token', 'Bearer not.a.jwt'),
      malformed2: id('malformed-token', 'Bearer'),
      malformed3: id('malformed-token', `Bearer ${superToken.split('.').slice(0, 2).join('.')}.`),
      malformed4: id('malformed-token', `bearer  ${superToken} ${superToken}`),
      basic: id('basic-auth', `Basic ${Buffer.from('hostile.super@example.com:wrong').toString('base64')}`),
      hugeToken: id('huge-token', `Bearer ${'A'.repeat(4000)}`),
      wrongKeyAdmin: id('admin-jwt-wrong-secret', bearer(jwt.sign(access, crypto.randomBytes(16).toString('base64'), { expiresIn: '30m' }))),
      wrongKeyUser: id('member-jwt-wrong-secret', bearer(jwt.sign({ id: members.alice.id }, crypto.randomBytes(16).toString('base64'), { expiresIn: '30d' }))),
      expiredAdmin: id('admin-jwt-expired', bearer(jwt.sign({ ...access, iat: now - 7200, exp: now - 3600 }, env.ADMIN_JWT_SECRET))),
      expiredUser: id('member-jwt-expired', bearer(jwt.sign({ id: members.alice.id, iat: now - 7200, exp: now - 3600 }, env.JWT_SECRET))),
      ghostAdmin: id('admin-jwt-unknown-user', bearer(jwt.sign({ ...access, userId: '99999' }, env.ADMIN_JWT_SECRET, { expiresIn: '30m' }))),
      ghostUser: id('member-jwt-unknown-user', bearer(jwt.sign({ id: 99999 }, env.JWT_SECRET, { expiresIn: '30d' }))),
      algNoneAdmin: id('admin-jwt-alg-none', bearer(algNone({ ...access, iat: now, exp: now + 600 }))),
      algNoneUser: id('member-jwt-alg-none', bearer(algNone({ id: members.alice.id, iat: now }))),
      refreshAsAccess: id('admin-refresh-token-as-access', bearer(refreshToken || 'missing')),
      revokedAdmin: id('admin-jwt-logged-out', bearer(revoked.token)),
      userSignedWithAdminKey: id('member-payload-admin-secret', bearer(jwt.sign({ id: members.alice.id }, env.ADMIN_JWT_SECRET, { expiresIn: '30d' }))),
      adminSignedWithUserKey: id('admin-payload-member-secret', bearer(jwt.sign(access, env.JWT_SECRET, { expiresIn: '30m' }))),
    };

    // A several-megabyte body, made once.
    const bigCache = new Map();
    const bigBody = (mb, style = 'json') => {
      const key = `${mb}:${style}`;
      if (!bigCache.has(key)) {
        const filler = 'A'.repeat(mb * 1024 * 1024);
        bigCache.set(key, Buffer.from(style === 'json' ? `{"buyer_name":"${filler}"}` : `buyer_name=${filler}`));
      }
      return bigCache.get(key);
    };

    world = {
      c2sSecret,
      envC2sSecret,
      n0,
      identities,
      bigBody,
      ids: {
        offers: offers.map((o) => o.documentId),
        offerIds: offers.map((o) => o.id),
        productOf,
        products: Object.values(productOf),
        rules,
        subscriptions: subscriptions.map((s) => s.documentId),
        ownerOf: Object.fromEntries(subscriptions.map((s) => [s.documentId, s.user && s.user.id])),
        users: users.map((u) => u.id),
      },
      tokens: { superToken, editor: editor.token, noperm: noperm.token, refreshToken, members: Object.values(members).map((m) => m.jwt) },
    };

    // ---------------------------------------------------------------- the attacks
    before = snapshot(dbFile);
    const generator = createGenerator(r, world);
    const wave1 = generator.wave1(total - forgedCount - 2);
    const wave2 = Array.from({ length: forgedCount }, () => generator.c2sForged());
    const wave3 = generator.c2sLockoutProbes();
    requests = [...wave1, ...wave2, ...wave3];
    requests.forEach((req, i) => {
      req.n = i;
    });
    const sender = createSender({ baseUrl: app.url, concurrency: CONCURRENCY, timeoutMs: 30_000 });
    const tSend = Date.now();
    let lastLog = Date.now();
    const progress = (done) => {
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        ctx.log(`… ${done} sent`);
      }
    };
    // Wave 1: everything but forged checksums. Wave 2: forged checksums (20 → 403, then 429).
    // Wave 3, once the address is locked out: a correctly signed notification and a replay.
    await sender.sendAll(wave1, progress);
    await sender.sendAll(wave2, progress);
    await sender.sendAll(wave3);
    sendSeconds = (Date.now() - tSend) / 1000;
    await sender.close();
    ctx.log(`${requests.length} requests in ${sendSeconds.toFixed(1)} s`);
  } finally {
    await app.stop();
  }

  // ------------------------------------------------------------------ the comparisons
  const after = snapshot(dbFile);
  const changes = diff(before, after);
  const log = fs.readFileSync(logFile, 'utf8');
  const checks = [];
  const figures = {};
  const res = (req) => req.res || { status: 0, error: 'not sent' };
  const statusClass = (s) => (s === 0 ? 'connection-error' : `${Math.floor(s / 100)}xx`);

  // 1. No 5xx, no connection error: the plugin's routes (and the policy), then Strapi's Content
  // Manager routes for the plugin's types (which the plugin's document middleware guards).
  const failures = requests.filter((req) => res(req).status === 0 || res(req).status >= 500);
  const describe = (req) => `${req.route} [${req.kind}, ${req.identity}] → ${res(req).status || res(req).error}${res(req).body ? ` ${excerpt(res(req).body, 120)}` : ''}`;
  for (const [name, inFamily] of [
    ['no 5xx and no connection error: the plugin’s routes (Click2Sell, admin API, content API, policy)', (q) => q.family !== 'content-manager'],
    ['no 5xx and no connection error: Content Manager routes of the plugin’s types', (q) => q.family === 'content-manager'],
  ]) {
    const sent = requests.filter(inFamily);
    const failed = failures.filter(inFamily);
    checks.push({
      name,
      ok: failed.length === 0,
      detail:
        failed.length === 0
          ? `${sent.length} requests, every one answered below 500`
          : `${failed.length} of ${sent.length} failed; by route and kind: ${top(countBy(failed, (q) => `${q.route} [${q.kind}]`))}; first: ${failed.slice(0, 3).map(describe).join(' | ')}`,
    });
  }

  // 2. Nothing changed but rejected/duplicate ledger rows.
  const ledgerAdded = changes.filter((c) => c.table === LEDGER_TABLE && c.type === 'added');
  const unexpected = changes.filter(
    (c) => !(c.table === LEDGER_TABLE && c.type === 'added' && ['rejected', 'duplicate'].includes(c.row.outcome)) && !STRAPI_OWN_CHANGES.some((own) => own(c))
  );
  const strapiOwn = changes.filter((c) => STRAPI_OWN_CHANGES.some((own) => own(c)));
  const describeChange = (c) => `${c.type} ${c.table}#${c.key ?? ''} ${excerpt(JSON.stringify(c.row ?? {}), 140)}`;
  checks.push({
    name: 'the database is unchanged but for rejected and duplicate ledger rows',
    ok: unexpected.length === 0,
    detail:
      unexpected.length === 0
        ? `${before.size} tables compared row by row; ${ledgerAdded.length} ledger rows added (${top(countBy(ledgerAdded, (c) => c.row.outcome))})${strapiOwn.length ? `; Strapi's own: ${strapiOwn.map((c) => `${c.table} ${c.row.key}`).join(', ')}` : ''}`
        : `${unexpected.length} unexpected change(s): ${unexpected.slice(0, 6).map(describeChange).join(' | ')}`,
  });

  // 3. No secret in any response or log line.
  const hashes = [
    ...query(dbFile, 'SELECT username AS who, password FROM up_users WHERE password IS NOT NULL').map((u) => [`password hash of member ${u.who}`, u.password]),
    ...query(dbFile, 'SELECT email AS who, password FROM admin_users WHERE password IS NOT NULL').map((u) => [`password hash of admin ${u.who}`, u.password]),
  ];
  const baseSecrets = [
    ...env.APP_KEYS.split(',').map((k, i) => [`APP_KEYS[${i}]`, k]),
    ['JWT_SECRET', env.JWT_SECRET],
    ['ADMIN_JWT_SECRET', env.ADMIN_JWT_SECRET],
    ['API_TOKEN_SALT', env.API_TOKEN_SALT],
    ['TRANSFER_TOKEN_SALT', env.TRANSFER_TOKEN_SALT],
    ['ENCRYPTION_KEY', env.ENCRYPTION_KEY],
    ['CLICK2SELL_SECRET_KEY (environment)', envC2sSecret],
    ['Click2Sell secret key (settings)', c2sSecret],
    ...Object.entries(passwords).map(([who, pw]) => [`password of ${who}`, pw]),
    ['password of the demo members', 'Demo-password-1'],
    ...hashes,
  ];
  // Issued tokens are secrets too, but the setup's own login answers legitimately carry them.
  const tokenSecrets = world
    ? [
        ['super admin access token', world.tokens.superToken],
        ['editor access token', world.tokens.editor],
        ['no-permission admin access token', world.tokens.noperm],
        ['super admin refresh token', world.tokens.refreshToken],
        ...world.tokens.members.map((t, i) => [`member JWT #${i}`, t]),
      ]
    : [];
  const baseNeedles = baseSecrets.flatMap(([name, value]) => needlesOf(name, value));
  const allNeedles = [...baseNeedles, ...tokenSecrets.flatMap(([name, value]) => needlesOf(name, value).slice(0, 1))];
  const leaks = [];
  for (const req of requests) {
    const a = res(req);
    if (!a.status) continue;
    const found = findSecrets(allNeedles, `${JSON.stringify(a.headers || {})}\n${a.body || ''}`);
    for (const label of found) leaks.push(`${label} in the answer to ${req.route} [${req.kind}, ${req.identity}]`);
  }
  for (const s of setupResponses) {
    for (const label of findSecrets(baseNeedles, `${JSON.stringify(s.headers)}\n${s.body}`)) leaks.push(`${label} in the answer to setup ${s.where}`);
  }
  const logLines = log.split('\n');
  logLines.forEach((line, i) => {
    for (const label of findSecrets(allNeedles, line)) leaks.push(`${label} in server log line ${i + 1}: ${excerpt(line, 100)}`);
  });
  checks.push({
    name: 'no secret in any response or server log line',
    ok: leaks.length === 0,
    detail:
      leaks.length === 0
        ? `${allNeedles.length} forms of ${baseSecrets.length + tokenSecrets.length} secrets searched in ${requests.length + setupResponses.length} responses (headers and bodies) and ${logLines.length} log lines: none found`
        : `${leaks.length} found: ${leaks.slice(0, 6).join(' | ')}`,
  });

  // 4. Every 4xx carries a clear error; a plugin route's 400 names the field.
  const noMessage = [];
  const noField = [];
  let fieldChecked = 0;
  const routerMethod = [];
  for (const req of requests) {
    const a = res(req);
    if (a.status < 400 || a.status >= 500 || req.method === 'HEAD') continue;
    const body = jsonOf(a.body);
    const error = body && body.error;
    // Strapi's router answers a method no route declares with a plain-text 405 and the Allow
    // header (what RFC 9110 asks of a 405); counted apart, not as an unclear error.
    if (a.status === 405 && !error && a.headers && a.headers.allow && req.family !== 'click2sell') {
      routerMethod.push(req);
      continue;
    }
    if (!error || typeof error.message !== 'string' || !error.message.trim() || error.status !== a.status || typeof error.name !== 'string') {
      noMessage.push(`${req.route} [${req.kind}] → ${a.status} ${excerpt(a.body, 100)}`);
      continue;
    }
    const pluginRoute = req.family === 'click2sell' || req.family === 'admin';
    if (a.status === 400 && pluginRoute && error.message !== NOT_FORM_FIELDS) {
      const paths = ((error.details && error.details.errors) || []).map((e) => (e.path || []).join('.')).filter(Boolean);
      const named = (field) => error.message.includes(field) || paths.some((p) => p === field || p.startsWith(`${field}.`) || p.split(', ').includes(field));
      const syntax = error.name === 'SyntaxError' || /JSON/.test(error.message); // the body parser's, no field to name
      if (!syntax) fieldChecked += 1;
      const ok = syntax || (req.fields && req.fields.length ? req.fields.some(named) : paths.length > 0 && paths.every((p) => error.message.includes(p.split('.')[0])));
      if (!ok) noField.push(`${req.route} [${req.kind}] expected ${req.fields ? req.fields.join('|') : 'a field'}: ${excerpt(error.message, 120)}`);
    }
  }
  const fourxx = requests.filter((q) => res(q).status >= 400 && res(q).status < 500).length;
  checks.push({
    name: 'every 4xx carries a clear error; the plugin’s 400s name the field',
    ok: noMessage.length === 0 && noField.length === 0,
    detail: `${fourxx} 4xx answers: ${noMessage.length} without { error: { status, name, message } }, ${noField.length} of ${fieldChecked} plugin 400s not naming the field (and ${routerMethod.length} plain-text 405s with an Allow header from Strapi's router, for methods no route declares)${
      noMessage.length + noField.length ? `; e.g. ${[...noMessage, ...noField].slice(0, 5).join(' | ')}` : ''
    }`,
  });

  // 5. Rejected ledger rows = Click2Sell rejections the plugin handled; duplicates = replays.
  const c2s = requests.filter((q) => q.family === 'click2sell');
  const handledRejection = (q) => {
    const a = res(q);
    if (!C2S_PLUGIN_STATUSES.has(a.status)) return false;
    const error = (jsonOf(a.body) || {}).error || {};
    // Answers made before the plugin sees a notification: the body parser's (malformed JSON,
    // unsupported charset) and the controller's guard against a body that is not form fields.
    if (a.status === 400 && (error.name !== 'ValidationError' || error.message === NOT_FORM_FIELDS)) return false;
    // The controller's answer when the database cannot be reached (nothing could be recorded).
    if (a.status === 503 && /database is unavailable/.test(error.message || '')) return false;
    return true;
  };
  const c2sRejected = c2s.filter(handledRejection).length;
  const replays = c2s.filter((q) => q.c2s && q.c2s.replay);
  const duplicatesAnswered = replays.filter((q) => res(q).status === 200 && (jsonOf(res(q).body) || {}).outcome === 'duplicate').length;
  const rejectedAdded = ledgerAdded.filter((c) => c.row.outcome === 'rejected').length;
  const duplicateAdded = ledgerAdded.filter((c) => c.row.outcome === 'duplicate').length;
  const forged = c2s.filter((q) => q.c2s && q.c2s.forged);
  const forged403 = forged.filter((q) => res(q).status === 403).length;
  const forged429 = forged.filter((q) => res(q).status === 429).length;
  const probes = c2s.filter((q) => q.c2s && q.c2s.probe);
  const problems = [];
  if (rejectedAdded !== c2sRejected) problems.push(`${rejectedAdded} rejected rows added for ${c2sRejected} rejections answered`);
  if (duplicateAdded !== duplicatesAnswered) problems.push(`${duplicateAdded} duplicate rows added for ${duplicatesAnswered} replays answered "already processed"`);
  if (duplicatesAnswered !== replays.length) problems.push(`${replays.length - duplicatesAnswered} of ${replays.length} replays not answered 200 "already processed" (${top(countBy(replays.filter((q) => res(q).status !== 200), (q) => res(q).status))})`);
  const rebound = c2s.filter((q) => q.c2s && q.c2s.rebound);
  const reboundAccepted = rebound.filter((q) => ![403, 429].includes(res(q).status));
  if (reboundAccepted.length) problems.push(`${reboundAccepted.length} of ${rebound.length} captured signatures resent for another buyer or product not refused (${top(countBy(reboundAccepted, (q) => res(q).status))})`);
  if (forged403 + forged429 !== forged.length) problems.push(`${forged.length - forged403 - forged429} forged checksums not answered 403/429`);
  if (forged403 < Math.min(LOCKOUT_LIMIT, forged.length) || forged403 > LOCKOUT_LIMIT + CONCURRENCY - 1) problems.push(`${forged403} forged checksums answered 403 (expected ${LOCKOUT_LIMIT} to ${LOCKOUT_LIMIT + CONCURRENCY - 1} before the lockout)`);
  const probesNot429 = probes.filter((q) => res(q).status !== 429);
  if (probesNot429.length) problems.push(`after the lockout: ${probesNot429.map((q) => `${q.kind} → ${res(q).status}`).join(', ')} (expected 429)`);
  checks.push({
    name: 'ledger: rejected rows = Click2Sell rejections, duplicate rows = replays',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${rejectedAdded} rejected rows for ${c2sRejected} rejections (400/403/429/503 by the plugin); ${duplicateAdded} duplicate rows for ${replays.length} replays; ${rebound.length} captured signatures resent for another buyer or product, all refused; forged checksums: ${forged403} × 403 then ${forged429} × 429; lockout probes all 429`
        : problems.join('; '),
  });

  // 6. No request without the right credentials reaches a handler.
  const authFail = requests.filter((q) => q.authFail);
  // Strapi parses bodies (a global middleware) before a route authenticates: a malformed, too
  // large or polluted body is refused by the parser first. Nothing reached a handler; counted apart.
  const byParser = (q) => {
    const a = res(q);
    const error = (jsonOf(a.body) || {}).error || {};
    return (a.status === 400 && error.name === 'SyntaxError') || (a.status === 413 && error.name === 'PayloadTooLargeError') || a.status === 415;
  };
  const refusedByParser = authFail.filter((q) => byParser(q));
  const leakedThrough = authFail.filter((q) => ![401, 403].includes(res(q).status) && res(q).status !== 0 && !byParser(q));
  checks.push({
    name: 'requests without the needed credentials or permission get 401/403',
    ok: leakedThrough.length === 0,
    detail:
      leakedThrough.length === 0
        ? `${authFail.length} requests (no, malformed, forged, expired, logged-out, cross-realm tokens; admins without the permission; members on admin routes): ${top(countBy(authFail, (q) => res(q).status))} (of which ${refusedByParser.length} refused by the body parser before authentication)`
        : `${leakedThrough.length} got through: ${leakedThrough.slice(0, 5).map(describe).join(' | ')}`,
  });

  // 7. Invalid writes by identities allowed to write are refused.
  const mustReject = requests.filter((q) => q.mustReject);
  // (A 5xx is counted by the first checks; here: was an invalid write accepted?)
  const accepted = mustReject.filter((q) => res(q).status > 0 && res(q).status < 400);
  checks.push({
    name: 'invalid writes by admins allowed to write are never accepted',
    ok: accepted.length === 0,
    detail:
      accepted.length === 0
        ? `${mustReject.length} invalid writes (settings, dates, subscribers, rules, e-mail tools, Content Manager create/update/delete…): ${top(countBy(mustReject, (q) => res(q).status))}`
        : `${accepted.length} accepted: ${accepted.slice(0, 5).map(describe).join(' | ')}`,
  });

  // ------------------------------------------------------------------ figures
  const byClass = countBy(requests, (q) => statusClass(res(q).status));
  Object.assign(figures, {
    seed,
    'requests sent': requests.length,
    ...Object.fromEntries(Object.entries(countBy(requests, (q) => q.family)).map(([k, v]) => [`requests: ${k}`, v])),
    ...Object.fromEntries(['2xx', '3xx', '4xx', '5xx', 'connection-error'].map((k) => [`answers ${k}`, byClass[k] || 0])),
    'answers by status': top(countBy(requests, (q) => res(q).status), 20),
    'attack kinds': Object.keys(countBy(requests, (q) => q.kind)).length,
    'requests by attack family': top(countBy(requests, (q) => q.kind.split(/[-:]/).slice(0, 2).join(':')), 60),
    'requests by route': top(countBy(requests, (q) => q.route), 80),
    identities: top(countBy(requests, (q) => q.identity), 30),
    '5xx': byClass['5xx'] || 0,
    'connection errors': byClass['connection-error'] || 0,
    'rejected ledger rows added': rejectedAdded,
    'duplicate ledger rows added': duplicateAdded,
    'unexpected database changes': unexpected.length,
    'secrets found': leaks.length,
    '4xx without a clear error': noMessage.length,
    'server log lines': logLines.length,
    'server error log lines': logLines.filter((l) => /\berror\b/.test(l.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 40))).length,
    'boot (s)': Number(bootSeconds.toFixed(1)),
    'requests (s)': Number(sendSeconds.toFixed(1)),
    'requests/s': Number((requests.length / Math.max(sendSeconds, 0.001)).toFixed(1)),
    'p50 latency (ms)': Number(percentile(requests.map((q) => res(q).ms || 0), 0.5).toFixed(1)),
    'p99 latency (ms)': Number(percentile(requests.map((q) => res(q).ms || 0), 0.99).toFixed(1)),
    'duration (s)': Number(((Date.now() - started) / 1000).toFixed(1)),
  });
  // Every request and its answer, one line each, for whoever investigates a failure.
  try {
    fs.writeFileSync(
      path.join(os.tmpdir(), `faults-hostile-${process.pid}-requests.jsonl`),
      requests.map((q) => JSON.stringify({ n: q.n, route: q.route, kind: q.kind, identity: q.identity, authFail: q.authFail, mustReject: q.mustReject, path: excerpt(q.path, 300), fields: q.fields, status: res(q).status, error: res(q).error, ms: Math.round(res(q).ms || 0), answer: excerpt(res(q).body, 300) })).join('\n') + '\n'
    );
  } catch {
    /* the report does not depend on it */
  }
  ctx.log(`server log: ${logFile}; every request and answer: ${path.join(os.tmpdir(), `faults-hostile-${process.pid}-requests.jsonl`)}`);
  // Kept for the report: the server's log and the failing requests.
  try {
    fs.writeFileSync(
      path.join(os.tmpdir(), `faults-hostile-${process.pid}-failures.json`),
      JSON.stringify(
        requests
          .filter((q) => failures.includes(q) || leakedThrough.includes(q) || accepted.includes(q))
          .map((q) => ({ ...q, body: typeof q.body === 'string' ? q.body.slice(0, 2000) : q.body ? `<${q.body.length} bytes>` : undefined, res: { ...q.res, body: excerpt(q.res?.body, 2000) } })),
        null,
        1
      )
    );
  } catch {
    /* the report does not depend on it */
  }
  return { figures, checks };
};

const percentile = (values, p) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};

module.exports = {
  id: 'hostile',
  title: 'hostile: 10,000 generated hostile requests (1,500 in quick mode) to every public and admin route',
  run,
};
