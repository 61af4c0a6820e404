'use strict';

const crypto = require('crypto');

/**
 * Fresh random secrets for a throw-away run of the playground (tests, benchmarks), and the
 * switches that keep such a run quiet: no demo data, no cron, no set-password URL, no telemetry.
 */
const ephemeralEnv = () => {
  const secret = () => crypto.randomBytes(16).toString('base64');
  return {
    APP_KEYS: [secret(), secret()].join(','),
    API_TOKEN_SALT: secret(),
    ADMIN_JWT_SECRET: secret(),
    TRANSFER_TOKEN_SALT: secret(),
    JWT_SECRET: secret(),
    ENCRYPTION_KEY: secret(),
    SEED_DEMO_DATA: 'false',
    SUBSCRIPTIONS_CRON_ENABLED: 'false',
    PLAYGROUND_SET_PASSWORD_PAGE: 'false',
    STRAPI_TELEMETRY_DISABLED: 'true',
  };
};

module.exports = { ephemeralEnv };
