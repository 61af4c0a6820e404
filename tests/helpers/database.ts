import fs from 'fs';
import path from 'path';
import crypto from 'crypto';

export type Client = 'sqlite' | 'postgres' | 'mysql';

export const databaseClient = (): Client => {
  const raw = (process.env.DATABASE_CLIENT || 'sqlite').toLowerCase();
  if (raw === 'mariadb' || raw === 'mysql') return 'mysql';
  if (raw === 'postgres' || raw === 'postgresql' || raw === 'pg') return 'postgres';
  if (raw === 'sqlite') return 'sqlite';
  throw new Error(`DATABASE_CLIENT must be sqlite, postgres, mysql or mariadb (got ${raw})`);
};

/**
 * A fresh, empty database for one test file: a new SQLite file, or a new PostgreSQL/MariaDB
 * database named after the worker and file. Returns the env vars the playground reads.
 */
export const freshDatabase = async (label: string): Promise<Record<string, string>> => {
  const client = databaseClient();
  const worker = process.env.JEST_WORKER_ID ?? '0';
  // The checkout's path is part of the name: several checkouts may test on one server at once.
  const suffix = crypto.createHash('sha1').update(`${__dirname}|${label}`).digest('hex').slice(0, 10);
  const name = `subs_t${worker}_${suffix}`;
  if (client === 'sqlite') {
    const dir = path.resolve(__dirname, '..', '..', 'playground', '.tmp', 'tests');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.db`);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    return { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: file };
  }
  if (client === 'postgres') {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Client: PgClient } = require('pg');
    const admin = new PgClient({
      host: process.env.DATABASE_HOST || '127.0.0.1',
      port: Number(process.env.DATABASE_PORT || 5432),
      user: process.env.DATABASE_USERNAME || 'postgres',
      password: process.env.DATABASE_PASSWORD || '',
      database: 'postgres',
    });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      DATABASE_CLIENT: 'postgres',
      DATABASE_NAME: name,
      DATABASE_USERNAME: process.env.DATABASE_USERNAME || 'postgres',
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mysql = require('mysql2/promise');
  const conn = await mysql.createConnection({
    host: process.env.DATABASE_HOST || '127.0.0.1',
    port: Number(process.env.DATABASE_PORT || 3306),
    user: process.env.DATABASE_USERNAME || 'root',
    password: process.env.DATABASE_PASSWORD || '',
  });
  await conn.query(`DROP DATABASE IF EXISTS ${name}`);
  await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  return { DATABASE_CLIENT: 'mysql', DATABASE_NAME: name, DATABASE_USERNAME: process.env.DATABASE_USERNAME || 'root' };
};
