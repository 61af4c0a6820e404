'use strict';

const Database = require('better-sqlite3');

/** Every table of the SQLite file, each row as JSON keyed by its id (or by rowid). Read-only. */
const snapshot = (file) => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((t) => t.name);
    const out = new Map();
    const read = db.transaction(() => {
      for (const table of tables) {
        const columns = db.prepare(`PRAGMA table_info("${table}")`).all().map((c) => c.name);
        const key = columns.includes('id') ? 'id' : 'rowid';
        const rows = db.prepare(`SELECT ${key === 'rowid' ? 'rowid AS __rowid, ' : ''}* FROM "${table}" ORDER BY ${key}`).all();
        const map = new Map();
        for (const row of rows) {
          const k = key === 'id' ? row.id : row.__rowid;
          delete row.__rowid;
          map.set(String(k), { row, json: JSON.stringify(row, (_, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v)) });
        }
        out.set(table, map);
      }
    });
    read();
    return out;
  } finally {
    db.close();
  }
};

/** Rows added, removed and changed, table by table. */
const diff = (before, after) => {
  const changes = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(table);
    const b = after.get(table);
    if (!a) {
      changes.push({ table, type: 'table-added', rows: b.size });
      continue;
    }
    if (!b) {
      changes.push({ table, type: 'table-removed', rows: a.size });
      continue;
    }
    for (const [k, v] of b) {
      const old = a.get(k);
      if (!old) changes.push({ table, type: 'added', key: k, row: v.row });
      else if (old.json !== v.json) changes.push({ table, type: 'changed', key: k, before: old.row, row: v.row });
    }
    for (const [k, v] of a) if (!b.has(k)) changes.push({ table, type: 'removed', key: k, row: v.row });
  }
  return changes;
};

/** Selected rows of a table, read-only (e.g. password hashes, to search responses for). */
const query = (file, sql) => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
};

module.exports = { snapshot, diff, query };
