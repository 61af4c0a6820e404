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
import { datesOf, SUBSCRIPTION_POPULATE, type SubscriptionRow } from '../repositories/mappers';
import type { SubscriptionEvent } from './subscriptions';
import { enqueueMany, type BatchMessage } from '../database/outbox';

/** Rows read per query: memory and lock time stay bounded whatever the backlog. */
export const BATCH_SIZE = 200;
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
  const eachPage = async (where: Record<string, unknown>, visit: (rows: SubscriptionRow[]) => Promise<void>) => {
    let lastId = 0;
    for (;;) {
      const rows = (await strapi.db.query(UID.subscription).findMany({
        where: { ...where, id: { $gt: lastId } },
        populate: SUBSCRIPTION_POPULATE,
        orderBy: { id: 'asc' },
        limit: BATCH_SIZE,
      })) as SubscriptionRow[];
      if (rows.length > 0) await visit(rows);
      if (rows.length < BATCH_SIZE) return;
      lastId = rows[rows.length - 1].id;
    }
  };

  /** Visits due subscriptions one by one; one broken row must not stop the run (nor every later run, which would meet it first). */
  const eachDue = async (where: Record<string, unknown>, visit: (row: SubscriptionRow) => Promise<void>) =>
    eachPage(where, async (rows) => {
      for (const row of rows) {
        try {
          await visit(row);
        } catch (error) {
          errors.count += 1;
          strapi.log.error(`subscriptions scheduler: subscription ${row.id}: ${(error as Error).message}`);
        }
      }
    });

  const count = (figures: RunFigures, status: Status | null) => {
    if (status === 'active') figures.activated += 1;
    if (status === 'expired') figures.expired += 1;
    if (status === 'cancelled') figures.cancelled += 1;
  };

  interface Candidate {
    row: SubscriptionRow;
    next: SubscriptionDates;
    changes: { endsAt?: Date | null };
  }

  /**
   * Moves a page of due subscriptions out of `from` in one transaction: a locking read claims the
   * rows still in `from` (another process's run on the same rows waits there, then finds them
   * moved), one update per target state, the members' roles recomputed together, the expiry
   * notices queued in one insert. Returns the status this process gave each row it moved.
   */
  const transitionBatch = async (candidates: readonly Candidate[], from: Status, now: Date): Promise<Map<number, Status>> =>
    strapi.db.transaction(async ({ trx }) => {
      const meta = strapi.db.metadata.get(UID.subscription);
      const statusColumn = (meta.attributes as Record<string, any>).status.columnName ?? 'status';
      const ids = candidates.map((c) => c.row.id);
      const claimed = new Set<number>();
      for (let i = 0; i < ids.length; i += 500) {
        const read = trx(meta.tableName).select('id').whereIn('id', ids.slice(i, i + 500)).andWhere(statusColumn, from).orderBy('id');
        // SQLite has one writer at a time: the transaction is the claim.
        const rows = strapi.db.dialect.client === 'sqlite' ? await read : await read.forUpdate();
        for (const row of rows as { id: number | string }[]) claimed.add(Number(row.id));
      }
      const mine = candidates.filter((c) => claimed.has(c.row.id));
      const groups = new Map<string, { data: Record<string, unknown>; ids: number[] }>();
      for (const c of mine) {
        const data: Record<string, unknown> = { status: c.next.status, ...c.changes };
        const key = JSON.stringify(data);
        if (!groups.has(key)) groups.set(key, { data, ids: [] });
        groups.get(key)!.ids.push(c.row.id);
      }
      for (const { data, ids: group } of groups.values()) {
        for (let i = 0; i < group.length; i += 500) {
          await strapi.db.query(UID.subscription).updateMany({ where: { id: { $in: group.slice(i, i + 500) }, status: from }, data });
        }
      }
      await roles().recomputeMany(
        mine.map((c) => c.row.user?.id).filter((id): id is number => typeof id === 'number'),
        now
      );
      const notices: BatchMessage[] = [];
      for (const c of mine) {
        const event = EVENT_FOR[c.next.status];
        if (event) subscriptions().emitAfterCommit(event, { subscription: { ...c.row, ...c.changes, status: c.next.status }, previousStatus: from });
        if ((c.next.status === 'expired' || c.next.status === 'cancelled') && c.row.user?.email && c.next.endsAt) {
          notices.push({
            kind: 'expiry',
            to: c.row.user.email,
            userId: c.row.user.id,
            subscriptionId: c.row.id,
            dedupeKey: `expiry:${c.row.id}:${c.next.endsAt.toISOString()}`,
            data: { offerTitle: c.row.offer?.title ?? '', endsAt: c.next.endsAt.toISOString() },
          });
        }
      }
      if ((await enqueueMany(strapi, notices, now)) === false) {
        for (const notice of notices) await messages().enqueue(notice, now);
      }
      return new Map(mine.map((c) => [c.row.id, c.next.status] as const));
    });

  /**
   * Pages through due subscriptions by id (keyset) and moves each page with `transitionBatch`;
   * if a page fails, its rows are moved one by one so that one broken row stops only itself.
   */
  const moveDue = async (
    where: Record<string, unknown>,
    from: Status,
    now: Date,
    decide: (row: SubscriptionRow) => Candidate | null,
    counted: (status: Status) => void
  ) =>
    eachPage(where, async (rows) => {
      const candidates = rows.map(decide).filter((c): c is Candidate => c !== null);
      if (candidates.length === 0) return;
      try {
        for (const status of (await transitionBatch(candidates, from, now)).values()) counted(status);
      } catch (error) {
        strapi.log.warn(`subscriptions scheduler: a batch of ${candidates.length} failed (${(error as Error).message}); moving its rows one by one`);
        for (const c of candidates) {
          try {
            const status = await transition(c.row, from, c.next, now, c.changes);
            if (status) counted(status);
          } catch (rowError) {
            errors.count += 1;
            strapi.log.error(`subscriptions scheduler: subscription ${c.row.id}: ${(rowError as Error).message}`);
          }
        }
      }
    });

  /** `pending` subscriptions whose start has come become active (or ended, if their end passed too). */
  const activate = async (now: Date, figures: RunFigures) =>
    moveDue(
      { status: 'pending', startsAt: { $lte: now } },
      'pending',
      now,
      (row) => {
        const dates = datesOf(row);
        const status = statusAt(dates, now);
        return status === 'pending' ? null : { row, next: { ...dates, status }, changes: {} };
      },
      (status) => count(figures, status)
    );

  /** `active` subscriptions whose end has passed: `expired`, or `cancelled` when cancelledAt is set. */
  const expire = async (now: Date, figures: RunFigures) =>
    moveDue(
      { status: 'active', endsAt: { $notNull: true, $lte: now } },
      'active',
      now,
      (row) => {
        const dates = datesOf(row);
        const status = statusAt(dates, now);
        return status === 'active' ? null : { row, next: { ...dates, status }, changes: {} };
      },
      (status) => count(figures, status)
    );

  /** A re-bill that never came: paid end more than graceHours ago while the hard end is later or open. */
  const endPastGrace = async (now: Date, graceHours: number, figures: RunFigures) =>
    moveDue(
      { status: 'active', dueAt: { $notNull: true, $lt: new Date(now.getTime() - graceHours * 3_600_000) } },
      'active',
      now,
      (row) => {
        const dates = datesOf(row);
        if (!isPastGrace(dates, now, graceHours)) return null;
        const next = endForGrace(dates, now);
        return { row, next, changes: { endsAt: next.endsAt } };
      },
      (status) => {
        figures.graceEnded += 1;
        count(figures, status);
      }
    );

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
