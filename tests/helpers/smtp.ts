import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'net';
import { simpleParser } from 'mailparser';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

/** Reads a received message with mailparser (the nodemailer project's own parser). */
export const parseMail = async (raw: Buffer, envelope: { from: string; to: string[] }): Promise<ReceivedMail> => {
  const parsed = await simpleParser(raw);
  return {
    from: envelope.from,
    to: envelope.to,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    raw: raw.toString('utf8'),
  };
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
      stream.on('end', async () => {
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
        const mail = await parseMail(Buffer.concat(chunks), envelope);
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
