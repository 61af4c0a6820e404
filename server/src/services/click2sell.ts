import type { Core } from '@strapi/strapi';
import {
  buyerNameOf,
  dedupeKeyOf,
  meaningOf,
  parseNotification,
  purchaseInstant,
  redactPayload,
  storableText,
  verifyChecksum,
  type FieldError,
  type Notification,
} from '../domain';
import { UID } from '../content-types';
import { getService } from '../utils/plugin';
import { retryOnConflict } from '../database/retry';
import { isUniqueViolation } from '../database/errors';
import { joinTableOf } from '../database/links';

export type Outcome = 'applied' | 'duplicate' | 'rejected' | 'unmapped' | 'failed-payment' | 'error';

export interface Click2SellAnswer {
  status: number;
  outcome: Outcome;
  message: string;
  errors?: FieldError[];
}

/** Failed verifications from one address within this window, beyond this count → 429. */
const FAILURE_WINDOW_MS = 10 * 60_000;
const FAILURE_LIMIT = 20;
const CHECKSUM_FAILED = 'checksum verification failed';
/** Ledger outcomes of a notification that was applied (each such row carries its dedupe key). */
const APPLYING_OUTCOMES: Outcome[] = ['applied', 'unmapped', 'failed-payment'];

/**
 * Turns one Click2Sell notification into exactly one correct change: verify, record in the
 * ledger (unique per transaction, type and subscription status), provision the member and the
 * subscription in one transaction, queue the welcome e-mail for after the commit.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const ledger = () => strapi.db.query(UID.paymentEvent);

  const record = async (entry: {
    outcome: Outcome;
    reason?: string;
    fields: Record<string, unknown>;
    remoteAddress: string;
    now: Date;
    dedupeKey?: string | null;
    user?: number | null;
    subscription?: number | null;
  }) => {
    const f = entry.fields;
    const text = (key: string, max = 255) => (typeof f[key] === 'string' ? storableText(f[key] as string, max) : null);
    return ledger().create({
      data: {
        provider: 'click2sell',
        dedupeKey: entry.dedupeKey ?? null,
        acquirerTransactionId: text('acquirer_transaction_id'),
        transactionId: text('c2s_transaction_id'),
        transactionType: text('transaction_type', 64),
        subscriptionStatus: text('subscription_status', 64),
        paymentStatus: text('payment_status', 64),
        productId: text('product_id'),
        email: text('buyer_email'),
        outcome: entry.outcome,
        reason: entry.reason === undefined ? null : storableText(entry.reason, 2000),
        remoteAddress: storableText(entry.remoteAddress, 64),
        payload: redactPayload(f),
        receivedAt: entry.now,
        user: entry.user ?? null,
        subscription: entry.subscription ?? null,
      },
    });
  };

  /**
   * Completes the ledger row this transaction wrote first: its outcome, reason, member and
   * subscription. The row is new and has no links yet, so plain statements do what Strapi's
   * relation update does with three times the queries (unlink, relink, reorder) — on every payment.
   */
  const complete = async (
    eventId: number,
    data: { outcome?: Outcome; reason?: string; user?: number | null; subscription?: number | null }
  ) => {
    const meta = strapi.db.metadata.get(UID.paymentEvent);
    const attributes = meta.attributes as Record<string, any>;
    const columns: Record<string, unknown> = { updated_at: new Date() };
    if (data.outcome !== undefined) columns[attributes.outcome.columnName ?? 'outcome'] = data.outcome;
    if (data.reason !== undefined) columns[attributes.reason.columnName ?? 'reason'] = storableText(data.reason, 2000);
    await strapi.db.transaction(async ({ trx }) => {
      await trx(meta.tableName).where({ id: eventId }).update(columns);
      for (const [relation, id] of [
        ['user', data.user],
        ['subscription', data.subscription],
      ] as const) {
        if (!id) continue;
        const join = joinTableOf(strapi, UID.paymentEvent, relation);
        await trx(join.name).insert({ [join.joinColumn.name]: eventId, [join.inverseJoinColumn.name]: id });
      }
    });
  };

  const recentFailures = async (remoteAddress: string, now: Date) =>
    ledger().count({
      where: {
        remoteAddress,
        outcome: 'rejected',
        // Only a checksum that was checked and did not match; a malformed or missing one is a 400.
        reason: CHECKSUM_FAILED,
        receivedAt: { $gt: new Date(now.getTime() - FAILURE_WINDOW_MS) },
      },
    });

  const reject = async (
    status: number,
    reason: string,
    fields: Record<string, unknown>,
    remoteAddress: string,
    now: Date,
    errors?: FieldError[]
  ): Promise<Click2SellAnswer> => {
    await record({ outcome: 'rejected', reason, fields, remoteAddress, now });
    return { status, outcome: 'rejected', message: reason, errors };
  };

  const handle = async (input: {
    fields: Record<string, unknown>;
    remoteAddress: string;
    now?: Date;
  }): Promise<Click2SellAnswer> => {
    const now = input.now ?? getService(strapi, 'clock').now();
    const { fields, remoteAddress } = input;
    // Work that waits on a member's lock reads the time again once it holds it (unless pinned).
    const pinned = input.now;

    if ((await recentFailures(remoteAddress, now)) >= FAILURE_LIMIT) {
      return reject(429, 'too many failed verifications from this address; try again later', fields, remoteAddress, now);
    }
    const secret = await getService(strapi, 'settings').click2sellSecret();
    if (!secret) {
      return reject(
        503,
        'no Click2Sell secret key is configured (Settings → Subscriptions, or CLICK2SELL_SECRET_KEY)',
        fields,
        remoteAddress,
        now
      );
    }
    const parsed = parseNotification(fields);
    if (!parsed.ok) {
      const message = parsed.errors.map((e) => e.message).join('; ');
      return reject(400, message, fields, remoteAddress, now, parsed.errors);
    }
    const n = parsed.notification;
    if (!verifyChecksum(secret, n.acquirer_transaction_id, n.checksum)) {
      return reject(403, CHECKSUM_FAILED, fields, remoteAddress, now);
    }

    // One look-up serves two rules. Only acquirer_transaction_id is signed, so a captured
    // notification resent with another product, buyer or receipt would verify: the checksum stays
    // bound to the transaction it first applied (a resend, or the cancellation or refund of that
    // transaction, still passes). And a notification already in the ledger is not applied again.
    // Only applying rows carry a dedupe key, and one acquirer id has a handful of them at most.
    const dedupeKey = dedupeKeyOf(n);
    const acquirer = storableText(n.acquirer_transaction_id, 255);
    const known = (await ledger().findMany({
      where: { $or: [{ dedupeKey }, { acquirerTransactionId: acquirer, outcome: { $in: APPLYING_OUTCOMES } }] },
      select: ['dedupeKey', 'acquirerTransactionId', 'transactionId', 'productId', 'email'],
      orderBy: { id: 'asc' },
      limit: 16,
    })) as { dedupeKey: string | null; acquirerTransactionId: string | null; transactionId: string | null; productId: string | null; email: string | null }[];
    const earlier = known.find((row) => row.acquirerTransactionId === acquirer);
    if (
      earlier &&
      (earlier.transactionId !== n.c2s_transaction_id ||
        earlier.productId !== n.product_id ||
        (earlier.email ?? '').trim().toLowerCase() !== n.buyer_email)
    ) {
      return reject(
        403,
        'acquirer_transaction_id was already used by another transaction (c2s_transaction_id, product_id or buyer_email differ): only acquirer_transaction_id is signed, so these cannot change',
        fields,
        remoteAddress,
        now
      );
    }

    const duplicate = async (): Promise<Click2SellAnswer> => {
      await record({ outcome: 'duplicate', reason: 'already processed', fields, remoteAddress, now });
      return { status: 200, outcome: 'duplicate', message: 'already processed' };
    };
    if (known.some((row) => row.dedupeKey === dedupeKey)) return duplicate();

    try {
      const answer = await retryOnConflict(() => apply(n, fields, dedupeKey, remoteAddress, now, pinned));
      // A connection cut while committing (database crash) was once seen to end the transaction
      // without an error: the ledger row must be readable before Click2Sell is told 200, or it
      // would never resend a notification that was not kept (`npm run faults`, restart).
      if (!(await ledger().findOne({ where: { dedupeKey }, select: ['id'] }))) {
        throw Object.assign(new Error('Connection terminated: the notification was not committed'), { code: 'ECONNRESET' });
      }
      return answer;
    } catch (error) {
      if (isUniqueViolation(error)) return duplicate();
      throw error;
    }
  };

  const apply = async (
    n: Notification,
    fields: Record<string, unknown>,
    dedupeKey: string,
    remoteAddress: string,
    now: Date,
    pinned: Date | undefined
  ): Promise<Click2SellAnswer> => {
    const meaning = meaningOf(n);
    const settings = await getService(strapi, 'settings').get();
    const subscriptions = getService(strapi, 'subscriptions');

    const answer = await strapi.db.transaction(async ({ onCommit }) => {
      // The ledger row comes first: a concurrent copy of this notification blocks on its unique
      // key until this transaction ends, then fails and is answered "already processed".
      const event = await record({ outcome: 'applied', fields, remoteAddress, now, dedupeKey });

      if (meaning === 'failed-payment') {
        await complete(event.id, { outcome: 'failed-payment', reason: 'payment failed: nothing extended' });
        return { status: 200, outcome: 'failed-payment' as Outcome, message: 'payment failed: recorded, nothing extended' };
      }

      const offer = (await strapi.db.query(UID.offer).findOne({
        where: { click2sellProductId: n.product_id },
        select: ['id', 'title'],
      })) as { id: number; title: string } | null;

      // Refunds and cancellations never create members.
      if (meaning === 'refund' || meaning === 'cancel') {
        const member = await getService(strapi, 'members').findByEmail(n.buyer_email);
        const target = member && offer ? await subscriptions.latestFor(member.id, offer.id, n.c2s_transaction_id) : null;
        if (!target) {
          const reason = `${meaning}: no matching subscription for ${member ? 'this member and product' : 'this e-mail'}`;
          await complete(event.id, { reason, user: member?.id ?? null });
          return { status: 200, outcome: 'applied' as Outcome, message: reason };
        }
        const updated =
          meaning === 'refund'
            ? await subscriptions.refund(target.id, { now: pinned })
            : await subscriptions.cancel(target.id, { now: pinned });
        await complete(event.id, { user: member!.id, subscription: updated.id, reason: meaning });
        return { status: 200, outcome: 'applied' as Outcome, message: `${meaning} applied` };
      }

      const { user, created } = await getService(strapi, 'members').findOrCreate(n.buyer_email);
      if (created) {
        await queueWelcome({ userId: user.id, email: user.email, offerTitle: offer?.title ?? null }, now, onCommit);
        onCommit(() => {
          void strapi.eventHub.emit('subscriptions.user.created', { user: { id: user.id, email: user.email }, source: 'click2sell' });
        });
      }
      if (!offer) {
        // As the Plone add-on did: the member is provisioned (with the fallback role); admins see it.
        await getService(strapi, 'roles').recompute(user.id, pinned ?? getService(strapi, 'clock').now());
        const reason = `unmapped product: no offer has click2sellProductId "${n.product_id}"`;
        await complete(event.id, { outcome: 'unmapped', reason, user: user.id });
        return { status: 200, outcome: 'unmapped' as Outcome, message: reason };
      }
      const purchase = {
        lastPurchaseId: n.c2s_transaction_id,
        lastPurchaseAt: purchaseInstant(n, settings.purchaseTimezone),
        affiliate: n.affiliate_username || null,
        buyerName: buyerNameOf(n) || null,
      };
      const result =
        meaning === 'rebill'
          ? await subscriptions.rebill({ user: user.id, offer: offer.id, purchase, source: 'click2sell', now: pinned })
          : await subscriptions.createOrRenew({
              user: user.id,
              offer: offer.id,
              purchase,
              source: 'click2sell',
              recurring: n.transaction_type === 'Subscription',
              now: pinned,
            });
      await complete(event.id, { user: user.id, subscription: result.subscription.id, reason: `${meaning}: subscription ${result.action}` });
      return { status: 200, outcome: 'applied' as Outcome, message: `${meaning}: subscription ${result.action}` };
    });

    return answer;
  };

  /**
   * The welcome e-mail is written to the message outbox in the purchase's own transaction (so
   * it exists exactly when the member does) and delivered after the commit; an SMTP failure
   * leaves it in the outbox to be retried, never undoing the purchase.
   */
  const queueWelcome = async (
    welcome: { userId: number; email: string; offerTitle: string | null },
    now: Date,
    onCommit: (callback: () => void) => void
  ) => {
    const messages = strapi.plugin('subscriptions').service('messages') as
      | { enqueue(input: Record<string, unknown>, now?: Date): Promise<unknown>; deliverSoon(): void }
      | undefined;
    if (!messages) return;
    await messages.enqueue(
      {
        kind: 'welcome',
        to: welcome.email,
        userId: welcome.userId,
        dedupeKey: `welcome:${welcome.userId}`,
        data: { offerTitle: welcome.offerTitle },
      },
      now
    );
    onCommit(() => messages.deliverSoon());
  };

  return { handle };
};
