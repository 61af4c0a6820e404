import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import {
  buyerNameOf,
  classifyNotice,
  dedupeKeyOf,
  meaningOf,
  parseNotification,
  parseStoredNotification,
  priceOf,
  purchaseInstant,
  REPLAYABLE_OUTCOMES,
  replayRefusal,
  storableText,
  verifyChecksum,
  type FieldError,
  type Meaning,
  type Notification,
  type PendingNotice,
} from '../domain';
import { getService } from '../utils/plugin';
import { retryOnConflict } from '../database/retry';
import { isUniqueViolation } from '../database/errors';
import { lockKey } from '../database/locks';
import { paymentEventRepository, type LedgerEntry, type Outcome } from '../repositories/payment-events';
import { offerRepository } from '../repositories/offers';
import { dialectOf } from '../repositories/sql';
import { memberRepository } from '../repositories/members';
import { offerOf } from './member-changes';
import { createThrottle } from '../utils/throttle';
import type { PluginConfig } from '../config';

export type { Outcome };

/** A payment event an admin may not re-apply: the HTTP status and why. */
export class ReplayRefused extends Error {
  readonly status: 404 | 409 | 422;

  constructor(status: 404 | 409 | 422, message: string) {
    super(message);
    this.name = 'ReplayRefused';
    this.status = status;
  }
}

export interface Click2SellAnswer {
  status: number;
  outcome: Outcome;
  message: string;
  errors?: FieldError[];
}

/** What re-applying a payment event did: the answer, and the ledger row the replay wrote. */
export interface ReplayAnswer extends Click2SellAnswer {
  event: number;
}

/** Failed verifications from one address within this window, beyond `click2sell.failedChecksumLimit` → 429. */
export const FAILURE_WINDOW_MS = 10 * 60_000;
/** Malformed notifications (400) from one address within this window, beyond `click2sell.malformedPerMinute` → 429. */
export const MALFORMED_WINDOW_MS = 60_000;
/** Addresses the throttles remember at most (least recently seen forgotten first). */
const THROTTLE_KEYS = 10_000;
const CHECKSUM_FAILED = 'checksum verification failed';
/** Ledger outcomes of a notification that bound its acquirer transaction (each carries its dedupe key). */
const BINDING_OUTCOMES: Outcome[] = ['applied', 'unmapped', 'failed-payment', 'replay', 'pending', 'duplicate'];

const ALREADY_PROCESSED = 'already processed';

/**
 * Turns one Click2Sell notification into exactly one correct change. Verify; serialise on the
 * signed acquirer transaction; record the notification in the ledger (unique per transaction,
 * type and subscription status); decide what it means from everything its acquirer transaction
 * did before (a second payment on it is a replay, a refund or cancellation before its payment
 * waits); hand the member's change to the one write path (member-changes); queue the welcome and
 * receipt e-mails in the same transaction, sent after it.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const ledger = paymentEventRepository(strapi);
  const offers = offerRepository(strapi);
  const members = memberRepository(strapi);
  const limits = (strapi.config.get('plugin::subscriptions.click2sell') ?? {}) as Partial<PluginConfig['click2sell']>;
  const failedChecksums = createThrottle({ limit: limits.failedChecksumLimit ?? 20, windowMs: FAILURE_WINDOW_MS, maxKeys: THROTTLE_KEYS });
  const malformed = createThrottle({ limit: limits.malformedPerMinute ?? 300, windowMs: MALFORMED_WINDOW_MS, maxKeys: THROTTLE_KEYS });

  const reject = async (
    status: number,
    reason: string,
    fields: Record<string, unknown>,
    remoteAddress: string,
    now: Date,
    errors?: FieldError[]
  ): Promise<Click2SellAnswer> => {
    // A rejected call keeps only a small, truncated copy of what it sent: a flood fills nothing.
    await ledger.record({ outcome: 'rejected', reason, fields, remoteAddress, now, small: true });
    return { status, outcome: 'rejected', message: reason, errors };
  };

  const duplicate = async (fields: Record<string, unknown>, remoteAddress: string, now: Date): Promise<Click2SellAnswer> => {
    await ledger.record({ outcome: 'duplicate', reason: ALREADY_PROCESSED, fields, remoteAddress, now });
    return { status: 200, outcome: 'duplicate', message: ALREADY_PROCESSED };
  };

  /**
   * Only acquirer_transaction_id is signed: a captured notification resent with another receipt,
   * product or buyer would verify. The first notification of an acquirer transaction binds these.
   */
  const boundElsewhere = (n: Notification, earlier: LedgerEntry | undefined) =>
    !!earlier &&
    (earlier.transactionId !== n.c2s_transaction_id ||
      earlier.productId !== n.product_id ||
      (earlier.email ?? '').trim().toLowerCase() !== n.buyer_email);

  const handle = async (input: { fields: Record<string, unknown>; remoteAddress: string; now?: Date }): Promise<Click2SellAnswer> => {
    const now = input.now ?? getService(strapi, 'clock').now();
    const { fields, remoteAddress } = input;

    // `remoteAddress` is Koa's `ctx.request.ip`: the proxy's X-Forwarded-For client only when
    // Strapi's `server.proxy` is on (README, "Behind a proxy"), else the socket's peer.
    if (failedChecksums.blocked(remoteAddress)) {
      return reject(429, 'too many failed verifications from this address; try again later', fields, remoteAddress, now);
    }
    if (malformed.blocked(remoteAddress)) {
      return reject(429, 'too many malformed notifications from this address; try again later', fields, remoteAddress, now);
    }
    const secret = await getService(strapi, 'settings').click2sellSecret();
    if (!secret) {
      return reject(503, 'no Click2Sell secret key is configured (Settings → Subscriptions, or CLICK2SELL_SECRET_KEY)', fields, remoteAddress, now);
    }
    const parsed = parseNotification(fields);
    if (!parsed.ok) {
      malformed.hit(remoteAddress);
      return reject(400, parsed.errors.map((e) => e.message).join('; '), fields, remoteAddress, now, parsed.errors);
    }
    const n = parsed.notification;
    if (!verifyChecksum(secret, n.acquirer_transaction_id, n.checksum)) {
      failedChecksums.hit(remoteAddress);
      return reject(403, CHECKSUM_FAILED, fields, remoteAddress, now);
    }

    const dedupeKey = dedupeKeyOf(n);
    try {
      const answer = await retryOnConflict(() => apply(n, fields, dedupeKey, remoteAddress, now, input.now));
      // A connection cut while committing (database crash) was once seen to end the transaction
      // without an error: the ledger row must be readable before Click2Sell is told 200, or it
      // would never resend a notification that was not kept (`npm run faults`, restart). SQLite
      // is in the process (no connection to lose): its commit returns once the row is written.
      if (answer.status === 200 && dialectOf(strapi) !== 'sqlite' && !(await ledger.existsWithKey(dedupeKey))) {
        throw Object.assign(new Error('Connection terminated: the notification was not committed'), { code: 'ECONNRESET' });
      }
      return answer;
    } catch (error) {
      if (isUniqueViolation(error)) return duplicate(fields, remoteAddress, now);
      throw error;
    }
  };

  /**
   * Everything about one acquirer transaction happens one notification at a time (a refund
   * racing its own sale would otherwise miss it and wait forever). The key is a digest: the id
   * may be 255 characters, the lock column 191. Inside the caller's transaction.
   */
  const lockAcquirer = (acquirer: string) => lockKey(strapi, `acquirer:${crypto.createHash('sha256').update(acquirer).digest('hex')}`);

  const apply = async (
    n: Notification,
    fields: Record<string, unknown>,
    dedupeKey: string,
    remoteAddress: string,
    receivedAt: Date,
    pinned: Date | undefined
  ): Promise<Click2SellAnswer> => {
    const meaning = meaningOf(n);
    const acquirer = storableText(n.acquirer_transaction_id, 255);

    return strapi.db.transaction(async (): Promise<Click2SellAnswer> => {
      await lockAcquirer(acquirer);
      // The ledger row comes first, and with it the dedupe check (one statement): a concurrent
      // copy of this notification waits on its unique key until this transaction ends, then
      // finds the key taken and is answered "already processed".
      // With it, the earlier notifications of the acquirer transaction that decide this one.
      const decided = await ledger.recordAndDecide({ outcome: 'applied', fields, remoteAddress, now: receivedAt, dedupeKey, meaning }, acquirer, BINDING_OUTCOMES);
      const inserted = decided.inserted;
      const earlier = decided.earlier.filter((row) => row.acquirerTransactionId === acquirer);
      if (boundElsewhere(n, earlier[0])) {
        if (inserted) await ledger.remove(inserted.id);
        return reject(
          403,
          'acquirer_transaction_id was already used by another transaction (c2s_transaction_id, product_id or buyer_email differ): only acquirer_transaction_id is signed, so these cannot change',
          fields,
          remoteAddress,
          receivedAt
        );
      }
      if (!inserted) return duplicate(fields, remoteAddress, receivedAt);
      return decide(n, meaning, acquirer, inserted, earlier, receivedAt, pinned);
    });
  };

  /**
   * What a recorded, verified notification does, given the earlier notifications of its acquirer
   * transaction: a new one, or one an admin re-applies from the payment log. Joins the caller's
   * transaction (held under the acquirer transaction's lock) and completes the ledger row `event`.
   */
  const decide = async (
    n: Notification,
    meaning: Meaning,
    acquirer: string,
    event: { id: number },
    earlier: LedgerEntry[],
    receivedAt: Date,
    pinned: Date | undefined
  ): Promise<Click2SellAnswer> =>
    strapi.db.transaction(async ({ onCommit }): Promise<Click2SellAnswer> => {
      const finish = async (outcome: Outcome, message: string, links: Parameters<typeof ledger.complete>[1] = {}): Promise<Click2SellAnswer> => {
        await ledger.complete(event.id, { outcome, reason: message, ...links });
        return { status: 200, outcome, message };
      };

      const verdict = classifyNotice(meaning, earlier);
      if (verdict === 'replay') {
        return finish('replay', `${ALREADY_PROCESSED}: a replay — acquirer transaction ${acquirer} has already paid once (refused, nothing changed)`);
      }
      if (meaning === 'failed-payment') return finish('failed-payment', 'payment failed: recorded, nothing extended');

      const changes = getService(strapi, 'memberChanges');
      if (meaning === 'refund' || meaning === 'cancel') {
        // Refunds and cancellations never create members; they act on the payment they concern.
        const paid = earlier.find((row) => row.outcome === 'applied' && (row.meaning === 'purchase' || row.meaning === 'rebill'));
        if (!paid && earlier.some((row) => row.outcome === 'unmapped')) {
          return finish('applied', `${meaning}: the payment bought no subscription (unmapped product)`);
        }
        if (paid && paid.userId === null) {
          return finish('applied', `${meaning}: the payment bought nothing (it was refunded before it arrived)`);
        }
        const memberId = paid?.userId ?? (await members.findByEmail(n.buyer_email))?.id ?? null;
        if (memberId === null) {
          return finish('pending', `${meaning} recorded before its payment: applied when the payment arrives`);
        }
        const applied = await changes.apply(
          { userId: memberId, event: { type: meaning === 'refund' ? 'refund-payment' : 'cancel-payment', acquirerId: acquirer }, cause: { kind: 'payment', ref: event.id } },
          { now: pinned }
        );
        const outcome: Outcome = applied.result.outcome === 'replay' ? 'duplicate' : applied.result.outcome;
        return finish(outcome, applied.result.message, { user: memberId, subscription: applied.subscription?.id ?? null });
      }

      // A payment: purchase or re-bill.
      const pending: PendingNotice[] = earlier
        .filter((row) => row.outcome === 'pending' && (row.meaning === 'refund' || row.meaning === 'cancel'))
        .map((row) => ({ id: row.id, acquirerId: acquirer, kind: row.meaning as 'refund' | 'cancel' }));
      const offer = await offers.findByProductId(n.product_id);
      // Found with its lock (one statement): the write path below does not lock it again.
      const existing = await members.findByEmailLocked(n.buyer_email);
      if (!existing && pending.some((p) => p.kind === 'refund')) {
        // Refunded before it arrived: no access, no member, no welcome e-mail.
        await ledger.resolvePending(pending.map((p) => Number(p.id)), 'applied with its payment, which arrived later');
        return finish('applied', 'payment already refunded: nothing granted', { refundedAt: receivedAt });
      }
      const { user, created } = existing
        ? { user: existing, created: false }
        : await getService(strapi, 'members').findOrCreate(n.buyer_email);
      const name = buyerNameOf(n) || null;
      if (created) {
        await queueMessage({ kind: 'welcome', to: user.email, userId: user.id, dedupeKey: `welcome:${user.id}`, data: { offerTitle: offer?.title ?? null, name } }, receivedAt);
        onCommit(() => {
          void strapi.eventHub.emit('subscriptions.user.created', { user: { id: user.id, email: user.email }, source: 'click2sell' });
        });
      }
      if (!offer) {
        // Refunds or cancellations that waited for this payment are applied with it: it bought nothing.
        if (pending.length > 0) await ledger.resolvePending(pending.map((p) => Number(p.id)), 'applied with its payment, which bought nothing (unmapped product)');
        // As the Plone add-on did: the member is provisioned (with the fallback role); admins see it.
        await changes.refreshRoles([user.id], { now: pinned, cause: { kind: 'payment', ref: event.id } });
        return finish('unmapped', `unmapped product: no offer has click2sellProductId "${n.product_id}"`, { user: user.id });
      }
      const settings = await getService(strapi, 'settings').get();
      const applied = await changes.apply(
        {
          userId: user.id,
          event: {
            type: 'payment',
            acquirerId: acquirer,
            offer: offerOf(offer),
            mode: meaning === 'rebill' ? 'rebill' : 'purchase',
            recurring: n.transaction_type === 'Subscription',
            source: 'click2sell',
          },
          pending,
          cause: { kind: 'payment', ref: event.id },
          // A payment reads only the payments of its own acquirer transaction: those are the
          // earlier ledger rows just read (the member's applied payments among them).
          payments: earlier
            .filter((row) => row.outcome === 'applied' && (row.meaning === 'purchase' || row.meaning === 'rebill') && row.userId === user.id)
            .map((row) => ({
              id: row.id,
              acquirerId: row.acquirerTransactionId ?? '',
              subscriptionId: row.subscriptionId,
              periodStart: row.periodStart,
              periodEnd: row.periodEnd,
              refundedAt: row.refundedAt,
              paidAt: row.receivedAt,
            })),
          purchase: {
            lastPurchaseId: n.c2s_transaction_id,
            lastPurchaseAt: purchaseInstant(n, settings.purchaseTimezone),
            affiliate: n.affiliate_username || null,
            buyerName: name,
          },
        },
        { now: pinned }
      );
      const payment = applied.payment;
      const subscription = applied.subscription;
      if (applied.result.outcome === 'replay' || !payment) return finish('replay', `${ALREADY_PROCESSED}: ${applied.result.message}`, { user: user.id });
      if (subscription && !payment.refundedAt && settings.receiptEmails && user.email) {
        await queueMessage(
          {
            kind: 'receipt',
            to: user.email,
            userId: user.id,
            subscriptionId: subscription.id,
            dedupeKey: `receipt:${event.id}`,
            data: {
              offerTitle: offer.title,
              name,
              startsAt: payment.periodStart?.toISOString() ?? null,
              endsAt: payment.periodEnd?.toISOString() ?? null,
              dueAt: (subscription.dueAt as Date | null) ? new Date(subscription.dueAt as string).toISOString() : null,
            },
          },
          receivedAt
        );
      }
      return finish('applied', applied.result.message, {
        user: user.id,
        subscription: subscription?.id ?? null,
        periodStart: payment.periodStart,
        periodEnd: payment.periodEnd,
        refundedAt: payment.refundedAt,
      });
    });

  /**
   * Re-applies a ledger row an admin could fix (an unmapped product, once an offer carries its
   * `click2sellProductId`): its stored payload goes through `decide` as a new notification would,
   * but is not verified again — it was when it arrived, and its checksum was never stored. Once
   * per row: the row is claimed with a conditional update under the acquirer transaction's lock,
   * so of two admins one applies and the other is refused. The replay writes its own ledger row
   * (`replayOf` → the original; the original gets `replayedAt`, `replayedBy`, `replayOutcome`,
   * `replayedAs`). Refunds and cancellations of that payment recorded meanwhile changed nothing
   * (it bought nothing); they are applied with it. Anything but an applied payment — the product
   * still unmapped, say — is refused and nothing is written.
   */
  const replay = async (input: { id: number; by: string; now?: Date }): Promise<ReplayAnswer> => {
    const now = input.now ?? getService(strapi, 'clock').now();
    const row = await ledger.findForReplay(input.id);
    if (!row) throw new ReplayRefused(404, `no payment event ${input.id}`);
    const refusal = replayRefusal(row);
    if (refusal) throw new ReplayRefused(refusal.status, refusal.message);
    const parsed = row.payload ? parseStoredNotification(row.payload) : null;
    if (!parsed || !parsed.ok) {
      throw new ReplayRefused(422, `the stored notification cannot be read again: ${parsed && !parsed.ok ? parsed.errors.map((e) => e.message).join('; ') : 'no payload'}`);
    }
    const n = parsed.notification;
    const acquirer = storableText(n.acquirer_transaction_id, 255);
    if (acquirer !== row.acquirerTransactionId || dedupeKeyOf(n) !== row.dedupeKey) {
      throw new ReplayRefused(422, 'the stored notification does not match its ledger row (acquirer transaction or dedupe key)');
    }
    const meaning = meaningOf(n);
    return retryOnConflict(() =>
      strapi.db.transaction(async (): Promise<ReplayAnswer> => {
        await lockAcquirer(acquirer);
        if (!(await ledger.claimReplay(row.id, { at: now, by: input.by, outcomes: REPLAYABLE_OUTCOMES }))) {
          const again = await ledger.findForReplay(row.id);
          throw new ReplayRefused(409, (again && replayRefusal(again)?.message) ?? 'this payment event cannot be re-applied');
        }
        if (!(await offers.findByProductId(n.product_id))) {
          throw new ReplayRefused(
            409,
            `product_id "${n.product_id}" is still unmapped: give an offer click2sellProductId "${n.product_id}", then re-apply`
          );
        }
        const decided = await ledger.recordAndDecide(
          { outcome: 'applied', fields: row.payload!, remoteAddress: row.remoteAddress ?? '', now, dedupeKey: `replay:${row.id}`, meaning, replayOf: row.id },
          acquirer,
          BINDING_OUTCOMES
        );
        if (!decided.inserted) throw new ReplayRefused(409, 'already re-applied: a payment event is re-applied once');
        const earlier = decided.earlier
          .filter((e) => e.acquirerTransactionId === acquirer && e.id !== row.id)
          // Its refunds and cancellations changed nothing while it bought nothing: they wait for it.
          .map((e): LedgerEntry =>
            (e.meaning === 'refund' || e.meaning === 'cancel') && (e.outcome === 'applied' || e.outcome === 'pending') && e.subscriptionId === null
              ? { ...e, outcome: 'pending' }
              : e
          );
        const answer = await decide(n, meaning, acquirer, decided.inserted, earlier, now, input.now);
        // Only a payment that applied counts; anything else is undone with the claim.
        if (answer.outcome !== 'applied') throw new ReplayRefused(409, `not re-applied: ${answer.message}`);
        await ledger.completeReplay(row.id, { outcome: answer.outcome, as: decided.inserted.id });
        return { ...answer, event: decided.inserted.id };
      })
    );
  };

  /**
   * Welcome and receipt e-mails are written to the outbox in the payment's own transaction (so
   * they exist exactly when the payment does) and delivered after the commit; an SMTP failure
   * leaves them in the outbox to be retried, never undoing the payment.
   */
  const queueMessage = async (
    message: { kind: 'welcome' | 'receipt'; to: string; userId: number; subscriptionId?: number; dedupeKey: string; data: Record<string, unknown> },
    now: Date
  ) => {
    // Written already claimed by this process, which sends it right after the commit.
    await getService(strapi, 'messages').enqueueToSend(message, now);
  };

  /**
   * Gives ledger rows written before this version their meaning (purchase, rebill, refund…), so
   * that replays of an old payment are recognised and its refund finds it. Runs at bootstrap;
   * nothing to do on a new or already migrated database (one indexed query).
   */
  const backfillMeanings = async () => {
    let done = 0;
    for (;;) {
      const rows = await ledger.withoutMeaning(500);
      if (rows.length === 0) break;
      const groups = new Map<Meaning, number[]>();
      for (const row of rows) {
        const meaning = meaningOf({
          transaction_type: (row.transactionType ?? 'Sale') as Notification['transaction_type'],
          subscription_status: (row.subscriptionStatus ?? '') as Notification['subscription_status'],
          payment_status: (row.paymentStatus ?? 'OK') as Notification['payment_status'],
        });
        if (!groups.has(meaning)) groups.set(meaning, []);
        groups.get(meaning)!.push(row.id);
      }
      for (const [meaning, ids] of groups) await ledger.setMeaning(ids, meaning);
      done += rows.length;
    }
    if (done > 0) strapi.log.info(`subscriptions: ${done} payment events from an earlier version given their meaning`);
  };

  /**
   * Gives ledger rows written before the price columns existed their amount and currency, read
   * from the stored payload's `product_price` (the revenue figures sum these columns). Runs at
   * bootstrap; one indexed query when there is nothing to do.
   */
  const backfillPrices = async () => {
    let done = 0;
    for (;;) {
      const rows = await ledger.withoutPrice(500);
      if (rows.length === 0) break;
      for (const row of rows) {
        const payload = row.payload && typeof row.payload === 'object' ? (row.payload as Record<string, unknown>) : {};
        await ledger.setPrice(row.id, priceOf(payload.product_price));
      }
      done += rows.length;
    }
    if (done > 0) strapi.log.info(`subscriptions: ${done} payment events from an earlier version given their amount and currency`);
  };

  return { handle, replay, backfillMeanings, backfillPrices };
};

export type { Meaning };
