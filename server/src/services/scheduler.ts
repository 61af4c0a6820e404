import type { Core } from '@strapi/strapi';
import {
  endForGrace,
  endRangeFor,
  isPastGrace,
  reminderDecision,
  reminderKey,
  statusAt,
  type ReminderRule,
  type Status,
  type SubscriptionDates,
} from '../domain';
import { UID } from '../content-types';
import { getService } from '../utils/plugin';
import { toDate } from '../utils/dates';
import { datesOf, SUBSCRIPTION_POPULATE, type SubscriptionRow } from '../repositories/rows';
import type { SubscriptionEvent } from './subscriptions';

/** Rows read per query: memory and lock time stay bounded whatever the backlog. */
export const BATCH_SIZE = 200;
/** How far back the very first run (or a run after the clock went backwards) looks for reminders. */
export const FIRST_RUN_LOOKBACK_MS = 24 * 3_600_000;
/** Reminder instants are re-examined this far before the previous run (clock skew between processes). */
const WATERMARK_OVERLAP_MS = 60_000;
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
  errors: number;
}

const EVENT_FOR: Partial<Record<Status, SubscriptionEvent>> = {
  active: 'subscriptions.subscription.activated',
  expired: 'subscriptions.subscription.expired',
  cancelled: 'subscriptions.subscription.cancelled',
};

/**
 * The plugin's scheduled work (run by Strapi cron in every process; safe to run in several at
 * once): activate subscriptions whose start has come, end those whose end has passed or whose
 * re-bill never came (grace), queue reminders that are due, then send the outbox.
 *
 * Every state change is a conditional UPDATE … WHERE status = <old>: when two processes race for
 * one row only one update affects it, and only that process recomputes the role, emits the event
 * and queues the expiry notice. Every e-mail is a message row with a unique dedupeKey written
 * before it is sent. Each step reads only due rows (indexed ranges on status and dates), in
 * batches of BATCH_SIZE.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const clock = () => getService(strapi, 'clock');
  const settings = () => getService(strapi, 'settings');
  const roles = () => getService(strapi, 'roles');
  const messages = () => getService(strapi, 'messages');
  const subscriptions = () => getService(strapi, 'subscriptions');
  const store = () => strapi.store({ type: 'plugin', name: 'subscriptions' });

  /** Moves one subscription from `from` to the status its dates give; true when this process did it. */
  const transition = async (
    row: SubscriptionRow,
    from: Status,
    next: SubscriptionDates,
    now: Date,
    changes: Record<string, unknown>
  ): Promise<Status | null> =>
    strapi.db.transaction(async () => {
      const { count } = await strapi.db.query(UID.subscription).updateMany({
        where: { id: row.id, status: from },
        data: { status: next.status, ...changes },
      });
      if (count !== 1) return null;
      const updated = { ...row, ...changes, status: next.status };
      if (row.user) await roles().recompute(row.user.id, now);
      const event = EVENT_FOR[next.status];
      if (event) subscriptions().emitAfterCommit(event, { subscription: updated, previousStatus: from });
      if ((next.status === 'expired' || next.status === 'cancelled') && row.user?.email && next.endsAt) {
        await messages().enqueue(
          {
            kind: 'expiry',
            to: row.user.email,
            userId: row.user.id,
            subscriptionId: row.id,
            dedupeKey: `expiry:${row.id}:${next.endsAt.toISOString()}`,
            data: { offerTitle: row.offer?.title ?? '', endsAt: next.endsAt.toISOString() },
          },
          now
        );
      }
      return next.status;
    });

  const errors = { count: 0 };

  /** Pages through due subscriptions by id (keyset), so a run never reads the table at once. */
  const eachDue = async (where: Record<string, unknown>, visit: (row: SubscriptionRow) => Promise<void>) => {
    let lastId = 0;
    for (;;) {
      const rows = (await strapi.db.query(UID.subscription).findMany({
        where: { ...where, id: { $gt: lastId } },
        populate: SUBSCRIPTION_POPULATE,
        orderBy: { id: 'asc' },
        limit: BATCH_SIZE,
      })) as SubscriptionRow[];
      for (const row of rows) {
        try {
          await visit(row);
        } catch (error) {
          // One broken row must not stop the run (nor every later run, which would meet it first).
          errors.count += 1;
          strapi.log.error(`subscriptions scheduler: subscription ${row.id}: ${(error as Error).message}`);
        }
      }
      if (rows.length < BATCH_SIZE) return;
      lastId = rows[rows.length - 1].id;
    }
  };

  const count = (figures: RunFigures, status: Status | null) => {
    if (status === 'active') figures.activated += 1;
    if (status === 'expired') figures.expired += 1;
    if (status === 'cancelled') figures.cancelled += 1;
  };

  /** `pending` subscriptions whose start has come become active (or ended, if their end passed too). */
  const activate = async (now: Date, figures: RunFigures) =>
    eachDue({ status: 'pending', startsAt: { $lte: now } }, async (row) => {
      const dates = datesOf(row);
      const status = statusAt(dates, now);
      if (status === 'pending') return;
      count(figures, await transition(row, 'pending', { ...dates, status }, now, {}));
    });

  /** `active` subscriptions whose end has passed: `expired`, or `cancelled` when cancelledAt is set. */
  const expire = async (now: Date, figures: RunFigures) =>
    eachDue({ status: 'active', endsAt: { $notNull: true, $lte: now } }, async (row) => {
      const dates = datesOf(row);
      const status = statusAt(dates, now);
      if (status === 'active') return;
      count(figures, await transition(row, 'active', { ...dates, status }, now, {}));
    });

  /** A re-bill that never came: paid end more than graceHours ago while the hard end is later or open. */
  const endPastGrace = async (now: Date, graceHours: number, figures: RunFigures) =>
    eachDue(
      { status: 'active', dueAt: { $notNull: true, $lt: new Date(now.getTime() - graceHours * 3_600_000) } },
      async (row) => {
        const dates = datesOf(row);
        if (!isPastGrace(dates, now, graceHours)) return;
        const next = endForGrace(dates, now);
        const status = await transition(row, 'active', next, now, { endsAt: next.endsAt });
        if (status) figures.graceEnded += 1;
        count(figures, status);
      }
    );

  const reminderWindowStart = async (now: Date): Promise<Date> => {
    const saved = ((await store().get({ key: STORE_KEY })) ?? {}) as { remindersCheckedUntil?: string };
    const until = toDate(saved.remindersCheckedUntil);
    // First run, or the clock went backwards (tests, a restored backup): look back a day.
    if (!until || until.getTime() > now.getTime()) return new Date(now.getTime() - FIRST_RUN_LOOKBACK_MS);
    return new Date(until.getTime() - WATERMARK_OVERLAP_MS);
  };

  type RuleRow = ReminderRule & { offer?: { id: number; title: string } | null };
  const REMINDED_STATUSES = ['pending', 'active', 'expired', 'cancelled'];

  /** Queues (or logs as skipped) one reminder occurrence when it is due; the dedupe key makes it once. */
  const remind = async (row: SubscriptionRow, rule: RuleRow, now: Date, locale: string, figures: RunFigures) => {
    const email = row.user?.email;
    if (!email || !row.user) return;
    const dates = datesOf(row);
    const decision = reminderDecision(
      { id: row.id, status: row.status, endsAt: dates.endsAt, startsAt: dates.startsAt },
      rule,
      now
    );
    if (decision.action !== 'send' && decision.action !== 'skip') return;
    const endsAt = dates.endsAt as Date;
    const result = await messages().enqueue(
      {
        kind: 'reminder',
        to: email,
        userId: row.user.id,
        subscriptionId: row.id,
        notificationRuleId: rule.id,
        dedupeKey: reminderKey(row.id, rule.id, endsAt),
        locale,
        data: { offerTitle: row.offer?.title ?? rule.offer?.title ?? '', endsAt: endsAt.toISOString(), when: rule.when },
        ...(decision.action === 'skip' ? { status: 'skipped' as const, reason: decision.reason } : {}),
      },
      now
    );
    if (!result.created) return;
    if (decision.action === 'skip') {
      figures.remindersSkipped += 1;
      strapi.log.info(`subscriptions: reminder for subscription ${row.id} (rule ${rule.id}) skipped: ${decision.reason}`);
    } else figures.remindersQueued += 1;
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
    const rules = (await strapi.db.query(UID.notificationRule).findMany({
      select: ['id', 'amount', 'period', 'when'],
      populate: { offer: { select: ['id', 'title'] } },
    })) as RuleRow[];
    const usable = rules.filter((rule) => rule.offer && Number.isInteger(rule.amount) && rule.amount >= 0);
    const { defaultLocale } = await settings().get();
    for (const rule of usable) {
      const range = endRangeFor(rule, from, now);
      await eachDue(
        {
          offer: { id: rule.offer!.id },
          status: { $in: REMINDED_STATUSES },
          endsAt: { $notNull: true, $gt: range.after, $lte: range.upTo },
        },
        (row) => remind(row, rule, now, defaultLocale, figures)
      );
    }
    if (usable.length > 0) {
      // updated_at is written by Strapi with the wall clock; `from` is the wall clock too in production.
      await eachDue(
        { updatedAt: { $gt: from }, status: { $in: REMINDED_STATUSES }, endsAt: { $notNull: true } },
        async (row) => {
          for (const rule of usable.filter((r) => r.offer!.id === row.offer?.id)) {
            await remind(row, rule, now, defaultLocale, figures);
          }
        }
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
      errors: 0,
    };
    const errorsAtStart = errors.count;
    if (steps.includes('lifecycle')) {
      const { graceHours } = await settings().get();
      await activate(now, figures);
      await expire(now, figures);
      await endPastGrace(now, graceHours, figures);
    }
    if (steps.includes('reminders')) await queueReminders(now, figures);
    if (steps.includes('delivery')) {
      const delivery = await messages().deliverDue({ now });
      figures.sent = delivery.sent;
      figures.failed = delivery.failed;
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
