'use strict';

const qs = require('qs');

/** encodeURIComponent that never throws: lone surrogates become U+FFFD. */
const enc = (value) => encodeURIComponent(String(value).toWellFormed());

/** Injection shapes: SQL, script/template, path, header, encodings. */
const SQL = [
  "' OR 1=1 --",
  "1; DROP TABLE subscriptions_subscriptions; --",
  "1' UNION SELECT password FROM up_users --",
  "'; DELETE FROM admin_users; --",
  '" OR ""="',
  "admin'--",
  "' OR '1'='1' /*",
  '1) OR (1=1',
  "'; SELECT pg_sleep(5); --",
  "1 AND SLEEP(5)",
  "\\'; DROP TABLE up_users; --",
  '%27%20OR%201%3D1',
];
const SCRIPT = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '<svg/onload=alert(document.cookie)>',
  "{{constructor.constructor('return process.env')()}}",
  '${process.env.JWT_SECRET}',
  '{{7*7}}',
  '<%= process.env.ADMIN_JWT_SECRET %>',
  '#{7*7}',
  '{{#each this}}{{@key}}{{/each}}',
];
const OTHER = [
  '../../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\uffff',
  'a\r\nX-Injected: 1',
  '\u202eevil',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9'.repeat(400),
  'true',
  'null',
  'undefined',
  '[object Object]',
  '__proto__',
  'constructor',
  '🙂'.repeat(80),
  '%00',
  '%ff%fe',
  "'".repeat(300),
  ' ',
  '',
];
const INJECTIONS = [...SQL, ...SCRIPT];
const STRINGS = [...SQL, ...SCRIPT, ...OTHER];

/** A random string of random code points, control characters and lone surrogates included. */
const randomText = (r, max = 40) => {
  const n = r.int(0, max);
  let s = '';
  for (let i = 0; i < n; i += 1) {
    const kind = r.int(0, 9);
    if (kind < 5) s += String.fromCharCode(r.int(0x20, 0x7e));
    else if (kind < 6) s += String.fromCharCode(r.int(0, 0x1f));
    else if (kind < 7) s += String.fromCharCode(r.int(0xd800, 0xdfff));
    else if (kind < 8) s += String.fromCodePoint(r.int(0x80, 0x2fff));
    else s += String.fromCodePoint(r.int(0x1f300, 0x1f64f));
  }
  return s;
};

/** Any JSON value, nested up to `depth`. */
const randomValue = (r, depth = 2) => {
  const kind = r.int(0, 11);
  if (kind <= 3) return r.pick(STRINGS);
  if (kind === 4) return randomText(r);
  if (kind === 5) return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296, 7]);
  if (kind === 6) return r.pick([true, false, null]);
  if (kind === 7) return 'x'.repeat(r.int(256, 3000));
  if (kind === 8 && depth > 0) return Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth - 1));
  if (kind === 9 && depth > 0) return randomObject(r, depth - 1, r.int(0, 4));
  if (kind === 10) return { $ne: null };
  return r.pick(INJECTIONS);
};

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', '$where', '$ne', 'id', 'documentId', 'isAdmin', 'role', 'password', 'toString', 'hasOwnProperty', 'a.b', '[]', '', ' '];

/** A null-prototype object, so that keys such as `__proto__` stay plain own keys when serialised. */
const dict = (entries) => {
  const o = Object.create(null);
  for (const [k, v] of entries) o[k] = v;
  return o;
};

const randomObject = (r, depth = 2, keys = r.int(0, 8), known = []) => {
  const entries = [];
  for (let i = 0; i < keys; i += 1) {
    const key = r.weighted([
      [known.length ? 5 : 0, () => r.pick(known)],
      [2, () => r.pick(HOSTILE_KEYS)],
      [2, () => randomText(r, 12)],
    ])();
    entries.push([key, randomValue(r, depth)]);
  }
  return dict(entries);
};

/** Prototype-pollution shapes, as JSON objects. */
const pollution = (r) =>
  r.pick([
    () => dict([['__proto__', dict([['isAdmin', true], ['polluted', 'yes']])]]),
    () => dict([['constructor', dict([['prototype', dict([['polluted', 'yes']])]])]]),
    () => dict([['__proto__', dict([['toString', 'x']])], ['constructor', 'x']]),
    () => dict([['prototype', dict([['polluted', 1]])]]),
  ])();

/** Nested `{"a":{"a":…}}` or `[[[…]]]` as text (never built as an object: too deep for JSON.stringify). */
const deepJson = (depth, style = 'object', leaf = '"x"') =>
  style === 'object' ? '{"a":'.repeat(depth) + leaf + '}'.repeat(depth) : '['.repeat(depth) + leaf + ']'.repeat(depth);

/** Invalid UTF-8 byte sequences (lone continuation, overlong, surrogate, beyond U+10FFFF, truncated). */
const BAD_BYTES = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc3],
  [0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];
const BAD = '@@BAD@@';
/** Replaces each BAD marker in `text` (already serialised) by an invalid byte sequence. */
const withBadBytes = (r, text, marker = BAD) =>
  Buffer.concat(text.split(marker).flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from(r.pick(BAD_BYTES)), Buffer.from(part)])));

const encodeJson = (value) => JSON.stringify(value);
const encodeForm = (value) => qs.stringify(value, { encodeValuesOnly: false, allowDots: false });

const multipart = (r, fields, file) => {
  const boundary = `----hostile${r.alnum(16)}`;
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${String(k).replace(/["\r\n]/g, '_')}"\r\n\r\n${text}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`),
      file.content,
      Buffer.from('\r\n')
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
};

/** Query strings that attack Strapi's qs parsing, filters, sorting, population and pagination. */
const hostileQuery = (r, known = []) => {
  const pieces = [];
  const n = r.int(1, 4);
  for (let i = 0; i < n; i += 1) {
    pieces.push(
      r.pick([
        () => `filters[$or][0][title][$contains]=${enc(r.pick(SQL))}`,
        () => `filters[user][password][$startsWith]=${enc('$2a$10$')}`,
        () => `filters[user][resetPasswordToken][$notNull]=true`,
        () => `filters[$where]=${enc('1=1')}`,
        () => `filters[id][$in]=${Array.from({ length: 150 }, (_, j) => j).join(',')}`,
        () => Array.from({ length: 150 }, (_, j) => `filters[id][$in][${j}]=${j}`).join('&'),
        () => `filters${'[a]'.repeat(r.int(10, 40))}=1`,
        () => `filters[$and][0][$or][0][$not][$and][0][offer][notificationRules][offer][subscriptions][user][email][$eq]=${enc(r.pick(SQL))}`,
        () => `sort=${enc(r.pick(['id;DROP TABLE up_users', 'password:asc', 'title:sideways', 'user.password:asc', '__proto__:asc', "title' --"]))}`,
        () => `sort[0]=${enc(r.pick(['password:desc', 'id:asc,title:desc', '']))}`,
        () => `populate=${r.pick(['*', 'user', 'user.role', '**', 'deep'])}`,
        () => `populate[user][populate][role][populate]=*`,
        () => `populate[offer][populate][subscriptions][populate][user][fields][0]=password`,
        () => `fields[0]=${r.pick(['password', 'resetPasswordToken', 'buyerName', 'anchorDay', '*'])}`,
        () => `page=${r.pick(['-1', '0', '1e308', 'abc', '99999999999999999999', '1.5', ''])}`,
        () => `pageSize=${r.pick(['-1', '0', '100000', 'NaN', '1e3', '101'])}`,
        () => `pagination[pageSize]=${r.pick(['1000000', '-5', 'x'])}&pagination[page]=${r.pick(['0', '-1', '1e9'])}`,
        () => `page[$gt]=1&pageSize[]=10&pageSize[]=20`,
        () => `_q=${enc(r.pick(STRINGS))}`,
        () => `search=${enc(r.pick([...SQL, ...SCRIPT, 'x'.repeat(300), '%', '_', '\\']))}`,
        () => `search[$ne]=x`,
        () => `list=${enc(r.pick(['active', 'bogus', "all' OR 1=1", '']))}`,
        () => `list[]=active&list[]=ended`,
        () => `status=${enc(r.pick(['active', 'deleted', "active' --", '']))}`,
        () => `source=${enc(r.pick(['click2sell', 'evil']))}`,
        () => `offer=${enc(r.pick(['1', "x' OR 1=1 --", '__proto__', 'a'.repeat(300)]))}`,
        () => `from=${enc(r.pick(['2026-13-45', 'yesterday', '0', '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:01Z']))}&to=${enc(r.pick(['not-a-date', '2020-01-01']))}`,
        () => `kind=${enc(r.pick(['reminder', 'spam']))}&subscription=${enc(r.pick(['1', '-1', 'x', '1e400']))}`,
        () => `outcome=${enc(r.pick(['rejected', 'evil']))}`,
        () => `locale=${enc(r.pick(["' OR 1=1", 'xx', 'en']))}&status=${r.pick(['draft', 'published', 'x'])}`,
        () => `__proto__[polluted]=yes&constructor[prototype][polluted]=yes`,
        () => `a=${'%ff%fe'}&b=%E0%80%AF&c=%`,
        () => `${enc(r.pick(known.length ? known : ['x']))}=${enc(randomText(r))}`,
        () => `x=${'y'.repeat(r.int(2000, 6000))}`,
      ])()
    );
  }
  // Node refuses a request line and headers over 16 KB with a bare 431: stay well under it.
  while (pieces.length > 1 && pieces.join('&').length > 8000) pieces.pop();
  return pieces.join('&').slice(0, 8000);
};

module.exports = {
  enc,
  SQL,
  SCRIPT,
  INJECTIONS,
  STRINGS,
  BAD,
  randomText,
  randomValue,
  randomObject,
  dict,
  pollution,
  deepJson,
  withBadBytes,
  encodeJson,
  encodeForm,
  multipart,
  hostileQuery,
};
