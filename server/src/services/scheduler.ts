import os from 'os';
import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import {
  DomainError,
  isErasedAddress,
  endRangeFor,
  reminderDecision,
  reminderInstant,
  reminderKey,
  settleDueAt,
  settled,
  type ReminderRule,
  type Status,
  type SubscriptionDates,
} from '../domain';
import { getService } from '../utils/plugin';
import { toDate } from '../utils/dates';
import { datesOf, type SubscriptionRow } from '../repositories/mappers';
import { subscriptionRepository, PAGE_SIZE } from '../repositories/subscriptions';
import { ruleRepository } from '../repositories/rules';
import { messageRepository, type BatchMessage } from '../repositories/messages';
import type { Preview, PreviewItem, PreviewItemKind } from '../contract';
import { schedulerRunRepository } from '../repositories/scheduler-runs';

/** Rows read per query: memory and lock time stay bounded whatever the backlog. */
export const BATCH_SIZE = PAGE_SIZE;
/** How far back the very first run (or a run after the clock went backwards) looks for reminders. */
export const FIRST_RUN_LOOKBACK_MS = 24 * 3_600_000;
/** Reminder instants are re-examined this far before the previous run (clock skew between processes). */
const WATERMARK_OVERLAP_MS = 60_000;
/**
 * A saved watermark at most this far ahead of `now` is another process that ran a moment earlier
 * with a clock a little ahead (or a run that started later and finished first), not the clock
 * going backwards: it already looked at everything up to there.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 5 * 60_000;
const STORE_KEY = 'scheduler';
/** The preview's window: 7 days by default, 92 at most; its items: 500 by default, 2000 at most. */
export const PREVIEW_DEFAULT_DAYS = 7;
export const PREVIEW_MAX_DAYS = 92;
export const PREVIEW_DEFAULT_LIMIT = 500;
export const PREVIEW_MAX_LIMIT = 2000;
const DAY_MS = 24 * 3_600_000;

/** The parts of a run, in the order a run does them; cron may run them on different rules. */
export const SCHEDULER_STEPS = ['lifecycle', 'reminders', 'delivery'] as const;
export type SchedulerStep = (typeof SCHEDULER_STEPS)[number];

export interface RunFigures {
  activated: number;
  expired: number;
  cancelled: number;
  graceEnded: number;
  remindersQueued: number;
  remindersSkipped: number;
  sent: number;
  failed: number;
  /** Messages kept back by the staging safe mode. */
  held: number;
  errors: number;
}

/**
 * The plugin's scheduled work (run by Strapi cron in every process; safe to run in several at
 * once): activate subscriptions whose start has come, end those whose end has passed or whose
 * re-bill never came (grace), queue reminders that are due, then send the outbox.
 *
 * Candidates are found with indexed range queries, a page (200) at a time; each page's members
 * then go through the one write path (member-changes) together: their locks taken in id order,
 * their subscriptions read again under the locks, and the transition decided again from those
 * rows (`settle`). A payment committed between the page read and the locks is seen, never
 * overwritten; a process that finds a row already moved by another process does nothing to it.
 * Every e-mail is a message row with a unique dedupeKey written before it is sent.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const clock = () => getService(strapi, 'clock');
  const settings = () => getService(strapi, 'settings');
  const messages = () => getService(strapi, 'messages');
  const changes = () => getService(strapi, 'memberChanges');
  const subscriptions = subscriptionRepository(strapi);
  const rules = ruleRepository(strapi);
  const outbox = messageRepository(strapi);
  const runLog = schedulerRunRepository(strapi);
  const store = () => strapi.store({ type: 'plugin', name: 'subscriptions' });

  const errors = { count: 0 };

  const count = (figures: RunFigures, t: { to: Status; graceEnded: boolean }) => {
    if (t.graceEnded) figures.graceEnded += 1;
    if (t.to === 'active') figures.activated += 1;
    if (t.to === 'expired') figures.expired += 1;
    if (t.to === 'cancelled') figures.cancelled += 1;
  };

  /**
   * Settles the members of a page of candidates through the write path, together; if that
   * fails, member by member, so that one broken member stops only itself.
   */
  const settlePage = async (rows: SubscriptionRow[], now: Date, graceHours: number, figures: RunFigures, run: string) => {
    const due = rows.filter((row) => settled(datesOf(row), now, graceHours) !== null);
    // Subscriptions whose member was deleted are settled too: no lock, no role, no e-mail.
    const orphans = due.filter((row) => !row.user);
    if (orphans.length > 0) {
      try {
        for (const t of await changes().settleOrphans(orphans.map((row) => row.id), { now })) count(figures, t);
      } catch (error) {
        strapi.log.warn(`subscriptions scheduler: ${orphans.length} subscriptions without a member failed (${(error as Error).message}); settling them one by one`);
        for (const row of orphans) {
          try {
            for (const t of await changes().settleOrphans([row.id], { now })) count(figures, t);
          } catch (rowError) {
            errors.count += 1;
            strapi.log.error(`subscriptions scheduler: subscription ${row.id} (no member): ${(rowError as Error).message}`);
          }
        }
      }
    }
    const userIds = [...new Set(due.filter((row) => row.user).map((row) => row.user!.id))];
    if (userIds.length === 0) return;
    const record = (applied: { result: { transitions: { to: Status; graceEnded: boolean }[] } }[]) => {
      for (const a of applied) for (const t of a.result.transitions) count(figures, t);
    };
    try {
      record(await changes().applyMany(userIds.map((userId) => ({ userId, event: { type: 'settle' as const } })), { now, cause: { kind: 'scheduler', ref: run } }));
    } catch (error) {
      strapi.log.warn(`subscriptions scheduler: a page of ${userIds.length} members failed (${(error as Error).message}); settling them one by one`);
      for (const userId of userIds) {
        try {
          record([await changes().apply({ userId, event: { type: 'settle' }, cause: { kind: 'scheduler', ref: run } }, { now })]);
        } catch (memberError) {
          errors.count += 1;
          strapi.log.error(`subscriptions scheduler: member ${userId}: ${(memberError as Error).message}`);
        }
      }
    }
  };

  const reminderWindowStart = async (now: Date): Promise<Date> => {
    const saved = ((await store().get({ key: STORE_KEY })) ?? {}) as { remindersCheckedUntil?: string };
    const until = toDate(saved.remindersCheckedUntil);
    // First run, or the clock went backwards (tests, a restored backup): look back a day.
    if (!until || until.getTime() - now.getTime() > CLOCK_SKEW_TOLERANCE_MS) {
      return new Date(now.getTime() - FIRST_RUN_LOOKBACK_MS);
    }
    // Another process a few seconds ahead may have written `until` already: everything up to it
    // has been looked at, so only the overlap before `now` is new. (Looking back a day here made
    // every run of the process whose clock is behind re-read a day of reminders.)
    return new Date(Math.min(until.getTime(), now.getTime()) - WATERMARK_OVERLAP_MS);
  };

  type RuleRow = ReminderRule & { offer?: { id: number; title: string } | null };
  const REMINDED_STATUSES = ['pending', 'active', 'expired', 'cancelled'];

  /** The rules the reminder pass applies: with an offer, and a whole non-negative amount. */
  const usableRules = async () =>
    ((await rules.withOffers()) as RuleRow[]).filter((rule) => rule.offer && Number.isInteger(rule.amount) && rule.amount >= 0);

  /** The reminder occurrence of `row` under `rule` when it is due now (to send, or to log as skipped). */
  const reminderOf = (row: SubscriptionRow, rule: RuleRow, now: Date, locale: string): BatchMessage | null => {
    const email = row.user?.email;
    // An erased member (GDPR) keeps their subscriptions for the accounts, and gets nothing.
    if (!email || !row.user || isErasedAddress(email)) return null;
    const dates = datesOf(row);
    const decision = reminderDecision({ id: row.id, status: row.status, endsAt: dates.endsAt, startsAt: dates.startsAt }, rule, now);
    if (decision.action !== 'send' && decision.action !== 'skip') return null;
    const endsAt = dates.endsAt as Date;
    return {
      kind: 'reminder',
      to: email,
      userId: row.user.id,
      subscriptionId: row.id,
      notificationRuleId: rule.id,
      dedupeKey: reminderKey(row.id, rule.id, endsAt),
      locale,
      data: { offerTitle: row.offer?.title ?? rule.offer?.title ?? '', endsAt: endsAt.toISOString(), when: rule.when },
      ...(decision.action === 'skip' ? { status: 'skipped' as const, reason: decision.reason } : {}),
    };
  };

  /**
   * Queues (or logs as skipped) the due reminder occurrences of a page of subscriptions in one
   * insert: the dedupe keys make each once (a key already taken is skipped). A row whose decision
   * fails is counted and logged; it does not stop the page, nor the run.
   */
  const remindPage = (
    rulesFor: (row: SubscriptionRow) => RuleRow[],
    now: Date,
    queue: { locale: string; notBefore: Date | null },
    figures: RunFigures
  ) => async (rows: SubscriptionRow[]) => {
    const batch: BatchMessage[] = [];
    for (const row of rows) {
      try {
        for (const rule of rulesFor(row)) {
          const message = reminderOf(row, rule, now, queue.locale);
          if (message) batch.push(message.status === 'skipped' ? message : { ...message, notBefore: queue.notBefore });
        }
      } catch (error) {
        errors.count += 1;
        strapi.log.error(`subscriptions scheduler: subscription ${row.id}: ${(error as Error).message}`);
      }
    }
    if (batch.length === 0) return;
    let ids: Map<string, number>;
    try {
      ids = (await outbox.enqueueMany(batch, now)).ids;
    } catch (error) {
      errors.count += 1;
      strapi.log.error(`subscriptions scheduler: reminders of ${rows.length} subscriptions: ${(error as Error).message}`);
      return;
    }
    for (const message of batch) {
      if (!ids.has(message.dedupeKey)) continue;
      if (message.status === 'skipped') {
        figures.remindersSkipped += 1;
        strapi.log.info(`subscriptions: reminder for subscription ${message.subscriptionId} (rule ${message.notificationRuleId}) skipped: ${message.reason}`);
      } else figures.remindersQueued += 1;
    }
  };

  /**
   * Queues every reminder whose instant fell since the previous run (after downtime, the whole
   * downtime is caught up). A "before" reminder whose end already passed is logged as skipped.
   * Subscriptions written since the previous run (created, renewed, dates edited by hand) are
   * looked at too: a new end may put an instant in the past that no window will meet again.
   */
  const queueReminders = async (now: Date, figures: RunFigures) => {
    const from = await reminderWindowStart(now);
    const errorsBefore = errors.count;
    const usable = await usableRules();
    const { defaultLocale } = await settings().get();
    // Quiet hours: a reminder queued outside the sending window waits for its next opening.
    const queue = { locale: defaultLocale, notBefore: await messages().quietUntil(now) };
    for (const rule of usable) {
      const range = endRangeFor(rule, from, now);
      await subscriptions.due.endingBetween(rule.offer!.id, REMINDED_STATUSES, range.after, range.upTo, remindPage(() => [rule], now, queue, figures));
    }
    if (usable.length > 0) {
      // updated_at is written with the wall clock; `from` is the wall clock too in production.
      await subscriptions.due.writtenSince(
        from,
        REMINDED_STATUSES,
        remindPage((row) => usable.filter((r) => r.offer!.id === row.offer?.id), now, queue, figures)
      );
    }
    // After an error the window stays open: the next run looks at the same instants again.
    if (errors.count === errorsBefore) {
      await store().set({ key: STORE_KEY, value: { remindersCheckedUntil: now.toISOString() } });
    }
  };

  /** The steps of one run at `now`, counted into `figures`. */
  const work = async (now: Date, steps: readonly SchedulerStep[], figures: RunFigures) => {
    if (steps.includes('lifecycle')) {
      const { graceHours } = await settings().get();
      // The run, as the history names it: its instant and a random suffix (several processes run).
      const run = `${now.toISOString()}#${crypto.randomBytes(4).toString('hex')}`;
      const settle = (rows: SubscriptionRow[]) => settlePage(rows, now, graceHours, figures, run);
      await subscriptions.due.activation(now, settle);
      await subscriptions.due.expiry(now, settle);
      await subscriptions.due.grace(new Date(now.getTime() - graceHours * 3_600_000), settle);
    }
    if (steps.includes('reminders')) await queueReminders(now, figures);
    if (steps.includes('delivery')) {
      const delivery = await messages().deliverDue({ now });
      figures.sent = delivery.sent;
      figures.failed = delivery.failed;
      figures.held = delivery.held;
    }
  };

  /**
   * Records a run in the run log (the health check reads it): where it ran (hostname and pid),
   * when, what it did. A failure to record is logged and does not fail the run.
   */
  const recordRun = async (startedAt: Date, elapsedMs: number, steps: readonly SchedulerStep[], figures: RunFigures, failure: string | null) => {
    try {
      await runLog.record({
        startedAt,
        finishedAt: new Date(startedAt.getTime() + elapsedMs),
        host: os.hostname().slice(0, 255),
        pid: process.pid,
        steps: [...steps],
        figures: { ...figures },
        errors: figures.errors,
        failure,
      });
    } catch (error) {
      strapi.log.warn(`subscriptions scheduler: could not record the run (${(error as Error).message})`);
    }
  };

  /** One pass of the scheduled work at `now` (all steps unless told); returns what it did. */
  const runOnce = async (options: { now?: Date; steps?: readonly SchedulerStep[] } = {}): Promise<RunFigures> => {
    const steps = options.steps ?? SCHEDULER_STEPS;
    const now = options.now ?? clock().now();
    const figures: RunFigures = {
      activated: 0,
      expired: 0,
      cancelled: 0,
      graceEnded: 0,
      remindersQueued: 0,
      remindersSkipped: 0,
      sent: 0,
      failed: 0,
      held: 0,
      errors: 0,
    };
    const errorsAtStart = errors.count;
    const started = performance.now();
    try {
      await work(now, steps, figures);
    } catch (error) {
      figures.errors = errors.count - errorsAtStart + 1;
      await recordRun(now, performance.now() - started, steps, figures, ((error as Error).message || String(error)).slice(0, 1000));
      throw error;
    }
    figures.errors = errors.count - errorsAtStart;
    await recordRun(now, performance.now() - started, steps, figures, null);
    const busy = Object.values(figures).some((n) => n > 0);
    const line = `subscriptions scheduler (${steps.join(', ')}) at ${now.toISOString()}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`;
    if (busy) strapi.log.info(line);
    else strapi.log.debug(line);
    return figures;
  };

  /**
   * What happens next: the transitions and reminders the scheduler will make in [from, to] if
   * nothing else changes meanwhile (no payment, no edit), each at the instant it becomes due (the
   * scheduler does it at its first run at or after it). Read-only. Decided by the scheduler's own
   * rules: `settleDueAt`/`settled` for transitions, the reminder pass's `reminderOf` (so
   * `reminderDecision`, `reminderKey`) for reminders, on the dates each subscription will have
   * then (a grace end moves the end; its reminders then follow the new end, which is the instant
   * of the run that ends it). Transitions already due before `from` are listed as overdue.
   *
   * Bounded: each candidate list (the `due` queries up to `to`, each rule's ends) is read in its
   * date order, at most `limit` + 1 rows; when one is cut, what lies after its last row is left
   * out and `truncated` says so, with `completeUntil` the instant up to which the list is whole.
   */
  const preview = async (options: { from?: Date; to?: Date; limit?: number } = {}): Promise<Preview> => {
    const from = options.from ?? clock().now();
    if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw new DomainError('from', 'from must be a valid date');
    const to = options.to ?? new Date(from.getTime() + PREVIEW_DEFAULT_DAYS * DAY_MS);
    if (!(to instanceof Date) || Number.isNaN(to.getTime())) throw new DomainError('to', 'to must be a valid date');
    if (to.getTime() < from.getTime()) throw new DomainError('to', 'to must not be before from');
    if (to.getTime() - from.getTime() > PREVIEW_MAX_DAYS * DAY_MS) {
      throw new DomainError('to', `to must be at most ${PREVIEW_MAX_DAYS} days after from`);
    }
    const limit = options.limit ?? PREVIEW_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > PREVIEW_MAX_LIMIT) {
      throw new DomainError('limit', `limit must be a whole number from 1 to ${PREVIEW_MAX_LIMIT}`);
    }
    const { graceHours, defaultLocale } = await settings().get();
    const usable = await usableRules();
    const graceMs = graceHours * 3_600_000;
    const fetch = limit + 1;
    const candidates = new Map<number, SubscriptionRow>();
    /** Items at or after this instant may be missing (a candidate list was cut there). */
    let cutoff = Number.POSITIVE_INFINITY;
    const collect = (rows: SubscriptionRow[], instantOf: (row: SubscriptionRow) => number) => {
      for (const row of rows) if (!candidates.has(row.id)) candidates.set(row.id, row);
      if (rows.length >= fetch) cutoff = Math.min(cutoff, instantOf(rows[rows.length - 1]));
    };
    const time = (value: unknown) => (toDate(value) as Date).getTime();
    collect(await subscriptions.upcoming.starts(to, fetch), (row) => time(row.startsAt));
    collect(await subscriptions.upcoming.ends(to, fetch), (row) => time(row.endsAt));
    collect(await subscriptions.upcoming.paidEnds(new Date(to.getTime() - graceMs), fetch), (row) => time(row.dueAt) + graceMs);
    for (const rule of usable) {
      // Instants in [from, to]: the range the reminder pass would read over (from - 1 ms, to].
      const range = endRangeFor(rule, new Date(from.getTime() - 1), to);
      collect(await subscriptions.upcoming.endingBetween(rule.offer!.id, REMINDED_STATUSES, range.after, range.upTo, fetch), (row) =>
        reminderInstant(new Date(time(row.endsAt)), rule).getTime()
      );
    }

    const items: (PreviewItem & { t: number })[] = [];
    const base = (row: SubscriptionRow, t: number, kind: PreviewItemKind) => ({
      kind,
      t,
      at: new Date(t).toISOString(),
      overdue: t < from.getTime(),
      subscription: { id: row.id, documentId: row.documentId },
      member: row.user ? { id: row.user.id, email: row.user.email ?? null, username: row.user.username ?? null } : null,
      offer: row.offer ? { id: row.offer.id, documentId: row.offer.documentId, title: row.offer.title } : null,
    });
    const kindOf = (next: Status, graceEnded: boolean): PreviewItemKind =>
      graceEnded ? 'grace-end' : next === 'active' ? 'activation' : next === 'cancelled' ? 'cancellation' : 'expiry';

    for (const row of candidates.values()) {
      // A subscription without a member is settled too (runOnce: settleOrphans); never reminded.
      // The dates the subscription has from `since` until `until` (ms), as the scheduler moves them.
      const versions: { dates: SubscriptionDates; since: number; until: number }[] = [];
      let dates = datesOf(row);
      let since = from.getTime();
      for (let step = 0; step < 8; step += 1) {
        let due = settleDueAt(dates, graceHours);
        // Stored dates the rules would not have written (an editor's) may be due already.
        if (settled(dates, new Date(since), graceHours) && (!due || due.getTime() > since)) due = new Date(since);
        if (!due || due.getTime() > to.getTime()) break;
        const runAt = Math.max(due.getTime(), since);
        const t = settled(dates, new Date(runAt), graceHours);
        if (!t) break;
        items.push({ ...base(row, due.getTime(), kindOf(t.next.status, t.graceEnded)), transition: { from: dates.status, to: t.next.status } });
        versions.push({ dates, since, until: runAt });
        dates = t.next;
        since = runAt;
      }
      versions.push({ dates, since, until: Number.POSITIVE_INFINITY });

      const seen = new Set<string>();
      for (const rule of usable) {
        if (rule.offer!.id !== row.offer?.id) continue;
        for (const version of versions) {
          if (!version.dates.endsAt || !REMINDED_STATUSES.includes(version.dates.status)) continue;
          // Queued by the first run at or after the instant while the row has this end (a row
          // written later with an end whose instant has passed: by the run that wrote it).
          const queuedAt = Math.max(reminderInstant(version.dates.endsAt, rule).getTime(), version.since);
          if (queuedAt < from.getTime() || queuedAt > to.getTime() || queuedAt >= version.until) continue;
          const message = reminderOf({ ...row, ...version.dates }, rule, new Date(queuedAt), defaultLocale);
          if (!message || seen.has(message.dedupeKey)) continue;
          seen.add(message.dedupeKey);
          items.push({
            ...base(row, queuedAt, 'reminder'),
            reminder: {
              ruleId: rule.id,
              amount: rule.amount,
              period: rule.period,
              when: rule.when,
              endsAt: version.dates.endsAt.toISOString(),
              to: message.to,
              action: message.status === 'skipped' ? 'skip' : 'send',
              ...(message.reason ? { reason: message.reason } : {}),
              dedupeKey: message.dedupeKey,
            },
          });
        }
      }
    }

    // A reminder already queued (a run at `from` did it) is no longer ahead.
    const taken = await outbox.takenKeys(items.flatMap((item) => (item.reminder ? [item.reminder.dedupeKey] : [])));
    const KIND_ORDER: PreviewItemKind[] = ['activation', 'expiry', 'cancellation', 'grace-end', 'reminder'];
    const listed = items
      .filter((item) => item.t < cutoff && !(item.reminder && taken.has(item.reminder.dedupeKey)))
      .sort((a, b) => a.t - b.t || a.subscription.id - b.subscription.id || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
    let completeUntil = Math.min(cutoff, to.getTime());
    let truncated = Number.isFinite(cutoff);
    if (listed.length > limit) {
      truncated = true;
      completeUntil = Math.min(completeUntil, listed[limit].t);
      listed.length = limit;
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      limit,
      items: listed.map(({ t: _t, ...item }) => item),
      truncated,
      completeUntil: new Date(completeUntil).toISOString(),
    };
  };

  const running = new Set<string>();
  /** What a cron job calls: one run of the same steps at a time per process (a slow run is not overlapped). */
  const tick = async (steps: readonly SchedulerStep[] = SCHEDULER_STEPS) => {
    const key = steps.join(',');
    if (running.has(key)) return;
    running.add(key);
    try {
      await runOnce({ steps });
    } catch (error) {
      strapi.log.error(`subscriptions scheduler failed: ${(error as Error).message}`);
    } finally {
      running.delete(key);
    }
  };

  return { runOnce, tick, preview };
};
