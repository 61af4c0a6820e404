'use strict';

const crypto = require('crypto');
const V = require('./values');

const { enc } = V;

/**
 * The hostile request generator. Every request says what it is (route family, route, attack
 * kind, identity) and what the server must do with it:
 *
 * - `authFail`: sent without the credentials the route needs → must be 401 or 403 exactly;
 * - `mustReject`: a write by an identity that may write, with input that is invalid by the
 *   documented rules (or aimed at a record that does not exist) → must be 4xx;
 * - `fields`: for a plugin route's 400, the fields one of which the error must name;
 * - `c2s`: Click2Sell bookkeeping (replay, forged checksum, lockout probe).
 *
 * Writes that an identity may legitimately make are only ever sent with invalid input, so a
 * run must leave the database as it was, apart from the Click2Sell ledger's rejected and
 * duplicate rows.
 */

const PLUGIN_UIDS = ['plugin::subscriptions.offer', 'plugin::subscriptions.subscription', 'plugin::subscriptions.notification-rule'];
const HIDDEN_UIDS = ['plugin::subscriptions.payment-event', 'plugin::subscriptions.message'];
const C2S_PATH = '/api/subscriptions/click2sell';
const C2S_FIELDS = [
  'acquirer_transaction_id', 'c2s_transaction_id', 'checksum', 'transaction_type', 'payment_status', 'subscription_status',
  'buyer_email', 'product_id', 'purchase_date', 'purchase_time', 'buyer_name', 'buyer_surname', 'product_name',
  'product_price', 'payment_type', 'affiliate_username', 'buyer_country',
];
const C2S_REQUIRED = ['acquirer_transaction_id', 'c2s_transaction_id', 'checksum', 'transaction_type', 'buyer_email', 'product_id', 'purchase_date', 'purchase_time'];
const SETTINGS_FIELDS = [
  'renewalWindowHours', 'graceHours', 'stackingMode', 'fallbackRoleId', 'click2sellSecretKey', 'purchaseTimezone', 'emailFrom',
  'defaultLocale', 'templates', 'renewalUrl', 'emailTimezone',
];

const checksumFor = (secret, acquirerId) => crypto.createHash('md5').update(`${secret}_${acquirerId}`).digest('hex').toUpperCase();

const today = () => new Date().toISOString().slice(0, 10);

/** A well-formed notification (its checksum made with `secret`), as Click2Sell sends it. */
const notification = (r, secret, overrides = {}) => {
  const unique = `${Date.now()}${r.alnum(8)}`;
  const fields = {
    acquirer_transaction_id: `PP-HX-${unique}`,
    c2s_transaction_id: `C2S-HX-${unique}`,
    purchase_date: today(),
    purchase_time: '10:15:30',
    payment_type: 'Paypal',
    transaction_type: 'Sale',
    payment_status: 'OK',
    subscription_status: '',
    buyer_name: 'Hostile',
    buyer_surname: 'Tester',
    buyer_email: `hx-${unique.toLowerCase()}@example.com`,
    buyer_country: 'FR',
    product_price: '9.90 EUR',
    product_id: r.pick(['1001', '1002', '1003']),
    product_name: 'Monthly membership',
    affiliate_username: '',
    ...overrides,
  };
  if (!('checksum' in overrides)) fields.checksum = checksumFor(secret, fields.acquirer_transaction_id);
  return fields;
};

/** Values each Click2Sell field must refuse (the field is then named in the 400). */
const brokenValue = (r, field, stringOnly = false) => {
  const common = [() => 42, () => ['a', 'b'], () => ({ $ne: null }), () => true, () => 'x\u0001y', () => '\ud800', () => 'a'.repeat(300)];
  const specific = {
    acquirer_transaction_id: [() => '', () => '   ', () => 'PP-\u0000'],
    c2s_transaction_id: [() => '', () => '\t', () => 'C2S\r\nX: 1'],
    checksum: [() => 'zz', () => r.hex(31), () => r.hex(33), () => "' OR 1=1 --", () => ''],
    transaction_type: [() => 'sale', () => 'Purchase', () => "Sale' OR '1'='1", () => ''],
    payment_status: [() => 'ok', () => 'Paid', () => '<script>'],
    subscription_status: [() => 'Active', () => 'new', () => "New'--"],
    buyer_email: [() => 'not-an-email', () => '<script>@x', () => "' OR 1=1 --", () => `${'a'.repeat(250)}@example.com`, () => ''],
    product_id: [() => '', () => '  ', () => '1001\u0000'],
    purchase_date: [() => '2026-02-30', () => '26-01-01', () => "2026-01-01' OR '1'='1", () => '9999-99-99', () => ''],
    purchase_time: [() => '25:61:61', () => '10:15', () => '24:00:99', () => '1; DROP'],
    buyer_name: [() => 'x\u0007y', () => 'n'.repeat(256)],
    buyer_surname: [() => 's\u001b[31m', () => 'n'.repeat(256)],
    product_name: [() => 'p\u0000', () => 'n'.repeat(256)],
    product_price: [() => 'p'.repeat(65), () => '9.90\nEUR'],
    payment_type: [() => 't'.repeat(65), () => 'x\u007f'],
    affiliate_username: [() => 'a'.repeat(256), () => 'aff\u0008'],
    buyer_country: [() => 'c'.repeat(129), () => 'FR\u0000'],
  }[field];
  let pool = [...specific, ...common];
  // Sent as a form or multipart, every value is a string and a lone surrogate is re-encoded as a
  // valid character: only strings that stay invalid after that are drawn.
  if (stringOnly) pool = pool.filter((f) => typeof f() === 'string' && !/[\ud800-\udfff]/.test(f()));
  // 'a'.repeat(300) is refused by every field (none takes over 255 characters, nor the checksum).
  return r.pick(pool)();
};

/** Make a body certainly refused by Click2Sell's parser (so it never counts as a checksum failure). */
const breakC2s = (r, fields) => {
  const field = r.pick(C2S_REQUIRED);
  if (r.chance(0.4)) {
    delete fields[field];
    return [field];
  }
  fields[field] = brokenValue(r, field, true);
  return [field];
};

const encodeC2s = (r, fields, forced) => {
  const how = forced ?? r.weighted([[6, 'form'], [3, 'json'], [1, 'multipart']]);
  if (how === 'json') return { body: V.encodeJson(fields), contentType: 'application/json', encoding: 'json' };
  if (how === 'multipart') {
    const flat = {};
    for (const [k, v] of Object.entries(fields)) flat[k] = v;
    return { ...V.multipart(r, flat), encoding: 'multipart' };
  }
  return { body: V.encodeForm(fields), contentType: 'application/x-www-form-urlencoded', encoding: 'form' };
};

const fakeDocId = (r) => r.alnum(24).toLowerCase();
const hostileId = (r) =>
  r.pick([
    () => fakeDocId(r),
    () => enc(r.pick(V.SQL)),
    () => enc(r.pick(V.SCRIPT)),
    () => 'a'.repeat(r.int(300, 5000)),
    () => '..%2F..%2Fetc%2Fpasswd',
    () => '%00',
    () => '%ff%fe',
    () => enc('__proto__'),
    () => 'constructor',
    () => '-1',
    () => '99999999999999999999999',
    () => enc('🙂'),
  ])();

/**
 * Builds the generator for one run. `world` holds what setup learnt: secrets, tokens, real ids,
 * the notification replayed (n0).
 */
const createGenerator = (r, world) => {
  const { ids } = world;
  const I = world.identities;
  const realSubscription = () => r.pick(ids.subscriptions);
  const realOffer = () => r.pick(ids.offers);
  const realRule = () => r.pick(ids.rules);
  const realUser = () => r.pick(ids.users);

  // Identity pools: who may do what.
  const ANON = [
    I.none, I.malformed1, I.malformed2, I.malformed3, I.malformed4, I.basic, I.wrongKeyAdmin, I.wrongKeyUser, I.expiredAdmin,
    I.expiredUser, I.ghostAdmin, I.ghostUser, I.algNoneAdmin, I.algNoneUser, I.refreshAsAccess, I.revokedAdmin,
    I.userSignedWithAdminKey, I.adminSignedWithUserKey, I.hugeToken,
  ];
  const pickAdminIdentity = () =>
    r.weighted([
      [40, I.superAdmin],
      [12, I.editor],
      [10, I.noperm],
      [6, I.member],
      [32, r.pick(ANON)],
    ]);
  const pickContentIdentity = () =>
    r.weighted([
      [25, r.pick([I.member, I.memberBob, I.memberCarol, I.memberErin])],
      [15, r.pick([I.superAdmin, I.editor])],
      [60, r.pick(ANON)],
    ]);
  const mayUsePlugin = (identity) => identity === I.superAdmin;
  const mayUseCm = (identity, uid) => identity === I.superAdmin || (identity === I.editor && PLUGIN_UIDS.includes(uid));

  const json = (value) => ({ body: V.encodeJson(value), contentType: 'application/json' });

  /**
   * A hostile encoding of an invalid body for an identity that may write: the poison stays in
   * every variant (or the body is refused before parsing), so nothing valid is ever sent.
   */
  const privilegedBody = (value) =>
    r.weighted([
      [14, () => json(value)],
      [1, () => ({ body: `${V.encodeJson(value).slice(0, -1)}${Object.keys(value).length ? ',' : ''}"deep":${V.deepJson(r.int(100, 2000))}}`, contentType: 'application/json', extra: ['deep'] })],
      [1, () => ({ body: V.encodeJson(value).slice(0, -1), contentType: 'application/json' })],
      // Invalid UTF-8 beside the poison.
      [1, () => ({ body: V.withBadBytes(r, V.encodeJson({ ...value, comment: `x${V.BAD}y${V.BAD}` })), contentType: 'application/json', extra: ['comment'] })],
      [1, () => ({ body: world.bigBody(r.int(2, 4)), contentType: 'application/json' })],
    ])();

  /** A body in a random hostile encoding, for identities that may not write at all. */
  const anyBody = (value) =>
    r.weighted([
      [6, () => json(value)],
      [2, () => ({ body: V.encodeForm(value), contentType: 'application/x-www-form-urlencoded' })],
      [1, () => ({ body: `{"a":${V.deepJson(r.int(1000, 10000))}}`, contentType: 'application/json' })],
      [1, () => ({ body: '{"truncated": ', contentType: 'application/json' })],
      [1, () => ({ body: V.withBadBytes(r, V.encodeJson({ title: `x${V.BAD}y`, [`k${V.BAD}`]: V.BAD })), contentType: 'application/json' })],
      [1, () => ({ body: JSON.stringify(V.randomValue(r)), contentType: 'application/json' })],
      [1, () => ({ body: world.bigBody(r.int(2, 5)), contentType: 'application/json' })],
    ])();

  // ---------------------------------------------------------------- Click2Sell
  const c2sRequest = (kind, { fields, fieldsForCheck, encoding, body, contentType, method = 'POST', c2s = {}, headers = {} }) => {
    let enc = { body, contentType };
    if (fields !== undefined) enc = encodeC2s(r, fields, encoding);
    return {
      family: 'click2sell',
      route: `${method} ${C2S_PATH}`,
      kind: `c2s:${kind}`,
      identity: 'unauthenticated (Click2Sell)',
      method,
      path: C2S_PATH,
      headers: { ...(enc.contentType ? { 'content-type': enc.contentType } : {}), ...headers },
      body: enc.body,
      fields: fieldsForCheck,
      c2s,
    };
  };

  const c2sWave1 = () =>
    r.weighted([
      [14, () => {
        // Random fields: known and hostile keys with hostile values, certainly refused.
        const fields = V.randomObject(r, 2, r.int(0, 12), C2S_FIELDS);
        const broken = breakC2s(r, fields);
        return c2sRequest('random-fields', { fields, fieldsForCheck: C2S_FIELDS.concat(['body']), c2s: { broken } });
      }],
      [12, () => {
        // A correctly signed new notification with one field broken: 400 naming that field.
        const fields = notification(r, world.c2sSecret);
        const field = r.pick(C2S_FIELDS.filter((f) => f !== 'acquirer_transaction_id' || r.chance(0.2)));
        if (field === 'subscription_status' && r.chance(0.3)) {
          fields.transaction_type = 'Subscription';
          fields.subscription_status = '';
        } else fields[field] = brokenValue(r, field);
        // A lone surrogate or NUL only survives as JSON; forms would re-encode it.
        const encoding = typeof fields[field] === 'string' && /[\ud800-\udfff\u0000]/.test(fields[field]) ? 'json' : undefined;
        // Non-string values sent as a form become strings or nested keys: JSON keeps their type.
        return c2sRequest('signed-broken-field', { fields, fieldsForCheck: [field], encoding: typeof fields[field] === 'string' ? encoding : 'json', c2s: { signed: true } });
      }],
      [10, () => {
        // Replays of the one notification applied during setup, as sent or with unsigned fields changed.
        const fields = { ...world.n0 };
        const variant = r.pick(['exact', 'exact', 'lowercase-checksum', 'padded-checksum', 'other-email', 'other-product', 'script-name', 'extra-fields', 'other-date']);
        if (variant === 'lowercase-checksum') fields.checksum = fields.checksum.toLowerCase();
        if (variant === 'padded-checksum') fields.checksum = `  ${fields.checksum} `;
        if (variant === 'other-email') fields.buyer_email = 'bob@example.com';
        if (variant === 'other-product') fields.product_id = r.pick(['1002', '1003', '424242']);
        if (variant === 'script-name') fields.buyer_name = r.pick(V.SCRIPT).replace(/[\u0000-\u001f]/g, '');
        if (variant === 'extra-fields') Object.assign(fields, { isAdmin: 'true', role: '1', $where: '1' });
        if (variant === 'other-date') fields.purchase_date = '2020-01-01';
        // Another buyer or product under the captured signature: refused (403), the checksum stays
        // bound to the transaction it first applied. Every other variant is a plain replay.
        const rebound = variant === 'other-email' || variant === 'other-product';
        return c2sRequest(`replay-${variant}`, { fields, c2s: rebound ? { rebound: true } : { replay: true } });
      }],
      [8, () => {
        // Wrong types: arrays (repeated form fields), objects (bracketed keys), numbers, booleans.
        const fields = notification(r, 'not-the-secret');
        const field = r.pick(C2S_REQUIRED);
        const style = r.pick(['repeat', 'bracket', 'json-number', 'json-object', 'json-array', 'json-null', 'json-bool']);
        if (style === 'repeat') {
          const base = V.encodeForm(fields);
          return c2sRequest('wrong-type-repeated', { body: `${base}&${field}=${enc(String(fields[field]))}2`, contentType: 'application/x-www-form-urlencoded', fieldsForCheck: [field] });
        }
        if (style === 'bracket') {
          delete fields[field];
          const body = `${V.encodeForm(fields)}&${field}[$ne]=null&${field}[0]=x`;
          return c2sRequest('wrong-type-bracket', { body, contentType: 'application/x-www-form-urlencoded', fieldsForCheck: [field] });
        }
        fields[field] = { 'json-number': 1001, 'json-object': { $gt: '' }, 'json-array': [fields[field]], 'json-null': null, 'json-bool': true }[style];
        return c2sRequest(`wrong-type-${style}`, { fields, encoding: 'json', fieldsForCheck: [field] });
      }],
      [6, () => {
        // Missing fields (one to all of the required ones).
        const fields = notification(r, world.c2sSecret);
        const missing = r.shuffle(C2S_REQUIRED).slice(0, r.int(1, C2S_REQUIRED.length));
        for (const f of missing) delete fields[f];
        return c2sRequest('missing-fields', { fields, fieldsForCheck: missing });
      }],
      [6, () => {
        // SQL and script injection in every field; the checksum itself is an injection.
        const fields = notification(r, 'x');
        for (const f of r.shuffle(C2S_FIELDS).slice(0, r.int(1, 8))) fields[f] = r.pick(V.INJECTIONS);
        if (/^[0-9a-fA-F]{32}$/.test(String(fields.checksum).trim())) fields.checksum = r.pick(V.SQL);
        return c2sRequest('injection', { fields, fieldsForCheck: C2S_FIELDS });
      }],
      [4, () => {
        const fields = { ...notification(r, world.c2sSecret), ...V.pollution(r) };
        const broken = breakC2s(r, fields);
        const style = r.pick(['json', 'form', 'form-raw']);
        if (style === 'form-raw') {
          delete fields.__proto__;
          const body = `${V.encodeForm(fields)}&__proto__[isAdmin]=true&constructor[prototype][polluted]=yes&__proto__=x`;
          return c2sRequest('prototype-pollution', { body, contentType: 'application/x-www-form-urlencoded', fieldsForCheck: broken });
        }
        return c2sRequest('prototype-pollution', { fields, encoding: style, fieldsForCheck: broken });
      }],
      [6, () => {
        // Invalid UTF-8 inside values (raw bytes in JSON and forms, percent-encoded in forms).
        const fields = notification(r, world.c2sSecret);
        for (const f of r.shuffle(C2S_FIELDS).slice(0, r.int(1, 6))) fields[f] = `${String(fields[f]).slice(0, 10)}${V.BAD}x`;
        breakC2s(r, fields);
        const style = r.pick(['json', 'form', 'form-percent']);
        if (style === 'json') return c2sRequest('invalid-utf8-json', { body: V.withBadBytes(r, V.encodeJson(fields)), contentType: 'application/json; charset=utf-8' });
        const text = V.encodeForm(fields);
        const marker = enc(V.BAD);
        if (style === 'form') return c2sRequest('invalid-utf8-form', { body: V.withBadBytes(r, text, marker), contentType: 'application/x-www-form-urlencoded' });
        return c2sRequest('invalid-utf8-percent', { body: text.split(marker).join(r.pick(['%FF', '%C0%AF', '%ED%A0%80', '%E2%82', '%', '%zz'])), contentType: 'application/x-www-form-urlencoded' });
      }],
      [3, () => {
        // Top-level JSON that is not an object, malformed JSON, other content types.
        const [body, contentType] = r.pick([
          ['[1,2,3]', 'application/json'],
          [`[${V.encodeJson(world.n0)}]`, 'application/json'],
          ['"just a string"', 'application/json'],
          ['null', 'application/json'],
          ['{"a":1,}', 'application/json'],
          ['{"a": NaN}', 'application/json'],
          ["{'single': 'quotes'}", 'application/json'],
          ['{"checksum":', 'application/json'],
          [V.encodeForm(world.n0), 'text/plain'],
          ['<xml><checksum>1</checksum></xml>', 'application/xml'],
          [V.encodeForm(world.n0), undefined],
          [Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]), 'application/octet-stream'],
          // koa-body reads every body as UTF-8 whatever the charset says: a broken notification.
          [V.encodeJson({ ...world.n0, checksum: 'not-hex' }), 'application/json; charset=utf-16'],
        ]);
        return c2sRequest('not-form-fields', { body, contentType });
      }],
      [2, () => {
        // Deeply nested JSON: over 16 KB (refused by size) or under it, on a known field.
        const depth = r.pick([500, 3000, 7000, 10000, 50000]);
        const style = r.pick(['object', 'array']);
        const body = `{"buyer_name":${V.deepJson(depth, style)},"checksum":"nope"}`;
        // Sometimes chunked: no Content-Length for the route to trust.
        const chunked = r.chance(0.4);
        return { ...c2sRequest(`deep-${style}-${depth}${chunked ? '-chunked' : ''}`, { body, contentType: 'application/json', fieldsForCheck: ['buyer_name', 'checksum'] }), chunked };
      }],
      [2, () => {
        // Bodies over the plugin's 16 KB, and of several megabytes (over the body parser's limit).
        const mb = r.chance(0.5);
        const fields = notification(r, world.c2sSecret, { buyer_name: 'n'.repeat(mb ? 10 : r.int(17_000, 60_000)) });
        if (mb) return c2sRequest('huge', { body: world.bigBody(r.int(2, 6), r.pick(['json', 'form'])), contentType: r.pick(['application/json', 'application/x-www-form-urlencoded']) });
        return c2sRequest('over-16k', { fields });
      }],
      [1, () => {
        // Multipart with a file part, hostile file name.
        const fields = notification(r, world.c2sSecret);
        breakC2s(r, fields);
        const { body, contentType } = V.multipart(r, fields, { name: r.pick(['../../x.js', 'a"b.php', 'evil.svg']), type: 'image/svg+xml', content: Buffer.from('<svg onload=alert(1)/>') });
        return c2sRequest('multipart-file', { body, contentType });
      }],
      [3, () => {
        const method = r.pick(['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
        const fields = { ...world.n0 };
        const enc = method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? {} : encodeC2s(r, fields);
        return {
          ...c2sRequest('other-method', { body: enc.body, contentType: enc.contentType, method }),
          path: method === 'GET' ? `${C2S_PATH}?${V.encodeForm(world.n0)}` : C2S_PATH,
        };
      }],
    ])();

  /** Wave 2: forged checksums (the 21st failure from one address and later are 429). */
  const c2sForged = () => {
    const variant = r.pick(['random-hex', 'env-secret', 'other-acquirer', 'n0-tampered-acquirer', 'no-secret', 'wrong-separator', 'empty-secret', 'truncated-md5']);
    let fields;
    if (variant === 'n0-tampered-acquirer') fields = { ...world.n0, acquirer_transaction_id: `${world.n0.acquirer_transaction_id}X` };
    else fields = notification(r, world.c2sSecret);
    const acq = fields.acquirer_transaction_id;
    const md5 = (s) => crypto.createHash('md5').update(s).digest('hex').toUpperCase();
    if (variant === 'random-hex') fields.checksum = r.hex(32);
    // The environment's key is superseded by the one saved in the settings.
    if (variant === 'env-secret') fields.checksum = checksumFor(world.envC2sSecret, acq);
    if (variant === 'other-acquirer') fields.checksum = checksumFor(world.c2sSecret, `${acq}0`);
    if (variant === 'no-secret') fields.checksum = md5(acq);
    if (variant === 'wrong-separator') fields.checksum = md5(`${world.c2sSecret}${acq}`);
    if (variant === 'empty-secret') fields.checksum = md5(`_${acq}`);
    if (variant === 'truncated-md5') {
      // The right checksum with its last digit changed (never to itself).
      const right = checksumFor(world.c2sSecret, acq);
      fields.checksum = `${right.slice(0, 31)}${right.endsWith('0') ? '1' : '0'}`;
    }
    return c2sRequest(`forged-${variant}`, { fields, c2s: { forged: true } });
  };

  /** After the lockout: a correctly signed new notification and a replay must both be 429. */
  const c2sLockoutProbes = () => [
    c2sRequest('lockout-probe-valid', { fields: notification(r, world.c2sSecret, { product_id: '1001' }), c2s: { probe: true } }),
    c2sRequest('lockout-probe-replay', { fields: { ...world.n0 }, c2s: { probe: true } }),
  ];

  // ---------------------------------------------------------------- plugin admin routes
  const poisonSettings = () => {
    // Valid values beside the poison (nothing of them may be saved), then one certain poison,
    // the field the 400 must name.
    const VALID = { renewalWindowHours: 72, graceHours: 12, stackingMode: 'queue', fallbackRoleId: null, purchaseTimezone: 'Europe/Paris', emailFrom: 'attacker@example.com', defaultLocale: 'fr', templates: {}, renewalUrl: 'https://attacker.example/{offer}', emailTimezone: 'Asia/Tokyo' };
    const value = V.dict(Object.keys(VALID).filter(() => r.chance(0.2)).map((k) => [k, VALID[k]]));
    const [field, poison] = r.pick([
      () => ['renewalWindowHours', r.pick([-1, 8761, 1.5, '48', null, [], {}, '48; DROP TABLE x', true])],
      () => ['graceHours', r.pick([-5, 1e9, 'soon', null, [48]])],
      () => ['stackingMode', r.pick(['stack', '', 1, null, "parallel' --", ['queue']])],
      () => ['fallbackRoleId', r.pick([0, -1, '1', 99999, 1.5, {}, 'x'])],
      () => ['click2sellSecretKey', r.pick(['k'.repeat(256), 123, [], {}, true])],
      () => ['purchaseTimezone', r.pick(['Mars/Olympus', '', 'UTC; rm -rf /', null, 5, '../../etc/localtime'])],
      () => ['emailFrom', r.pick(['not-an-address', '<script>alert(1)</script>', 7, `a@${'b'.repeat(300)}.com`, "x@y.z' OR 1=1"])],
      () => ['defaultLocale', r.pick(['de', '', null, 'en; DROP'])],
      () => ['templates', r.pick([{ reminder: { en: { subject: 1 } } }, { evil: {} }, { reminder: { de: { subject: 's', text: 't', html: 'h' } } }, 'x', { reminder: { en: { subject: 's', text: 't', html: 'h'.repeat(200_001) } } }])],
      () => ['renewalUrl', r.pick(['not a url', 5, `https://x.example/${'a'.repeat(3000)}`])],
      () => ['emailTimezone', r.pick(['Nowhere/City', '', 42])],
      () => {
        const k = r.pick(['isAdmin', 'constructor', '$where', 'secret', 'jwtSecret', 'click2sellSecret', V.randomText(r, 8).replace(/[.\u0000-\u001f]/g, '') || 'zz']);
        return [k, V.randomValue(r)];
      },
    ])();
    value[field] = poison;
    return { value, fields: [field] };
  };

  const poisonDates = () => {
    const [field, patch] = r.pick([
      () => ['startsAt', { startsAt: r.pick(['not-a-date', 12345, null, '', {}, "2026-01-01' OR 1=1", '2026-13-45T00:00:00Z']) }],
      () => ['dueAt', { dueAt: r.pick(['garbage', 5, [], true]) }],
      () => ['endsAt', { endsAt: r.pick(['yesterday', 0, { $gt: 1 }]) }],
      () => ['user', { user: r.pick([realUser(), 999999, null, 'x']) }],
      () => ['isAdmin', { isAdmin: true, startsAt: '2026-01-01T00:00:00Z' }],
      () => ['status', { status: 'refunded' }],
      // Semantic poisons (valid types): 400 naming endsAt/dueAt on a real subscription, 404 on a fake one.
      () => ['endsAt', { startsAt: '2030-01-01T00:00:00Z', endsAt: '2020-01-01T00:00:00Z' }],
      () => ['dueAt', { startsAt: '2030-01-01T00:00:00Z', dueAt: '2029-01-01T00:00:00Z', endsAt: '2031-01-01T00:00:00Z' }],
    ])();
    return { value: patch, fields: [field] };
  };

  const poisonSubscriber = () => {
    const [field, value] = r.pick([
      () => ['user', { user: r.pick(['abc', -1, 0, 1.5, { $gt: 0 }, [1], null, '1', "1' OR 1=1"]) }],
      () => ['user', { startsAt: '2026-01-01T00:00:00Z' }],
      () => ['startsAt', { user: realUser(), startsAt: r.pick(['x', 5, null, '2026-99-99']) }],
      () => ['role', { user: realUser(), role: 1 }],
      () => ['user', { user: 99999999 }],
    ])();
    return { value, fields: [field] };
  };

  const poisonRule = () => {
    const base = { amount: r.int(0, 30), period: r.pick(['months', 'days', 'hours']), when: r.pick(['before', 'after']) };
    const [field, value] = r.pick([
      () => ['amount', { ...base, amount: r.pick([-1, 10_001, 1.5, '7', null, 1e308]) }],
      () => ['period', { ...base, period: r.pick(['weeks', '', 'DAYS', null, "days' --"]) }],
      () => ['when', { ...base, when: r.pick(['during', '', 0]) }],
      () => ['amount', { period: base.period, when: base.when }],
      () => ['subject', { ...base, subject: '<script>alert(1)</script>' }],
      () => ['offer', { ...base, offer: 1 }],
    ])();
    return { value, fields: [field] };
  };

  const poisonEmail = () => {
    const base = { kind: r.pick(['reminder', 'welcome', 'expiry']), locale: r.pick(['en', 'fr']) };
    const [field, value] = r.pick([
      () => ['kind', { ...base, kind: r.pick(['spam', 'test', '', null]) }],
      () => ['locale', { ...base, locale: r.pick(['de', '', 1]) }],
      () => ['template', { ...base, template: r.pick([{ subject: 1, text: '', html: '' }, 'x', { subject: 's', text: 't', html: 'h', js: 'x' }]) }],
      () => ['to', { ...base, to: 'attacker@example.com' }],
      () => ['kind', { locale: 'en' }],
    ])();
    return { value, fields: [field] };
  };

  const validSettings = () => r.pick([{ click2sellSecretKey: 'attacker-chosen-key' }, { graceHours: 1 }, { fallbackRoleId: null, stackingMode: 'queue' }, { click2sellSecretKey: '' }]);
  const validRule = () => ({ amount: 3, period: 'days', when: 'before' });

  /** A plugin admin route: [method, path template, body kind, permission-less write?]. */
  const adminRoutes = [
    ['GET', '/subscriptions/settings', null],
    ['PUT', '/subscriptions/settings', 'settings'],
    ['POST', '/subscriptions/subscriptions/:sub/renew', 'none-write'],
    ['POST', '/subscriptions/subscriptions/:sub/cancel', 'none-write'],
    ['POST', '/subscriptions/subscriptions/:sub/refund', 'none-write'],
    ['GET', '/subscriptions/email-templates', null],
    ['GET', '/subscriptions/overview', null],
    ['GET', '/subscriptions/subscriptions', 'query'],
    ['GET', '/subscriptions/subscriptions/export', 'query'],
    ['PUT', '/subscriptions/subscriptions/:sub/dates', 'dates'],
    ['GET', '/subscriptions/offers', null],
    ['GET', '/subscriptions/offers/:offer', null],
    ['POST', '/subscriptions/offers/:offer/subscribers', 'subscriber'],
    ['POST', '/subscriptions/offers/:offer/rules', 'rule'],
    ['PUT', '/subscriptions/offers/:offer/rules/:rule', 'rule'],
    ['DELETE', '/subscriptions/offers/:offer/rules/:rule', 'none-write'],
    ['GET', '/subscriptions/users', 'query'],
    ['GET', '/subscriptions/roles', null],
    ['GET', '/subscriptions/payment-events', 'query'],
    ['GET', '/subscriptions/messages', 'query'],
    ['POST', '/subscriptions/settings/preview', 'preview'],
    ['POST', '/subscriptions/settings/test-email', 'email'],
  ];

  const adminRequest = () => {
    const [method, template, bodyKind] = r.pick(adminRoutes);
    const identity = pickAdminIdentity();
    const privileged = mayUsePlugin(identity);
    const write = method !== 'GET';
    // Privileged writes aim at records that do not exist (renew, cancel, refund, delete), or send
    // invalid input to real ones; identities that may not write aim at real records too.
    const pathId = (realOne) => {
      if (privileged && bodyKind === 'none-write') return r.chance(0.7) ? fakeDocId(r) : hostileId(r);
      return r.chance(privileged ? 0.8 : 0.7) ? realOne() : hostileId(r);
    };
    const path = template.replace(':sub', () => pathId(realSubscription)).replace(':offer', () => pathId(realOffer)).replace(':rule', () => pathId(realRule));
    const req = {
      family: 'admin',
      route: `${method} ${template}`,
      kind: `admin:${bodyKind ?? 'read'}`,
      identity: identity.name,
      method,
      path,
      headers: identity.authorization ? { authorization: identity.authorization } : {},
      authFail: !privileged,
      mustReject: privileged && write && bodyKind !== 'preview',
    };
    if (bodyKind === 'query' || (bodyKind === null && r.chance(0.3))) req.path += `?${V.hostileQuery(r, ['list', 'search', 'page', 'pageSize', 'offer', 'status'])}`;
    const poisoned = { settings: poisonSettings, dates: poisonDates, subscriber: poisonSubscriber, rule: poisonRule, email: poisonEmail }[bodyKind];
    if (poisoned) {
      let enc;
      if (privileged) {
        const { value, fields } = poisoned();
        // Mostly JSON; sometimes a form (every value a string: refused by the typed schemas) or junk.
        enc = r.weighted([
          [7, () => privilegedBody(value)],
          [1, () => ({ body: '{"broken":', contentType: 'application/json' })],
          [1, () => ({ body: `[${V.encodeJson(value)}]`, contentType: 'application/json' })],
        ])();
        const text = typeof enc.body === 'string' ? enc.body : '';
        req.kind += text.startsWith('[') ? ':array' : text.startsWith('{"broken"') ? ':malformed' : '';
        req.fields = text.startsWith('[') ? ['body'] : text.startsWith('{"broken"') ? null : fields.concat(enc.extra || []);
      } else {
        const valid = { settings: validSettings, rule: validRule, subscriber: () => ({ user: realUser() }), dates: () => ({ endsAt: '2031-01-01T00:00:00Z' }), email: () => ({ kind: 'reminder', locale: 'en' }) }[bodyKind];
        enc = r.chance(0.5) ? json(valid()) : anyBody(r.chance(0.5) ? poisoned().value : V.randomObject(r));
        req.kind += ':unprivileged';
      }
      req.headers['content-type'] = enc.contentType;
      req.body = enc.body;
    } else if (bodyKind === 'preview') {
      const value = r.chance(0.5) ? { kind: r.pick(['reminder', 'welcome', 'expiry']), locale: r.pick(['en', 'fr']), template: { subject: r.pick(V.SCRIPT), text: '{{setPasswordUrl}} {{#before}}x{{/before}} {{{raw}}}', html: r.pick(V.SCRIPT) } } : V.randomObject(r, 2, r.int(0, 5), ['kind', 'locale', 'template']);
      const enc = r.chance(0.85) ? json(value) : anyBody(value);
      req.headers['content-type'] = enc.contentType;
      req.body = enc.body;
    } else if (bodyKind === 'none-write' && r.chance(0.3)) {
      const enc = anyBody(V.randomObject(r));
      req.headers['content-type'] = enc.contentType;
      req.body = enc.body;
    }
    return req;
  };

  // ---------------------------------------------------------------- Content Manager
  const poisonCm = (uid, action, target) => {
    if (uid === 'plugin::subscriptions.offer') {
      const base = action === 'create' ? { title: `Hostile ${r.alnum(6)}`, duration: 1, period: 'days' } : {};
      const [field, value] = r.pick([
        () => ['title', { ...base, title: r.pick(['t'.repeat(256), { $ne: null }, ['a']]) }],
        () => ['title', action === 'create' ? { duration: 1, period: 'days' } : { title: null }],
        () => ['duration', { ...base, duration: r.pick([-1, 'abc', 1.5, -0.5]) }],
        () => ['period', { ...base, period: r.pick(['weeks', "days' --", 5]) }],
        () => ['price', { ...base, price: r.pick([-5, 'free', -0.01]) }],
        () => ['currency', { ...base, currency: r.pick(['eur', 'EURO', 'E1R', '<s>']) }],
        // Another offer's product id (unique), or too long.
        () => ['click2sellProductId', { ...base, click2sellProductId: r.chance(0.6) ? r.pick(ids.products.filter((p) => p !== ids.productOf[target])) : 'x'.repeat(256) }],
        () => ['role', { ...base, role: r.pick([999999, { connect: [{ id: 999999 }] }]) }],
        () => ['level', { ...base, level: r.pick(['x', 1.5, { $gt: 1 }]) }],
      ])();
      return { value, fields: [field] };
    }
    if (uid === 'plugin::subscriptions.subscription') {
      const base = action === 'create' ? { user: realUser(), offer: ids.offerIds[0] } : {};
      const [field, value] = r.pick([
        // Another user than the subscription's own (the user of a saved subscription never changes).
        () => ['user', action === 'create' ? { offer: ids.offerIds[0] } : { user: ids.users.find((u) => u !== ids.ownerOf[target]) ?? 99999 }],
        () => ['user', { ...base, user: 99999999 }],
        () => ['offer', action === 'create' ? { user: realUser() } : { offer: null }],
        () => ['offer', { ...base, offer: { connect: [{ documentId: fakeDocId(r) }] } }],
        () => ['startsAt', { ...base, startsAt: r.pick(['garbage', "2026-01-01' OR 1=1", action === 'update' ? null : 'x']) }],
        () => ['endsAt', { ...base, startsAt: '2030-01-01T00:00:00Z', endsAt: '2020-01-01T00:00:00Z' }],
        () => ['status', { ...base, status: r.pick(['bogus', "active' --", 7]) }],
        () => ['source', { ...base, source: 'evil' }],
      ])();
      return { value, fields: [field] };
    }
    const base = action === 'create' ? { offer: ids.offerIds[0], amount: 1, period: 'days', when: 'before' } : {};
    const [field, value] = r.pick([
      () => ['amount', { ...base, amount: r.pick([-1, 'x', 1.5]) }],
      () => ['period', { ...base, period: 'weeks' }],
      () => ['when', { ...base, when: 'during' }],
      () => ['offer', action === 'create' ? { amount: 1, period: 'days', when: 'before' } : { offer: null }],
      () => ['subject', { ...base, subject: 's'.repeat(999) }],
    ])();
    return { value, fields: [field] };
  };

  const cmRequest = () => {
    const uid = r.weighted([[4, r.pick(PLUGIN_UIDS)], [1, r.pick(HIDDEN_UIDS)]]);
    const identity = pickAdminIdentity();
    // Editors have the Content Manager's permissions on the plugin's visible types; the super
    // admin on every type (the hidden ledger and outbox included, for reading).
    const privileged = mayUseCm(identity, uid);
    const realOf = () => (uid.endsWith('.offer') ? realOffer() : uid.endsWith('.subscription') ? realSubscription() : uid.endsWith('notification-rule') ? realRule() : fakeDocId(r));
    const base = `/content-manager/collection-types/${uid}`;
    const action = r.weighted([[5, 'list'], [3, 'get'], [4, 'create'], [4, 'update'], [2, 'delete'], [1, 'bulkDelete'], [1, 'clone'], [1, 'publish'], [1, 'relations']]);
    const req = {
      family: 'content-manager',
      route: `${action} ${uid}`,
      kind: `cm:${action}`,
      identity: identity.name,
      headers: identity.authorization ? { authorization: identity.authorization } : {},
      authFail: !privileged,
    };
    // Writes that the identity may make are only ever invalid; none on the hidden types.
    const writable = privileged && !HIDDEN_UIDS.includes(uid);
    const setBody = (enc) => {
      req.headers['content-type'] = enc.contentType;
      req.body = enc.body;
    };
    if (action === 'list') {
      req.method = 'GET';
      req.path = `${base}?${V.hostileQuery(r, ['title', 'user', 'offer', 'status'])}`;
    } else if (action === 'get') {
      req.method = 'GET';
      req.path = `${base}/${r.chance(0.6) ? realOf() : hostileId(r)}${r.chance(0.5) ? `?${V.hostileQuery(r)}` : ''}`;
    } else if (action === 'relations') {
      req.method = 'GET';
      const field = r.pick(['user', 'offer', 'role', 'subscriptions', 'notificationRules', 'password', '__proto__']);
      req.path = r.chance(0.5)
        ? `/content-manager/relations/${uid}/${field}?${V.hostileQuery(r)}`
        : `/content-manager/relations/${uid}/${r.chance(0.5) ? realOf() : hostileId(r)}/${field}?${V.hostileQuery(r)}`;
    } else if (action === 'create' || action === 'update') {
      req.method = action === 'create' ? 'POST' : 'PUT';
      req.path = action === 'create' ? base : `${base}/${writable ? (r.chance(0.8) ? realOf() : fakeDocId(r)) : r.chance(0.7) ? realOf() : hostileId(r)}`;
      if (writable) {
        req.mustReject = true;
        const { value, fields } = poisonCm(uid, action, req.path.split('/').pop());
        // Hostile noise beside the poison: unknown keys, pollution keys, injections in text fields.
        if (r.chance(0.4)) Object.assign(value, V.randomObject(r, 1, r.int(1, 3)));
        if (r.chance(0.2)) Object.assign(value, V.pollution(r));
        if (r.chance(0.3) && uid.endsWith('.offer') && !('description' in value)) value.description = r.pick(V.INJECTIONS);
        req.fields = fields;
        setBody(privilegedBody(value));
      } else if (privileged) {
        // The super admin on the hidden ledger and outbox: invalid values, or records that do not exist.
        req.mustReject = true;
        if (action === 'update') req.path = `${base}/${fakeDocId(r)}`;
        setBody(json(uid.endsWith('payment-event') ? { outcome: r.pick(['bogus', "applied' --"]), reason: r.pick(V.INJECTIONS) } : { kind: 'bogus', status: 'bogus', to: 'attacker@example.com' }));
      } else {
        const valid = uid.endsWith('.offer')
          ? { title: 'Attacker offer', duration: 0, period: 'days', role: 1, level: 99 }
          : uid.endsWith('.subscription')
            ? { user: realUser(), offer: ids.offerIds[0], startsAt: '2020-01-01T00:00:00Z', endsAt: null }
            : uid.endsWith('notification-rule')
              ? { offer: ids.offerIds[0], amount: 1, period: 'days', when: 'before' }
              : { outcome: 'applied', reason: 'forged by an attacker', kind: 'test', status: 'sent' };
        setBody(r.chance(0.5) ? json(valid) : anyBody(r.chance(0.5) ? valid : V.randomObject(r)));
      }
    } else if (action === 'delete') {
      req.method = 'DELETE';
      req.path = `${base}/${writable ? hostileId(r) : r.chance(0.7) ? realOf() : hostileId(r)}`;
      if (writable) req.mustReject = true;
    } else if (action === 'bulkDelete') {
      req.method = 'POST';
      req.path = `${base}/actions/bulkDelete`;
      const documentIds = writable ? [fakeDocId(r), fakeDocId(r)] : [realOf(), realOf()];
      setBody(json(r.pick([{ documentIds }, { documentIds: { $ne: null } }, { documentIds: [] }, { ids: documentIds }, { documentIds: r.pick(V.SQL) }])));
      // A bulk delete of ids that do not exist may answer 200 {count:0}: nothing to reject.
    } else if (action === 'clone') {
      req.method = 'POST';
      req.path = `${base}/clone/${writable ? fakeDocId(r) : realOf()}`;
      setBody(json(writable ? poisonCm(uid, 'create').value : {}));
      if (writable) req.mustReject = true;
    } else {
      req.method = 'POST';
      const act = r.pick(['publish', 'unpublish', 'discard']);
      req.path = `${base}/${writable ? fakeDocId(r) : realOf()}/actions/${act}`;
      req.kind = `cm:${act}`;
      if (writable) req.mustReject = true;
    }
    if (!req.method) throw new Error('no method');
    return req;
  };

  // ---------------------------------------------------------------- content API and the plugin's policy
  const contentRequest = () => {
    const identity = pickContentIdentity();
    const [path, needsUser] = r.pick([
      ['/api/subscriptions/offers', false],
      ['/api/subscriptions/me', true],
      ['/api/member-content', true],
      ['/api/member-content/premium', true],
    ]);
    const method = r.weighted([[8, 'GET'], [1, 'POST'], [1, r.pick(['PUT', 'DELETE', 'PATCH'])]]);
    const isMember = [I.member, I.memberBob, I.memberCarol, I.memberErin].includes(identity);
    const req = {
      family: path.startsWith('/api/member-content') ? 'policy' : 'content-api',
      route: `${method} ${path}`,
      kind: `content:${method === 'GET' ? 'read' : 'other-method'}`,
      identity: identity.name,
      method,
      path: r.chance(0.5) ? `${path}?${V.hostileQuery(r)}` : path,
      headers: identity.authorization ? { authorization: identity.authorization } : {},
      // A route that needs a member refuses everyone else (an admin JWT is not a member's).
      authFail: method === 'GET' && needsUser && !isMember,
    };
    if (method !== 'GET') {
      const enc = anyBody(V.randomObject(r));
      req.headers['content-type'] = enc.contentType;
      req.body = enc.body;
    }
    return req;
  };

  /**
   * Fixed probes, in every run whatever the seed: inputs that once broke the plugin (regressions)
   * or that Strapi core itself answers badly (so that the failure is reported on every run, not
   * only when the generator happens to draw it).
   */
  const probes = () => {
    const deep = V.deepJson(10_000);
    const deepArray = `{"buyer_name":${V.deepJson(7000, 'array')},"checksum":"nope"}`;
    const auth = (identity) => (identity.authorization ? { authorization: identity.authorization } : {});
    const cm = (identity, method, path, body, extra) => ({
      family: 'content-manager',
      route: `${method === 'POST' ? 'create' : 'update'} ${path.split('/')[3]}`,
      kind: 'probe:cm-deep-json',
      identity: identity.name,
      method,
      path,
      headers: { ...auth(identity), 'content-type': 'application/json' },
      body,
      mustReject: true,
      ...extra,
    });
    const relations = (identity, uid, field) => ({
      family: 'content-manager',
      route: `relations ${uid}`,
      kind: 'probe:cm-relations-without-permission',
      identity: identity.name,
      method: 'GET',
      path: `/content-manager/relations/${uid}/${field}`,
      headers: auth(identity),
      authFail: true,
    });
    return [
      // The plugin's own routes (regressions: a 7,000-level array once overflowed the stack).
      { ...c2sRequest('probe-deep-array-7000', { body: deepArray, contentType: 'application/json', fieldsForCheck: ['buyer_name', 'checksum'] }) },
      { ...c2sRequest('probe-deep-array-7000-chunked', { body: deepArray, contentType: 'application/json' }), chunked: true },
      { ...c2sRequest('probe-deep-object-10000-chunked', { body: `{"buyer_name":${deep}}`, contentType: 'application/json' }), chunked: true },
      {
        family: 'admin', route: 'PUT /subscriptions/settings', kind: 'probe:admin-deep-json', identity: I.superAdmin.name, method: 'PUT', path: '/subscriptions/settings',
        headers: { ...auth(I.superAdmin), 'content-type': 'application/json' }, body: `{"templates":${deep}}`, mustReject: true, fields: ['templates'],
      },
      {
        family: 'admin', route: 'POST /subscriptions/offers/:offer/rules', kind: 'probe:admin-deep-json', identity: I.superAdmin.name, method: 'POST', path: `/subscriptions/offers/${realOffer()}/rules`,
        headers: { ...auth(I.superAdmin), 'content-type': 'application/json' }, body: `{"amount":${deep}}`, mustReject: true, fields: ['amount'],
      },
      // Strapi's Content Manager with the plugin's types.
      cm(I.superAdmin, 'POST', '/content-manager/collection-types/plugin::subscriptions.offer', `{"title":"Deep","duration":1,"period":"days","description":${deep}}`),
      cm(I.superAdmin, 'PUT', `/content-manager/collection-types/plugin::subscriptions.subscription/${realSubscription()}`, `{"endsAt":"2020-01-01T00:00:00Z","startsAt":"2030-01-01T00:00:00Z","x":${deep}}`),
      cm(I.editor, 'POST', '/content-manager/collection-types/plugin::subscriptions.notification-rule', `{"amount":-1,"period":"days","when":"before","offer":${ids.offerIds[0]},"x":${deep}}`),
      {
        family: 'content-manager', route: 'relations plugin::subscriptions.subscription', kind: 'probe:cm-relations-sort-unknown-field', identity: I.superAdmin.name, method: 'GET',
        path: '/content-manager/relations/plugin::subscriptions.subscription/offer?sort=password%3Adesc', headers: auth(I.superAdmin),
      },
      // A documentId given as an object (query operators) in a create: once a 500.
      { ...cm(I.superAdmin, 'POST', '/content-manager/collection-types/plugin::subscriptions.offer', '{"duration":1,"period":"days","documentId":{"$x":1,"$ne":null}}'), kind: 'probe:cm-documentid-object' },
      { ...cm(I.editor, 'POST', '/content-manager/collection-types/plugin::subscriptions.notification-rule', `{"amount":-1,"period":"days","when":"before","offer":${ids.offerIds[0]},"documentId":{"$gt":""}}`), kind: 'probe:cm-documentid-object' },
      {
        family: 'content-manager', route: 'list plugin::subscriptions.subscription', kind: 'probe:cm-list-search-array', identity: I.superAdmin.name, method: 'GET',
        path: '/content-manager/collection-types/plugin::subscriptions.subscription?_q=alice&_q=bob', headers: auth(I.superAdmin),
      },
      relations(I.noperm, 'plugin::subscriptions.offer', 'password'),
      relations(I.editor, 'plugin::subscriptions.payment-event', '__proto__'),
      { ...relations(I.editor, 'plugin::subscriptions.payment-event', `${fakeDocId(r)}/user`), kind: 'probe:cm-existing-relations-without-permission' },
      { ...relations(I.noperm, 'plugin::subscriptions.subscription', `${realSubscription()}/offer`), kind: 'probe:cm-existing-relations-without-permission' },
    ];
  };

  /** Wave 1: everything except forged checksums, the fixed probes among them. */
  const wave1 = (n) => {
    const fixed = probes();
    const out = [];
    n -= fixed.length;
    for (let i = 0; i < n; i += 1) {
      out.push(
        r.weighted([
          [34, c2sWave1],
          [33, adminRequest],
          [23, cmRequest],
          [10, contentRequest],
        ])()
      );
    }
    for (const probe of fixed) out.splice(r.int(0, out.length), 0, probe);
    return out;
  };

  return { wave1, c2sForged, c2sLockoutProbes };
};

module.exports = { createGenerator, notification, checksumFor, C2S_PATH, C2S_FIELDS, SETTINGS_FIELDS, PLUGIN_UIDS, HIDDEN_UIDS };
