import type { Core } from '@strapi/strapi';
import { endRangeFor, reminderDecision, reminderKey, settled, type ReminderRule, type Status } from '../domain';
import { getService } from '../utils/plugin';
import { toDate } from '../utils/dates';
import { datesOf, type SubscriptionRow } from '../repositories/mappers';
import { subscriptionRepository, PAGE_SIZE } from '../repositories/subscriptions';
import { ruleRepository } from '../repositories/rules';
import { messageRepository, type BatchMessage } from '../repositories/messages';

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
  const settlePage = async (rows: SubscriptionRow[], now: Date, graceHours: number, figures: RunFigures) => {
    const due = rows.filter((row) => row.user && settled(datesOf(row), now, graceHours) !== null);
    const userIds = [...new Set(due.map((row) => row.user!.id))];
    if (userIds.length === 0) return;
    const record = (applied: { result: { transitions: { to: Status; graceEnded: boolean }[] } }[]) => {
      for (const a of applied) for (const t of a.result.transitions) count(figures, t);
    };
    try {
      record(await changes().applyMany(userIds.map((userId) => ({ userId, event: { type: 'settle' as const } })), { now }));
    } catch (error) {
      strapi.log.warn(`subscriptions scheduler: a page of ${userIds.length} members failed (${(error as Error).message}); settling them one by one`);
      for (const userId of userIds) {
        try {
          record([await changes().apply({ userId, event: { type: 'settle' } }, { now })]);
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

  /** The reminder occurrence of `row` under `rule` when it is due now (to send, or to log as skipped). */
  const reminderOf = (row: SubscriptionRow, rule: RuleRow, now: Date, locale: string): BatchMessage | null => {
    const email = row.user?.email;
    if (!email || !row.user) return null;
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
    const usable = ((await rules.withOffers()) as RuleRow[]).filter((rule) => rule.offer && Number.isInteger(rule.amount) && rule.amount >= 0);
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
    if (steps.includes('lifecycle')) {
      const { graceHours } = await settings().get();
      const settle = (rows: SubscriptionRow[]) => settlePage(rows, now, graceHours, figures);
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
    figures.errors = errors.count - errorsAtStart;
    const busy = Object.values(figures).some((n) => n > 0);
    const line = `subscriptions scheduler (${steps.join(', ')}) at ${now.toISOString()}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`;
    if (busy) strapi.log.info(line);
    else strapi.log.debug(line);
    return figures;
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

  return { runOnce, tick };
};
