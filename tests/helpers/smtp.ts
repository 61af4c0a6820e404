import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'net';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

const decodeQ = (s: string) =>
  Buffer.from(
    s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1'
  ).toString('utf8');

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=), as nodemailer writes non-ASCII subjects. */
const decodeWords = (value: string) =>
  value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, enc: string, body: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(body, 'base64').toString('utf8') : decodeQ(body)
    );

const decodeQuotedPrintable = (s: string) =>
  Buffer.from(
    s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1'
  ).toString('utf8');

const splitHead = (part: string): { headers: Record<string, string>; body: string } => {
  const index = part.search(/\r?\n\r?\n/);
  const head = index === -1 ? part : part.slice(0, index);
  const body = index === -1 ? '' : part.slice(index).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
};

const decodeBody = (headers: Record<string, string>, body: string) => {
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
};

/** A small MIME reader: enough for what nodemailer sends (text, html, multipart/alternative). */
export const parseMail = (raw: string, envelope: { from: string; to: string[] }): ReceivedMail => {
  const { headers, body } = splitHead(raw);
  const mail: ReceivedMail = { from: envelope.from, to: envelope.to, subject: decodeWords(headers.subject ?? ''), text: '', html: '', raw };
  const visit = (h: Record<string, string>, b: string) => {
    const type = (h['content-type'] ?? 'text/plain').toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(h['content-type'] ?? '')?.[1];
    if (type.startsWith('multipart/') && boundary) {
      for (const part of b.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const child = splitHead(part.replace(/^\r?\n/, ''));
        visit(child.headers, child.body);
      }
      return;
    }
    if (type.startsWith('text/html')) mail.html += decodeBody(h, b);
    else if (type.startsWith('text/plain')) mail.text += decodeBody(h, b);
  };
  visit(headers, body);
  return mail;
};

/**
 * A real SMTP server in the test process. `failing` makes it refuse every message (the plugin
 * must record the failure and retry later); `received` holds what was accepted.
 */
export const startSmtp = async () => {
  const received: ReceivedMail[] = [];
  const state = { failing: false };
  const waiters: { address: string; resolve: (mail: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (state.failing) {
          const error = new Error('mailbox unavailable (test)') as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
          return;
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        const mail = parseMail(Buffer.concat(chunks).toString('utf8'), envelope);
        received.push(mail);
        for (const waiter of waiters.filter((w) => mail.to.includes(w.address))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(mail);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    /** Env for bootStrapi: the playground sends through this server (no pooling: each send is its own connection). */
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_POOL: 'false' },
    setFailing(failing: boolean) {
      state.failing = failing;
    },
    to(address: string) {
      return received.filter((m) => m.to.includes(address));
    },
    /** Resolves when a message to `address` arrives (at once if one already has): for sends that happen in the background. */
    waitFor(address: string): Promise<ReceivedMail> {
      const already = received.find((m) => m.to.includes(address));
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ address, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

export type TestSmtp = Awaited<ReturnType<typeof startSmtp>>;
