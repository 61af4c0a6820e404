import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { joinTableOf, type JoinTable } from '../database/links';

/**
 * Plain statements for the hot paths (a re-bill, a scheduler page, the outbox, `/me`), where
 * Strapi's query layer costs a statement per relation and re-reads every row it writes. Rows are
 * mapped back to what `strapi.db.query` returns (attribute names, ISO date strings, numbers), so
 * callers and event payloads see the same shapes either way.
 */

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export const dialectOf = (strapi: Core.Strapi): Dialect => {
  const client = strapi.db.dialect.client as string;
  if (client === 'sqlite' || client === 'better-sqlite3') return 'sqlite';
  if (client === 'postgres' || client === 'pg') return 'postgres';
  return 'mysql';
};

type Knex = Core.Strapi['db']['connection'];

/**
 * Runs plain statements on the current transaction's connection when there is one (a statement
 * on the pool would run outside it: unlocked, and on SQLite waiting for the one connection the
 * transaction holds), else on the pool without opening a transaction.
 */
export const run = async <T>(strapi: Core.Strapi, work: (knex: Knex) => PromiseLike<T>): Promise<T> =>
  strapi.db.inTransaction()
    ? ((await strapi.db.transaction(async ({ trx }) => work(trx as unknown as Knex))) as T)
    : work(strapi.db.connection);

/** INSERT/UPDATE … RETURNING: PostgreSQL and SQLite (3.35+); not MySQL. */
export const hasReturning = (strapi: Core.Strapi) => dialectOf(strapi) !== 'mysql';

interface Column {
  attribute: string;
  column: string;
  type: string;
}

/**
 * A cache of values worked out from a Strapi instance's metadata, which does not change while it
 * runs: one map per instance (tests boot several), filled on first use.
 */
const perStrapi = <T>() => {
  const caches = new WeakMap<object, Map<string, T>>();
  return (strapi: Core.Strapi, key: string, make: () => T): T => {
    let cache = caches.get(strapi);
    if (!cache) {
      cache = new Map();
      caches.set(strapi, cache);
    }
    let value = cache.get(key);
    if (value === undefined) {
      value = make();
      cache.set(key, value);
    }
    return value;
  };
};

const columnsCache = perStrapi<Column[]>();

/** The scalar attributes of a content type with their columns (relations live in link tables). */
export const scalarColumns = (strapi: Core.Strapi, uid: string): Column[] =>
  columnsCache(strapi, uid, () => {
    const meta = strapi.db.metadata.get(uid as never) as unknown as { attributes: Record<string, any> };
    const columns: Column[] = [];
    for (const [attribute, spec] of Object.entries(meta.attributes)) {
      if (spec.type === 'relation' || spec.type === 'component' || spec.type === 'dynamiczone' || spec.type === 'media') continue;
      columns.push({ attribute, column: spec.columnName ?? attribute, type: spec.type });
    }
    return columns;
  });

export const tableOf = (strapi: Core.Strapi, uid: string): string => strapi.db.metadata.get(uid as never).tableName;

const indexCache = perStrapi<Map<string, Column>>();

/** The scalar columns of a content type by attribute name (cached: the hot paths look up per row). */
export const columnIndex = (strapi: Core.Strapi, uid: string): Map<string, Column> =>
  indexCache(strapi, uid, () => new Map(scalarColumns(strapi, uid).map((c) => [c.attribute, c])));

export const columnOf = (strapi: Core.Strapi, uid: string, attribute: string): string => {
  const found = columnIndex(strapi, uid).get(attribute);
  if (!found) throw new Error(`${uid} has no column for ${attribute}`);
  return found.column;
};

export const linkOf = (strapi: Core.Strapi, uid: string, attribute: string): JoinTable => joinTableOf(strapi, uid, attribute);

/** `alias.column as prefix__attribute` for every scalar attribute (or the ones named). */
export const selectAs = (strapi: Core.Strapi, uid: string, alias: string, prefix: string, only?: readonly string[]): string[] =>
  scalarColumns(strapi, uid)
    .filter((c) => !only || only.includes(c.attribute))
    .map((c) => `${alias}.${c.column} as ${prefix}__${c.attribute}`);

/** A value as Strapi's field type returns it (dates as ISO strings, booleans, numbers, JSON). */
const fromDb = (type: string, value: unknown): unknown => {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'datetime':
    case 'timestamp': {
      const date = value instanceof Date ? value : new Date(value as string | number);
      return Number.isNaN(date.getTime()) ? null : date.toISOString();
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 1 || value === '1' || value === 'true' || value === 't';
    case 'integer':
    case 'float':
    case 'decimal':
      return typeof value === 'number' ? value : Number(value);
    case 'json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
};

const extractorCache = perStrapi<{ id: string; fields: [string, string, string][] }>();

/** The row keys an entity under `prefix__` is read from, with their attributes and types (cached). */
const extractorOf = (strapi: Core.Strapi, uid: string, prefix: string, only?: readonly string[]) =>
  extractorCache(strapi, `${uid}|${prefix}|${only ? only.join(',') : '*'}`, () => ({
    id: `${prefix}__id`,
    fields: scalarColumns(strapi, uid)
      .filter((c) => !only || only.includes(c.attribute))
      .map((c): [string, string, string] => [`${prefix}__${c.attribute}`, c.attribute, c.type]),
  }));

/** The entity under `prefix__` in a joined row; null when its id is null (an outer join found none). */
export const entityFrom = <T = Record<string, unknown>>(strapi: Core.Strapi, uid: string, row: Record<string, unknown>, prefix: string, only?: readonly string[]): T | null => {
  const { id, fields } = extractorOf(strapi, uid, prefix, only);
  if (row[id] === null || row[id] === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [key, attribute, type] of fields) {
    if (key in row) out[attribute] = fromDb(type, row[key]);
  }
  return out as T;
};

/** A value for a JSON column, as Strapi writes it. */
export const jsonValue = (value: unknown) => JSON.stringify(value ?? null);

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Random bytes drawn 24 at a time from a buffer filled 1,000 ids at a time (a page of history rows costs one system call, not 1,000). */
const randomPool = { bytes: Buffer.alloc(0), offset: 0 };

/**
 * A document id like the ones Strapi gives (24 lower-case letters and digits, starting with a
 * letter): rows written here stay addressable by the Document Service and the Content Manager.
 */
export const newDocumentId = (): string => {
  if (randomPool.offset + 24 > randomPool.bytes.length) {
    randomPool.bytes = crypto.randomBytes(24 * 1024);
    randomPool.offset = 0;
  }
  const bytes = randomPool.bytes;
  const at = randomPool.offset;
  randomPool.offset += 24;
  let id = ALPHABET[bytes[at] % 26];
  for (let i = 1; i < 24; i += 1) id += ALPHABET[bytes[at + i] % 36];
  return id;
};

const creationCache = perStrapi<{ documentId: string; createdAt: string; updatedAt: string; publishedAt: string | null }>();

/** The columns Strapi's create writes on every row besides the attributes (ids, timestamps). */
export const creationColumns = (strapi: Core.Strapi, uid: string, at = new Date()): Record<string, unknown> => {
  const names = creationCache(strapi, uid, () => ({
    documentId: columnOf(strapi, uid, 'documentId'),
    createdAt: columnOf(strapi, uid, 'createdAt'),
    updatedAt: columnOf(strapi, uid, 'updatedAt'),
    publishedAt: columnIndex(strapi, uid).has('publishedAt') ? columnOf(strapi, uid, 'publishedAt') : null,
  }));
  const out: Record<string, unknown> = { [names.documentId]: newDocumentId(), [names.createdAt]: at, [names.updatedAt]: at };
  if (names.publishedAt) out[names.publishedAt] = at;
  return out;
};

/** Attribute names → column names for a write. */
export const toColumns = (strapi: Core.Strapi, uid: string, data: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const columns = columnIndex(strapi, uid);
  for (const attribute in data) {
    const value = data[attribute];
    if (value === undefined) continue;
    const c = columns.get(attribute);
    if (!c) throw new Error(`${uid} has no column for ${attribute}`);
    out[c.column] = c.type === 'json' && value !== null ? jsonValue(value) : value;
  }
  return out;
};

/** Bound parameters one statement may carry (SQLite's default limit is 32,766; the others 65,535). */
export const MAX_BINDINGS = { sqlite: 32_000, postgres: 65_000, mysql: 65_000 } as const;

/** A table or column name quoted for the connection's dialect, for statements built here. */
export const quoted = (knex: Knex, name: string): string => knex.raw('??', [name]).toQuery();

/** A column's PostgreSQL array type, for `INSERT … SELECT * FROM unnest($1::type[], …)`. */
const PG_ARRAY_TYPES: Record<string, string> = {
  datetime: 'timestamp[]',
  timestamp: 'timestamp[]',
  date: 'date[]',
  time: 'time[]',
  integer: 'integer[]',
  biginteger: 'bigint[]',
  float: 'double precision[]',
  decimal: 'numeric[]',
  boolean: 'boolean[]',
  json: 'jsonb[]',
};

/**
 * PostgreSQL's bulk insert: `INSERT INTO table (columns) SELECT * FROM unnest(one array per
 * column)`: one bound parameter per column whatever the number of rows, where a multi-row VALUES
 * list costs a parameter per value to number, send and parse (2.3× slower for 2,000 history rows
 * here). `rows` are column values in the order of `columns`; `suffix` follows the SELECT
 * (`ON CONFLICT … RETURNING …`). Returns the statement and its bindings for `knex.raw`.
 */
export const pgUnnestInsert = (
  strapi: Core.Strapi,
  uid: string,
  knex: Knex,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  suffix = ''
): { sql: string; bindings: unknown[][] } => {
  const types = new Map(scalarColumns(strapi, uid).map((c) => [c.column, c.type]));
  const quote = (name: string) => quoted(knex, name);
  const casts = columns.map((c) => `?::${PG_ARRAY_TYPES[types.get(c) ?? ''] ?? 'text[]'}`);
  return {
    sql: `INSERT INTO ${quote(tableOf(strapi, uid))} (${columns.map(quote).join(', ')}) SELECT * FROM unnest(${casts.join(', ')})${suffix}`,
    bindings: columns.map((_c, k) => rows.map((row) => (row[k] === undefined ? null : row[k]))),
  };
};

/**
 * `column = value` as a check on rows already picked by their ids (`id IN (…) AND status = ?`).
 * On SQLite the column is written `+column`, which keeps its index out of the plan: without
 * statistics SQLite preferred the (status, date) index to the ids, and walked every active row
 * for each page of a sweep (1.9 s of a 4.7 s sweep of 10,000 due among 1,000,000 rows).
 */
export const checkColumn = (strapi: Core.Strapi, knex: Knex, column: string, value: unknown) =>
  dialectOf(strapi) === 'sqlite' ? knex.raw('+?? = ?', [column, value as never]) : knex.raw('?? = ?', [column, value as never]);

/** Rows per multi-row statement: SQLite writes a multi-row insert as a compound SELECT (500 terms at most). */
export const CHUNK = 200;

export const chunks = <T>(items: readonly T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
