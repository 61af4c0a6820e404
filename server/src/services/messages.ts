import crypto from 'crypto';
import os from 'os';
import type { Core } from '@strapi/strapi';
import {
  formatDate,
  nextSendingInstant,
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
/**
 * Slots a sender refills together: one transaction records the group sent and claims the next.
 * Measured (500 reminders to a local SMTP server, SQLite and PostgreSQL): refilling each slot as
 * it comes free costs a commit per message and was 1.5–3× slower than refilling them together.
 */
const REFILL_AT = SEND_CONCURRENCY;
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
  const safeMode = () => getService(strapi, 'safeMode');
  const repo = messageRepository(strapi);

  /** The right-hand side of Message-IDs: the sender's domain (settings, then the e-mail plugin's defaultFrom). */
  const messageIdDomain = (emailFrom: string | null | undefined): string =>
    domainOf(emailFrom) ??
    domainOf(strapi.config.get('plugin::email.settings.defaultFrom')) ??
    (os.hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost');

  /**
   * When a reminder due at `at` may go out: `at` itself, or with quiet hours on and `at` outside
   * the sending window, the window's next opening in the site's time zone. Only reminders are
   * ever held: welcome e-mails, receipts and expiry notices go out at once.
   */
  const reminderSendAt = async (at: Date): Promise<Date> => {
    const { quietHours, timeZone } = await settings().get();
    return quietHours.enabled ? nextSendingInstant(at, timeZone, quietHours) : at;
  };

  /** The `notBefore` of a reminder queued at `at`: null when it may go out at once. */
  const quietUntil = async (at: Date): Promise<Date | null> => {
    const sendAt = await reminderSendAt(at);
    return sendAt.getTime() > at.getTime() ? sendAt : null;
  };

  /**
   * Writes a message unless one with the same dedupeKey exists: one insert that skips a taken key
   * (never a unique violation, so the caller's transaction, when there is one, goes on).
   */
  const enqueue = async (input: EnqueueInput, now?: Date): Promise<{ created: boolean; id: number | null }> => {
    const at = now ?? clock().now();
    const skipped = input.status === 'skipped';
    const id = await repo.insertUnlessDuplicate({
      kind: input.kind,
      dedupeKey: input.dedupeKey,
      status: skipped ? 'skipped' : 'pending',
      to: input.to,
      locale: input.locale ?? null,
      attempts: 0,
      nextAttemptAt: skipped ? null : input.kind === 'reminder' ? await quietUntil(at) : at,
      lastError: input.reason ?? null,
      data: input.data ?? {},
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      notificationRuleId: input.notificationRuleId,
    });
    return id === null ? { created: false, id: null } : { created: true, id };
  };

  /** Messages this process wrote already claimed (`sending`), committed, waiting to be sent by it. */
  const claimedHere = new Set<number>();
  /** Messages this process is sending now: never claimed again by it (a lease it gave itself may look expired to a pinned `now`). */
  const sendingHere = new Set<number>();

  /**
   * Writes a message already claimed by this process (`sending`, with a lease, one attempt
   * counted), for this process to send as soon as the current transaction commits: a receipt or
   * a welcome costs no claim of its own, and no search of the outbox. If the process dies first,
   * the message is sent by any process once the lease has ended (as any claim left behind).
   * A message whose dedupeKey is taken is not written (and not sent).
   */
  const enqueueToSend = async (input: EnqueueInput, now?: Date): Promise<{ created: boolean; id: number | null }> => {
    const at = now ?? clock().now();
    const leaseFrom = Math.max(at.getTime(), Date.now());
    const id = await repo.insertUnlessDuplicate({
      kind: input.kind,
      dedupeKey: input.dedupeKey,
      status: 'sending',
      to: input.to,
      locale: input.locale ?? null,
      attempts: 1,
      nextAttemptAt: null,
      claimedUntil: new Date(leaseFrom + CLAIM_LEASE_MS),
      lastError: null,
      data: input.data ?? {},
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      notificationRuleId: input.notificationRuleId,
    });
    if (id === null) return { created: false, id: null };
    const ready = () => {
      claimedHere.add(id);
      sendClaimedSoon();
    };
    if (strapi.db.inTransaction()) await strapi.db.transaction(async ({ onCommit }) => onCommit(ready));
    else ready();
    return { created: true, id };
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

  /** Records a failed try: retried after the back-off, or `failed` for good after MAX_ATTEMPTS. */
  const recordFailure = async (row: MessageRow, now: Date, subject: string | null, error: unknown) => {
    // `attempts` was counted when the row was claimed.
    const attempts = row.attempts ?? 1;
    const final = attempts >= MAX_ATTEMPTS;
    const lastError = describeError(error);
    strapi.log.warn(`subscriptions: e-mail ${row.id} (${row.kind}) to ${row.to} failed (attempt ${attempts}): ${lastError}`);
    const retryAt = new Date(now.getTime() + backoffMs(attempts));
    await repo.markFailed(row.id, {
      subject,
      lastError,
      // A reminder's retry waits for the sending window too.
      nextAttemptAt: final ? null : row.kind === 'reminder' ? await reminderSendAt(retryAt) : retryAt,
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

  /** One SMTP transaction; a refused message has its failure recorded at once. */
  const transmit = async ({ row, subject, options }: Composed, now: Date): Promise<'sent' | 'failed'> => {
    try {
      await strapi.plugin('email').service('email').send(options);
    } catch (error) {
      await recordFailure(row, now, subject, error);
      return 'failed';
    }
    return 'sent';
  };

  /** A transaction run again, a few times, when the database connection was lost. */
  const retryOnConnectionLoss = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= 4 || !isConnectionError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  };

  /**
   * Sends candidates through SEND_CONCURRENCY slots (the SMTP pool's connections). A slot is held
   * from a message's claim to the record that it went out. Whenever slots come free, one
   * transaction records every message sent since the previous one ("sent", one statement) and
   * claims as many next ones as there are free slots (one conditional update): a few statements
   * and one commit for a whole group, while the other slots' SMTP transactions go on. The rows
   * this process holds in `sending` are never more than SEND_CONCURRENCY, so a killed process
   * leaves at most that many claims behind; one whose server's "250" came before the kill but
   * not its record is sent again after the lease (RFC 1047's window, which plain SMTP cannot
   * close; the unchanged Message-ID lets the receiver recognise the copy).
   */
  const pump = async (
    candidates: readonly { id: number; status: string; attempts: number | null }[],
    now: Date,
    figures: { sent: number; failed: number; skipped: number },
    options: { claimed?: boolean } = {}
  ) => {
    let inFlight = 0;
    let sent: { id: number; subject: string | null; row: MessageRow }[] = [];
    let wake: (() => void) | null = null;
    const woken = () => new Promise<void>((resolve) => (wake = resolve));
    let next = 0;
    let broken = false;
    while ((!broken && next < candidates.length) || inFlight > 0 || sent.length > 0) {
      const free = SEND_CONCURRENCY - inFlight;
      // A group at a time: each group costs one commit (on SQLite a commit also holds up the
      // whole process), so slots are refilled together once REFILL_AT of them are free.
      const ready = free >= REFILL_AT || inFlight === 0;
      const wantMore = !broken && next < candidates.length && free > 0 && ready;
      if (!wantMore && (sent.length === 0 || !ready)) {
        await woken();
        continue;
      }
      const done = sent;
      sent = [];
      let take: typeof candidates = [];
      if (wantMore) {
        take = candidates.slice(next, next + free).filter((c) => !sendingHere.has(c.id));
        next = Math.min(candidates.length, next + free);
      }
      let claimed: number[] = [];
      try {
        const claim = !options.claimed && take.length > 0;
        const record = async () => {
          if (done.length > 0) await repo.markSentMany(done, now);
          return claim ? repo.claimMany(take, { now, claimedUntil: new Date(now.getTime() + CLAIM_LEASE_MS) }) : take.map((c) => c.id);
        };
        // A transaction only when it both records and claims (one statement commits alone).
        claimed = await retryOnConnectionLoss(async () => (claim && done.length > 0 ? ((await strapi.db.transaction(record)) as number[]) : record()));
      } catch (error) {
        // Sent, but not recorded: those rows stay `sending` until their lease ends (then they are
        // sent again). Nothing more is claimed in this run.
        for (const d of done) strapi.log.error(`subscriptions: e-mail ${d.id} (${d.row.kind}) was sent but could not be recorded: ${describeError(error)}`);
        broken = true;
        continue;
      } finally {
        for (const d of done) sendingHere.delete(d.id);
      }
      figures.skipped += take.length - claimed.length;
      for (const id of claimed) sendingHere.add(id);
      const rows = claimed.length > 0 ? await repo.findManyForSending(claimed) : [];
      for (const id of claimed) if (!rows.some((row) => row.id === id)) sendingHere.delete(id);
      for (const row of rows) {
        if (options.claimed && row.status !== 'sending') {
          // Not this process's to send any more (another took it over after the lease).
          sendingHere.delete(row.id);
          continue;
        }
        const composed = await compose(row, now);
        if (!composed) {
          sendingHere.delete(row.id);
          figures.failed += 1;
          continue;
        }
        inFlight += 1;
        void transmit(composed, now)
          .then(
            (outcome) => {
              figures[outcome] += 1;
              if (outcome === 'sent') sent.push({ id: row.id, subject: composed.subject, row });
              else sendingHere.delete(row.id);
            },
            (error) => {
              // The failure could not even be recorded (database down): the lease brings it back.
              figures.failed += 1;
              sendingHere.delete(row.id);
              strapi.log.error(`subscriptions: e-mail ${row.id} (${row.kind}): ${describeError(error)}`);
            }
          )
          .finally(() => {
            inFlight -= 1;
            wake?.();
          });
      }
    }
  };

  type Figures = { sent: number; failed: number; skipped: number; held: number };

  const sendClaimedHere = async (now: Date, figures: Figures) => {
    if (claimedHere.size > 0 && (await safeMode().isHeld())) {
      // Staging safe mode: what this process wrote to send at once (welcomes, receipts) is kept back.
      const ids = [...claimedHere];
      claimedHere.clear();
      figures.held += await repo.holdClaimed(ids);
      return;
    }
    while (claimedHere.size > 0) {
      const ids = [...claimedHere].slice(0, 100);
      for (const id of ids) claimedHere.delete(id);
      await pump(ids.map((id) => ({ id, status: 'sending', attempts: 1 })), now, figures, { claimed: true });
    }
  };

  /**
   * Sends what is due: new messages, failed ones whose back-off has passed, and ones a killed
   * process left in `sending` after its lease. Bounded pages; each row claimed atomically.
   */
  const deliverDue = async (options: { now?: Date; limit?: number } = {}) => {
    const now = options.now ?? clock().now();
    const limit = options.limit ?? 100;
    const figures: Figures = { sent: 0, failed: 0, skipped: 0, held: 0 };
    // First what this process wrote claimed (receipts, welcomes: no search, no claim).
    await sendClaimedHere(now, figures);
    // Staging safe mode: every message due now is kept back (`held`) instead of sent.
    const held = await safeMode().isHeld();
    // Held reminders released by a confirmation at night still wait for the sending window.
    const quietNow = !held && (await reminderSendAt(now)).getTime() > now.getTime();
    // New messages go out at once, whatever `now` their writer used; failed ones after their
    // back-off; `sending` ones claimed by a process that died or hung past its lease; held ones
    // once safe mode is lifted.
    for (const source of held ? (['pending', 'failed', 'sending'] as const) : (['pending', 'failed', 'sending', 'held'] as const)) {
      let lastId = 0;
      for (;;) {
        const due = await repo.findDue(source, { now, maxAttempts: MAX_ATTEMPTS, afterId: lastId, limit, reminders: !quietNow });
        if (due.length === 0) break;
        lastId = due[due.length - 1].id;
        if (held) {
          figures.held += await repo.holdMany(due, now);
          if (due.length < limit) break;
          continue;
        }
        const sendable: typeof due = [];
        for (const candidate of due) {
          if ((candidate.attempts ?? 0) >= MAX_ATTEMPTS) {
            // A process died while sending its last attempt: give up rather than loop forever.
            if (await repo.abandon(candidate, now)) figures.failed += 1;
          } else sendable.push(candidate);
        }
        await pump(sendable, now, figures);
        if (due.length < limit) break;
      }
    }
    return figures;
  };

  let soon: NodeJS.Timeout | null = null;
  let delivering = false;
  let again = false;
  /** Whether the next background delivery looks through the whole outbox, or only sends what this process claimed. */
  let searchOutbox = false;
  const scheduleDelivery = (search: boolean) => {
    if (search) searchOutbox = true;
    if (soon) return;
    if (delivering) {
      again = true;
      return;
    }
    soon = setTimeout(() => {
      soon = null;
      delivering = true;
      const search = searchOutbox;
      searchOutbox = false;
      const figures: Figures = { sent: 0, failed: 0, skipped: 0, held: 0 };
      (search ? deliverDue() : sendClaimedHere(clock().now(), figures))
        .catch((error) => strapi.log.error(`subscriptions: delivering e-mails failed: ${describeError(error)}`))
        .finally(() => {
          delivering = false;
          if (again) {
            again = false;
            scheduleDelivery(false);
          }
        });
    }, 50);
    soon.unref?.();
  };
  /** Sends, shortly, the messages this process wrote claimed (`enqueueToSend`), once their transaction committed. */
  const sendClaimedSoon = () => scheduleDelivery(false);

  /**
   * Sends pending messages shortly after the current transaction commits (e.g. a welcome e-mail
   * right after a purchase) instead of waiting for the next cron run. Never throws. One such
   * delivery at a time per process: messages queued while one runs are sent by the next, which
   * starts when it ends (under a stream of payments, each delivery takes a batch).
   */
  const deliverSoon = () => {
    const schedule = () => scheduleDelivery(true);
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
    again = false;
    searchOutbox = false;
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

  return { enqueue, enqueueToSend, quietUntil, deliverDue, deliverSoon, cancelSoon, render, preview, sendTest };
};
