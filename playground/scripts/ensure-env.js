'use strict';

/**
 * Writes playground/.env with fresh random secrets on first run, so a fresh clone boots
 * without anyone copying secrets around (and none are committed).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const file = path.resolve(__dirname, '..', '.env');
if (!fs.existsSync(file)) {
  const secret = () => crypto.randomBytes(16).toString('base64');
  const lines = [
    'HOST=0.0.0.0',
    'PORT=1337',
    `APP_KEYS=${[secret(), secret(), secret(), secret()].join(',')}`,
    `API_TOKEN_SALT=${secret()}`,
    `ADMIN_JWT_SECRET=${secret()}`,
    `TRANSFER_TOKEN_SALT=${secret()}`,
    `JWT_SECRET=${secret()}`,
    `ENCRYPTION_KEY=${secret()}`,
    '',
  ];
  fs.writeFileSync(file, lines.join('\n'), { mode: 0o600 });
  console.log('playground: wrote .env with fresh secrets');
}
