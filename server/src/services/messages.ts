import crypto from 'crypto';
import os from 'os';
import type { Core } from '@strapi/strapi';
import {
  formatDate,
  pickLocale,
  renderTemplate,
  resolveTemplate,
  type TemplateKind,
  type Template,
  type TemplateValues,
} from '../domain';
import { getService } from '../utils/plugin';
import { toDate } from '../utils/dates';
import { isConnectionError } from '../database/errors';
import { memberRepository } from '../repositories/members';
import { messageRepository, type MessageKind, type MessageRow } from '../repositories/messages';

export { MESSAGE_KIND_VALUES, type MessageKind, type MessageRow } from '../repositories/messages';

export interface EnqueueInput {
  kind: MessageKind;
  to: string;
  userId?: number;
  subscriptionId?: number;
  notificationRuleId?: number;
  dedupeKey: string;
  locale?: string;
  /** Template variables known at enqueue time (offerTitle, endsAt…). Never secrets. */
  data?: Record<string, unknown>;
  /** `skipped`: a reminder that is logged but not sent (reason in lastError). */
  status?: 'pending' | 'skipped';
  reason?: string;
}

/** After this many failed attempts a message stays `failed` for an admin to look at. */
export const MAX_ATTEMPTS = 8;
/** Messages sent at once by one process: nodemailer's SMTP pool opens 5 connections by default. */
export const SEND_CONCURRENCY = 5;
/** How long a process owns a message it is sending (longer than an SMTP send may take); a process killed mid-send loses it after this. */
export const CLAIM_LEASE_MS = 15 * 60_000;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 12 * 3_600_000;

/** Exponential back-off after the n-th failed attempt: 1 min, 2, 4, … capped at 12 h. */
export const backoffMs = (attempts: number): number =>
  Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));

/** The domain part of an address such as `Members <members@example.com>`, if any. */
const domainOf = (address: unknown): string | null => {
  const match = typeof address === 'string' ? /@([A-Za-z0-9.-]+[A-Za-z0-9])/.exec(address) : null;
  return match ? match[1].toLowerCase() : null;
};

/**
 * The Message-ID header of an outbox message: the same for every attempt at sending that row, so
 * a receiver that sees it twice (a process killed after the SMTP server accepted the message but
 * before the row was marked sent, RFC 1047's window) can recognise the resend. Besides the row's
 * id, a digest of its dedupe key and creation time keeps another database's rows (a reset one, a
 * second site on the same domain) from reusing it.
 */
export const messageIdFor = (
  row: { id: number; dedupeKey?: string | null; createdAt?: unknown },
  domain: string
): string => {
  const created = toDate(row.createdAt)?.toISOString() ?? '';
  const digest = crypto.createHash('sha256').update(`${row.dedupeKey ?? ''}|${created}`).digest('hex').slice(0, 12);
  return `<subscriptions.message.${row.id}.${digest}@${domain}>`;
};

/** Keeps the text of an error without anything that looks like a link or a token. */
const describeError = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/https?:\/\/\S+/g, '[url]').slice(0, 2000);
};

/**
 * The e-mail outbox and log (`plugin::subscriptions.message`). A message is written first (its
 * unique dedupeKey makes "once" a database guarantee), then delivered by `deliverDue`, which any
 * number of processes may run at once: each row is claimed with a conditional update and a lease.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const clock = () => getService(strapi, 'clock');
  const settings = () => getService(strapi, 'settings');
  const repo = messageRepository(strapi);

  /** The right-hand side of Message-IDs: the sender's domain (settings, then the e-mail plugin's defaultFrom). */
  const messageIdDomain = (emailFrom: string | null | undefined): string =>
    domainOf(emailFrom) ??
    domainOf(strapi.config.get('plugin::email.settings.defaultFrom')) ??
    (os.hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost');

  /**
   * Writes a message unless one with the same dedupeKey exists. Runs inside the caller's
   * transaction when there is one; a savepoint keeps a concurrent duplicate (unique violation)
   * from aborting that transaction on PostgreSQL.
   */
  const enqueue = async (input: EnqueueInput, now?: Date): Promise<{ created: boolean; id: number | null }> => {
    const at = now ?? clock().now();
    if (await repo.existsWithDedupeKey(input.dedupeKey)) return { created: false, id: null };
    const skipped = input.status === 'skipped';
    const id = await repo.insertUnlessDuplicate({
      kind: input.kind,
      dedupeKey: input.dedupeKey,
      status: skipped ? 'skipped' : 'pending',
      to: input.to,
      locale: input.locale ?? null,
      attempts: 0,
      nextAttemptAt: skipped ? null : at,
      lastError: input.reason ?? null,
      data: input.data ?? {},
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      notificationRuleId: input.notificationRuleId,
    });
    return id === null ? { created: false, id: null } : { created: true, id };
  };

  /** users-permissions' own one-time link, as its forgot-password sends: `<URL>?code=<token>`. */
  const setPasswordUrl = async (userId: number): Promise<string | null> => {
    const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' }).get()) as {
      email_reset_password?: string | null;
    } | null;
    const base = advanced?.email_reset_password;
    if (!base) return null;
    const token = crypto.randomBytes(64).toString('hex');
    await memberRepository(strapi).setResetPasswordToken(userId, token);
    return `${base}${base.includes('?') ? '&' : '?'}code=${token}`;
  };

  const render = async (row: MessageRow) => {
    const current = await settings().get();
    const locale = pickLocale(row.locale, current.defaultLocale);
    const zone = current.emailTimezone ?? 'UTC';
    const data = (row.data ?? {}) as Record<string, unknown>;
    const offer = row.subscription?.offer;
    const values: TemplateValues = {
      name: typeof data.name === 'string' ? data.name : null, // the buyer's name when known (templates fall back to username)
      username: row.user?.username ?? row.to,
      email: row.to,
      offerTitle: (data.offerTitle as string | undefined) ?? offer?.title ?? '',
      startsAt: formatDate(toDate(data.startsAt ?? row.subscription?.startsAt), locale, zone),
      endsAt: formatDate(toDate(data.endsAt ?? row.subscription?.endsAt), locale, zone),
      dueAt: formatDate(toDate(data.dueAt ?? row.subscription?.dueAt), locale, zone),
      before: data.when === 'before' || row.notificationRule?.when === 'before',
      after: data.when === 'after' || row.notificationRule?.when === 'after',
      renewalUrl: current.renewalUrl ? current.renewalUrl.replace('{offer}', offer?.documentId ?? '') : '',
    };
    if (row.kind === 'welcome' && row.user) values.setPasswordUrl = await setPasswordUrl(row.user.id);
    if (row.kind === 'test') {
      return {
        subject: String(data.subject ?? 'Test e-mail from the subscriptions plugin'),
        text: String(data.text ?? 'This is a test e-mail.'),
        html: undefined as string | undefined,
      };
    }
    const kind = row.kind as TemplateKind;
    const template = resolveTemplate(kind, locale, {
      settings: current.templates?.[kind]?.[locale] ?? null,
      rule: row.kind === 'reminder' ? row.notificationRule : null,
    });
    return renderTemplate(template, values);
  };

  /** Claims a row for this process: only one process's conditional update can succeed. */
  const claim = async (row: { id: number; status: string; attempts: number | null }, now: Date): Promise<boolean> =>
    repo.claim(row, { now, claimedUntil: new Date(now.getTime() + CLAIM_LEASE_MS), attempts: (row.attempts ?? 0) + 1 });

  /**
   * Marks a message sent, in one statement, right after the SMTP server accepted it. A process
   * killed between the server's "250" and this write leaves the row `sending`: after the lease
   * another process sends it again (RFC 1047's duplicate window, which plain SMTP cannot close;
   * the unchanged Message-ID lets the receiver recognise the copy). A lost database connection is
   * retried a few times; no error here is recorded as a failed send: the message did go out.
   */
  const markSent = async (row: MessageRow, now: Date, subject: string | null) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await repo.markSent(row.id, { sentAt: now, subject });
        return;
      } catch (error) {
        if (attempt >= 4 || !isConnectionError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  };

  /** Records a failed try: retried after the back-off, or `failed` for good after MAX_ATTEMPTS. */
  const recordFailure = async (row: MessageRow, now: Date, subject: string | null, error: unknown) => {
    // `attempts` was counted when the row was claimed.
    const attempts = row.attempts ?? 1;
    const final = attempts >= MAX_ATTEMPTS;
    const lastError = describeError(error);
    strapi.log.warn(`subscriptions: e-mail ${row.id} (${row.kind}) to ${row.to} failed (attempt ${attempts}): ${lastError}`);
    await repo.markFailed(row.id, {
      subject,
      lastError,
      nextAttemptAt: final ? null : new Date(now.getTime() + backoffMs(attempts)),
    });
  };

  interface Composed {
    row: MessageRow;
    subject: string;
    options: Record<string, unknown>;
  }

  /** Renders a claimed message into the e-mail plugin's send options; a rendering error is a failed try. */
  const compose = async (row: MessageRow, now: Date): Promise<Composed | null> => {
    try {
      const mail = await render(row);
      const { emailFrom } = await settings().get();
      return {
        row,
        subject: mail.subject,
        options: {
          to: row.to,
          ...(emailFrom ? { from: emailFrom } : {}),
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          messageId: messageIdFor(row, messageIdDomain(emailFrom)),
        },
      };
    } catch (error) {
      await recordFailure(row, now, null, error);
      return null;
    }
  };

  /** One SMTP transaction, then the row marked sent at once (or the failure recorded). */
  const transmit = async ({ row, subject, options }: Composed, now: Date): Promise<'sent' | 'failed'> => {
    try {
      await strapi.plugin('email').service('email').send(options);
    } catch (error) {
      await recordFailure(row, now, subject, error);
      return 'failed';
    }
    try {
      await markSent(row, now, subject);
    } catch (error) {
      // Sent, but not recorded: the row stays `sending` until its lease ends (then it is sent again).
      strapi.log.error(`subscriptions: e-mail ${row.id} (${row.kind}) was sent but could not be recorded: ${describeError(error)}`);
    }
    return 'sent';
  };

  /**
   * Sends what is due: new messages, failed ones whose back-off has passed, and ones a killed
   * process left in `sending` after its lease. Bounded batches; each row claimed atomically.
   */
  const deliverDue = async (options: { now?: Date; limit?: number } = {}) => {
    const now = options.now ?? clock().now();
    const limit = options.limit ?? 100;
    const figures = { sent: 0, failed: 0, skipped: 0 };
    // New messages go out at once, whatever `now` their writer used; failed ones after their
    // back-off; `sending` ones claimed by a process that died or hung past its lease.
    for (const source of ['pending', 'failed', 'sending'] as const) {
      let lastId = 0;
      for (;;) {
        const due = await repo.findDue(source, { now, maxAttempts: MAX_ATTEMPTS, afterId: lastId, limit });
        if (due.length === 0) break;
        lastId = due[due.length - 1].id;
        /** Claims one candidate and loads it; null when it is not this process's to send. */
        const prepare = async (candidate: (typeof due)[number]): Promise<MessageRow | null> => {
          if ((candidate.attempts ?? 0) >= MAX_ATTEMPTS) {
            // A process died while sending its last attempt: give up rather than loop forever.
            if (await repo.abandon(candidate, now)) figures.failed += 1;
            return null;
          }
          if (!(await claim(candidate, now))) {
            figures.skipped += 1;
            return null;
          }
          return repo.findForSending(candidate.id);
        };
        // A few sends at a time (the SMTP pool's connections): each row is claimed on its own,
        // so parallel sends stay exactly-once. A batch is claimed, loaded and rendered first,
        // then only its SMTP transactions are in flight: each "250" is read and recorded at once,
        // which keeps short the window in which a killed process loses the record of a delivery.
        for (let i = 0; i < due.length; i += SEND_CONCURRENCY) {
          const rows = (await Promise.all(due.slice(i, i + SEND_CONCURRENCY).map(prepare))).filter(
            (row): row is MessageRow => row !== null
          );
          const composed = await Promise.all(rows.map((row) => compose(row, now)));
          figures.failed += composed.filter((c) => c === null).length;
          const outcomes = await Promise.all(
            composed.filter((c): c is Composed => c !== null).map((c) => transmit(c, now))
          );
          for (const outcome of outcomes) figures[outcome] += 1;
        }
        if (due.length < limit) break;
      }
    }
    return figures;
  };

  let soon: NodeJS.Timeout | null = null;
  /**
   * Sends pending messages shortly after the current transaction commits (e.g. a welcome e-mail
   * right after a purchase) instead of waiting for the next cron run. Never throws.
   */
  const deliverSoon = () => {
    const schedule = () => {
      if (soon) return;
      soon = setTimeout(() => {
        soon = null;
        deliverDue().catch((error) =>
          strapi.log.error(`subscriptions: delivering e-mails failed: ${describeError(error)}`)
        );
      }, 50);
      soon.unref?.();
    };
    try {
      if (strapi.db.inTransaction()) {
        void strapi.db.transaction(async ({ onCommit }) => onCommit(schedule));
      } else schedule();
    } catch (error) {
      strapi.log.error(`subscriptions: could not schedule e-mail delivery: ${describeError(error)}`);
    }
  };

  const cancelSoon = () => {
    if (soon) clearTimeout(soon);
    soon = null;
  };

  /**
   * What a template looks like with sample values: the settings page's preview. `template` is
   * the form's unsaved text; empty parts fall back to the saved override, then the shipped one.
   */
  const preview = async (input: { kind: TemplateKind; locale: 'en' | 'fr'; template?: Partial<Template> }) => {
    const current = await settings().get();
    const zone = current.emailTimezone ?? 'UTC';
    const now = clock().now();
    const template = resolveTemplate(input.kind, input.locale, {
      rule: input.template ?? null,
      settings: current.templates?.[input.kind]?.[input.locale] ?? null,
    });
    const sample: TemplateValues = {
      name: 'Ada Lovelace',
      username: 'ada',
      email: 'ada@example.com',
      offerTitle: 'Monthly membership',
      startsAt: formatDate(now, input.locale, zone),
      endsAt: formatDate(new Date(now.getTime() + 7 * 86_400_000), input.locale, zone),
      dueAt: formatDate(new Date(now.getTime() + 7 * 86_400_000), input.locale, zone),
      before: true,
      after: false,
      renewalUrl: current.renewalUrl ? current.renewalUrl.replace('{offer}', 'sample') : '',
      setPasswordUrl: input.kind === 'welcome' ? 'https://example.com/set-password?code=sample' : null,
    };
    return renderTemplate(template, sample);
  };

  /** "Send me a test": the preview, sent now to the admin who asked (not through the outbox). */
  const sendTest = async (input: { kind: TemplateKind; locale: 'en' | 'fr'; template?: Partial<Template>; to: string }) => {
    const mail = await preview(input);
    const { emailFrom } = await settings().get();
    await strapi
      .plugin('email')
      .service('email')
      .send({ to: input.to, ...(emailFrom ? { from: emailFrom } : {}), subject: `[test] ${mail.subject}`, text: mail.text, html: mail.html });
    return { to: input.to };
  };

  return { enqueue, deliverDue, deliverSoon, cancelSoon, render, preview, sendTest };
};
