'use strict';

/**
 * Writes playground/.env with fresh random secrets on first run (and adds any that a newer
 * version needs), so a fresh clone boots without anyone copying secrets around. Nothing here
 * is committed.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const file = path.resolve(__dirname, '..', '.env');
const secret = () => crypto.randomBytes(16).toString('base64');
const wanted = {
  HOST: () => '0.0.0.0',
  PORT: () => '1337',
  APP_KEYS: () => [secret(), secret(), secret(), secret()].join(','),
  API_TOKEN_SALT: secret,
  ADMIN_JWT_SECRET: secret,
  TRANSFER_TOKEN_SALT: secret,
  JWT_SECRET: secret,
  ENCRYPTION_KEY: secret,
  // The demo's Click2Sell secret key (admins can replace it in Settings → Subscriptions).
  CLICK2SELL_SECRET_KEY: () => crypto.randomBytes(12).toString('hex'),
};

const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
const present = new Set(existing.split('\n').map((line) => line.split('=')[0].trim()));
const missing = Object.keys(wanted).filter((key) => !present.has(key));
if (missing.length > 0) {
  const lines = missing.map((key) => `${key}=${wanted[key]()}`);
  const prefix = existing && !existing.endsWith('\n') ? '\n' : '';
  fs.writeFileSync(file, existing + prefix + lines.join('\n') + '\n', { mode: 0o600 });
  console.log(`playground: wrote ${missing.length} new secret(s) to .env`);
}
