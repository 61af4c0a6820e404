'use strict';

const path = require('path');

/**
 * E-mail: a real SMTP server when SMTP_HOST/SMTP_PORT are set; otherwise every message is
 * written to the log, so the playground works on a machine with no mail server.
 */
const logTransport = {
  name: 'playground-log',
  version: '1.0.0',
  send(mail, callback) {
    const { from, to, subject, text } = mail.data;
    const messageId = `<${Date.now()}.${Math.random().toString(36).slice(2)}@playground.local>`;
    process.stdout.write(
      `[playground e-mail] from=${from} to=${to} subject=${JSON.stringify(subject)}\n${text || ''}\n`
    );
    callback(null, { envelope: mail.message.getEnvelope(), messageId });
  },
};

module.exports = ({ env }) => ({
  subscriptions: {
    enabled: true,
    resolve: path.resolve(__dirname, '..', '..'),
    config: {
      cron: {
        enabled: env.bool('SUBSCRIPTIONS_CRON_ENABLED', true),
        rule: env('SUBSCRIPTIONS_CRON_RULE', '*/1 * * * *'),
      },
    },
  },
  email: {
    config: {
      provider: 'nodemailer',
      providerOptions: env('SMTP_HOST')
        ? {
            host: env('SMTP_HOST'),
            port: env.int('SMTP_PORT', 25),
            secure: env.bool('SMTP_SECURE', false),
            ignoreTLS: env.bool('SMTP_IGNORE_TLS', true),
            ...(env('SMTP_USERNAME')
              ? { auth: { user: env('SMTP_USERNAME'), pass: env('SMTP_PASSWORD') } }
              : {}),
            pool: env.bool('SMTP_POOL', true),
          }
        : logTransport,
      settings: {
        defaultFrom: env('EMAIL_FROM', 'members@example.com'),
        defaultReplyTo: env('EMAIL_REPLY_TO', 'members@example.com'),
      },
    },
  },
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET'),
      ratelimit: { enabled: env.bool('USERS_PERMISSIONS_RATELIMIT', true) },
    },
  },
});
