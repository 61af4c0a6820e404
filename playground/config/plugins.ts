import fs from 'fs';
import net from 'net';
import path from 'path';
import type { Core } from '@strapi/strapi';

/**
 * The playground's folder, and the plugin's (the repository root). Strapi reads this file twice:
 * compiled, from dist/config/ (the server), and as source, from config/ (`strapi build` listing
 * the plugins whose admin panel it bundles).
 */
const PLAYGROUND = path.resolve(__dirname, path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..');
const PLUGIN = path.resolve(PLAYGROUND, '..');

/**
 * nodemailer's SMTP sockets keep Nagle's algorithm on: the final "." of each message can wait
 * for the server's acknowledgement of the previous packet (up to ~40 ms). With it off, a message
 * is recorded as sent sooner after the server accepted it, which narrows the window in which a
 * killed process leaves a delivered message to be sent again (measured by `npm run faults`).
 * Plain or STARTTLS connections only; `SMTP_SECURE=true` keeps nodemailer's own socket.
 */
const noDelaySocket = (
  options: { host?: string; port?: number },
  callback: (error: Error | null, info?: { connection?: net.Socket }) => void
) => {
  // nodemailer (pooled or not) uses only a socket already connected, handed back as `connection`;
  // it ignores a `{ socket }` answer and then connects on its own, with Nagle's algorithm on.
  // A connection that fails is handed back as "no socket": nodemailer then connects on its own
  // and meets the same error through its own path, which drops the pool's slot. An error passed to
  // this callback instead fails the message but leaves the pool slot taken for good: after five
  // refused connections (an SMTP server down) the pool never sends again and every later send
  // waits forever (found by the fault suite's smtp-down scenario).
  const fallBack = () => callback(null, {});
  const socket = net.connect(options.port ?? 25, options.host ?? 'localhost', () => {
    socket.removeListener('error', fallBack);
    socket.setNoDelay(true);
    callback(null, { connection: socket });
  });
  socket.once('error', fallBack);
};

/**
 * E-mail: a real SMTP server when SMTP_HOST/SMTP_PORT are set; otherwise every message is saved
 * as a file under playground/.tmp/mails/ and announced in the log (without its text: a welcome
 * e-mail carries a one-time link, which is a secret and stays out of logs).
 */
const MAIL_DIR = path.join(PLAYGROUND, '.tmp', 'mails');

interface SentMail {
  data: { from?: unknown; to?: unknown; subject?: string; text?: unknown; messageId?: string };
  message: { getEnvelope(): unknown };
}

const fileTransport = {
  name: 'playground-files',
  version: '1.0.0',
  send(mail: SentMail, callback: (error: Error | null, info?: { envelope: unknown; messageId: string }) => void) {
    const { from, to, subject, text } = mail.data;
    const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
    const messageId = mail.data.messageId || `<${stamp}@playground.local>`;
    const file = path.join(MAIL_DIR, `${stamp}.txt`);
    try {
      fs.mkdirSync(MAIL_DIR, { recursive: true });
      fs.writeFileSync(file, `From: ${from}\nTo: ${to}\nSubject: ${subject}\nMessage-ID: ${messageId}\n\n${text || ''}\n`);
    } catch (error) {
      return callback(error as Error);
    }
    process.stdout.write(`[playground e-mail] to=${to} subject=${JSON.stringify(subject)} saved to ${path.relative(process.cwd(), file)}\n`);
    callback(null, { envelope: mail.message.getEnvelope(), messageId });
  },
};

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({
  subscriptions: {
    enabled: true,
    resolve: PLUGIN,
    config: {
      cron: {
        enabled: env.bool('SUBSCRIPTIONS_CRON_ENABLED', true),
        rule: env('SUBSCRIPTIONS_CRON_RULE', '*/1 * * * *'),
      },
      click2sell: {
        failedChecksumLimit: env.int('SUBSCRIPTIONS_C2S_FAILED_CHECKSUM_LIMIT', 20),
        malformedPerMinute: env.int('SUBSCRIPTIONS_C2S_MALFORMED_PER_MINUTE', 300),
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
            ...(env.bool('SMTP_SECURE', false) ? {} : { getSocket: noDelaySocket }),
          }
        : fileTransport,
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

export default config;
