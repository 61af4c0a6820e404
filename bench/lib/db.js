'use strict';

const fs = require('fs');
const path = require('path');

/** A fresh database per run: a new SQLite file or a new PostgreSQL database. */
const freshDatabase = async (client, name) => {
  if (client === 'sqlite') {
    const dir = path.resolve(__dirname, '..', '..', 'playground', '.tmp', 'bench');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.db`);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    return { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: file };
  }
  if (client === 'postgres') {
    const { Client } = require('pg');
    const admin = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return { DATABASE_CLIENT: 'postgres', DATABASE_NAME: name, DATABASE_USERNAME: 'postgres', DATABASE_POOL_MAX: '20' };
  }
  throw new Error(`unsupported database ${client}`);
};

const postgresReachable = async () => {
  try {
    const { Client } = require('pg');
    const c = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
};

module.exports = { freshDatabase, postgresReachable };
