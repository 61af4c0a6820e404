import { createHash, timingSafeEqual } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * What a Click2Sell notification is and what it means, with no Strapi in sight.
 * Protocol: shared/docs/click2sell-protocol.md. Only `acquirer_transaction_id` is signed, so
 * every other field is untrusted input and is validated strictly.
 */

export const TRANSACTION_TYPES = ['Sale', 'Refund', 'Subscription'] as const;
export const SUBSCRIPTION_STATUSES = ['New', 'Recurring', 'Cancel'] as const;
export const PAYMENT_STATUSES = ['OK', 'Failed'] as const;

/** Upper-case hex MD5 of `<secret>_<acquirer_transaction_id>`. */
export const expectedChecksum = (secret: string, acquirerTransactionId: string): string =>
  createHash('md5').update(`${secret}_${acquirerTransactionId}`, 'utf8').digest('hex').toUpperCase();

/** Full 32-character comparison, case-insensitive, in constant time. */
export const verifyChecksum = (secret: string, acquirerTransactionId: string, checksum: string): boolean => {
  if (!/^[0-9a-fA-F]{32}$/.test(checksum)) return false;
  const expected = Buffer.from(expectedChecksum(secret, acquirerTransactionId), 'utf8');
  const given = Buffer.from(checksum.toUpperCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
};

/**
 * Text that every database can store: NUL (refused by PostgreSQL text and jsonb) and lone
 * surrogate halves (not valid UTF-8) become U+FFFD; cut to `max` characters.
 */
export const storableText = (value: string, max: number): string =>
  value
    .slice(0, max)
    .replace(/\u0000/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

// No control characters (other than none at all) in single-line fields.
const line = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters')
    .refine((v) => v === storableText(v, max), 'must be valid Unicode text');
const required = (max: number) => line(max).trim().min(1, 'is required');
const optional = (max: number) => line(max).trim().optional().default('');

export const notificationSchema = z
  .object({
    acquirer_transaction_id: required(255),
    c2s_transaction_id: required(255),
    checksum: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal characters'),
    transaction_type: z.enum(TRANSACTION_TYPES, { message: `must be one of ${TRANSACTION_TYPES.join(', ')}` }),
    payment_status: z
      .enum(PAYMENT_STATUSES, { message: `must be one of ${PAYMENT_STATUSES.join(', ')}` })
      .optional()
      .default('OK'),
    subscription_status: z
      .union([z.enum(SUBSCRIPTION_STATUSES), z.literal('')], {
        message: `must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`,
      })
      .optional()
      .default(''),
    buyer_email: z
      .string()
      .trim()
      .max(254, 'must be at most 254 characters')
      // RFC 5321: a local part of at most 64 characters.
      .refine((v) => v.lastIndexOf('@') <= 64, 'must have at most 64 characters before the @')
      .pipe(z.email({ message: 'must be an e-mail address' })),
    product_id: required(255),
    purchase_date: z
      .string()
      .trim()
      .regex(/^\d{4}[-/]\d{2}[-/]\d{2}$/, 'must be yyyy-MM-dd'),
    purchase_time: z
      .string()
      .trim()
      .regex(/^\d{2}:\d{2}:\d{2}$/, 'must be HH:mm:ss'),
    buyer_name: optional(255),
    buyer_surname: optional(255),
    product_name: optional(255),
    product_price: optional(64),
    payment_type: optional(64),
    affiliate_username: optional(255),
    buyer_country: optional(128),
  })
  .superRefine((n, ctx) => {
    if (n.transaction_type === 'Subscription' && n.subscription_status === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['subscription_status'],
        message: `is required for a Subscription (one of ${SUBSCRIPTION_STATUSES.join(', ')})`,
      });
    }
  });

export type Notification = z.infer<typeof notificationSchema>;

export interface FieldError {
  field: string;
  message: string;
}

/** The fields Click2Sell sends that the plugin reads; anything else is ignored. */
export const KNOWN_FIELDS = Object.keys(notificationSchema.shape);

export const parseNotification = (
  fields: Record<string, unknown>
): { ok: true; notification: Notification } | { ok: false; errors: FieldError[] } => {
  const input: Record<string, unknown> = {};
  for (const key of KNOWN_FIELDS) {
    const value = fields[key];
    // A repeated form field arrives as an array: ambiguous, so refused rather than guessed.
    if (value !== undefined) input[key] = value;
  }
  const result = notificationSchema.safeParse(input);
  if (result.success) {
    const [y, m, d] = result.data.purchase_date.split(/[-/]/).map(Number);
    const [hh, mm, ss] = result.data.purchase_time.split(':').map(Number);
    const valid = DateTime.fromObject({ year: y, month: m, day: d, hour: hh, minute: mm, second: ss }, { zone: 'utc' }).isValid;
    if (!valid) return { ok: false, errors: [{ field: 'purchase_date', message: 'purchase_date and purchase_time must form a real date and time' }] };
    return { ok: true, notification: { ...result.data, buyer_email: result.data.buyer_email.toLowerCase() } };
  }
  const errors = new Map<string, string>();
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'body');
    if (!errors.has(field)) {
      const message = issue.code === 'invalid_type' && input[field] === undefined ? 'is required' : issue.message;
      errors.set(field, `${field} ${message}`);
    }
  }
  return { ok: false, errors: [...errors].map(([field, message]) => ({ field, message })) };
};

export type Meaning = 'purchase' | 'rebill' | 'cancel' | 'refund' | 'failed-payment';

/**
 * - `Sale`, `Subscription` + `New`: a purchase (create or renew);
 * - `Subscription` + `Recurring`: a re-bill (extend from the paid end);
 * - `Subscription` + `Cancel`: no more renewals;
 * - `Refund`: access revoked now;
 * - `payment_status` `Failed`: nothing extended, only recorded.
 */
export const meaningOf = (n: Pick<Notification, 'transaction_type' | 'subscription_status' | 'payment_status'>): Meaning => {
  if (n.payment_status === 'Failed') return 'failed-payment';
  if (n.transaction_type === 'Refund') return 'refund';
  if (n.transaction_type === 'Subscription') {
    if (n.subscription_status === 'Recurring') return 'rebill';
    if (n.subscription_status === 'Cancel') return 'cancel';
  }
  return 'purchase';
};

/** One ledger entry per (c2s_transaction_id, transaction_type, subscription_status). */
export const dedupeKeyOf = (n: Pick<Notification, 'c2s_transaction_id' | 'transaction_type' | 'subscription_status'>) =>
  `click2sell:${n.c2s_transaction_id}:${n.transaction_type}:${n.subscription_status}`;

/** The purchase instant: Click2Sell's local date and time, read in the configured time zone. */
export const purchaseInstant = (n: Pick<Notification, 'purchase_date' | 'purchase_time'>, zone: string): Date => {
  const [y, m, d] = n.purchase_date.split(/[-/]/).map(Number);
  const [hh, mm, ss] = n.purchase_time.split(':').map(Number);
  return DateTime.fromObject({ year: y, month: m, day: d, hour: hh, minute: mm, second: ss }, { zone }).toUTC().toJSDate();
};

export const buyerNameOf = (n: Pick<Notification, 'buyer_name' | 'buyer_surname'>): string =>
  [n.buyer_name, n.buyer_surname].filter(Boolean).join(' ');

/** JSON text of an untrusted value; one nested too deeply for JSON.stringify is not an error. */
const jsonText = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[not serialisable: nested too deeply]';
  }
};

/** The payload as kept in the ledger: what was sent, minus the checksum, values cut to size. */
export const redactPayload = (
  fields: Record<string, unknown>,
  limits: { keys: number; length: number } = { keys: 64, length: 512 }
): Record<string, string> => {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of Object.entries(fields)) {
    if (/checksum|secret|password|token/i.test(key)) continue;
    if (count++ >= limits.keys) break;
    const text = typeof value === 'string' ? value : jsonText(value);
    kept[storableText(key, 64)] = storableText(text, limits.length);
  }
  return kept;
};

/** What an earlier notification of the same acquirer transaction did, as `classifyNotice` reads it. */
export interface EarlierNotice {
  meaning: Meaning | null;
  outcome: string;
}

const PAYS: readonly (Meaning | null)[] = ['purchase', 'rebill', 'failed-payment'];
const BOUND_BY: readonly string[] = ['applied', 'unmapped', 'failed-payment'];

/**
 * One signed acquirer transaction is at most one payment. A notification that would pay
 * (`purchase`, `rebill`, or a payment attempt, even failed — `payment_status` is not signed, so
 * a captured Failed resent as OK must not pay) on an acquirer transaction that already paid or
 * tried to is a replay, whatever its type, status or product: answered "already processed",
 * nothing changed. Refunds and cancellations go on to the member's state, which accepts each once.
 */
export const classifyNotice = (meaning: Meaning, earlier: readonly EarlierNotice[]): 'replay' | 'proceed' => {
  if (!PAYS.includes(meaning)) return 'proceed';
  return earlier.some((e) => PAYS.includes(e.meaning) && BOUND_BY.includes(e.outcome)) ? 'replay' : 'proceed';
};

/**
 * Ledger outcomes refused for a reason an admin can fix (today: a product no offer was mapped
 * to), which an admin may re-apply from the payment log once the fix is made — once per row.
 * A `rejected` notification (bad checksum, malformed, forged binding) is never among them: it
 * was not verified.
 */
export const REPLAYABLE_OUTCOMES: readonly string[] = ['unmapped'];

/** What a stored ledger row may say about being re-applied. */
export interface ReplayCandidate {
  outcome: string;
  replayedAt: Date | null;
}

/** Why a ledger row cannot be re-applied (null: it can). */
export const replayRefusal = (row: ReplayCandidate): { status: 409; message: string } | null => {
  if (row.replayedAt) return { status: 409, message: `already re-applied on ${row.replayedAt.toISOString()}: a payment event is re-applied once` };
  if (row.outcome === 'rejected') {
    return { status: 409, message: 'a rejected notification (checksum, malformed or forged) is never re-applied: it was not verified' };
  }
  if (!REPLAYABLE_OUTCOMES.includes(row.outcome)) {
    return { status: 409, message: `only ${REPLAYABLE_OUTCOMES.join(', ')} payment events can be re-applied; this one is ${row.outcome}` };
  }
  return null;
};

/**
 * A notification as the ledger kept it, read again to re-apply it. Its checksum was verified
 * when it arrived and was never stored: a placeholder stands in for it, and nothing else about
 * the payload is trusted more than it was then (the same validation runs).
 */
export const parseStoredNotification = (payload: Record<string, unknown>) =>
  parseNotification({ ...payload, checksum: '0'.repeat(32) });

/** An amount of money in minor units (cents: USD, EUR and GBP all have two decimals). */
export interface Price {
  amountCents: number;
  currency: string;
}

/**
 * The amount and currency of `product_price`, `"###.## CUR"` (the currency may come first; a
 * comma as decimal separator and a minus sign are accepted). Null when it cannot be read: the
 * revenue figures then leave the notification out rather than guess.
 */
export const priceOf = (text: unknown): Price | null => {
  if (typeof text !== 'string') return null;
  const value = text.trim();
  const match =
    /^(-?\d{1,12}(?:[.,]\d{1,2})?)\s*([A-Za-z]{3})$/.exec(value) ?? /^([A-Za-z]{3})\s*(-?\d{1,12}(?:[.,]\d{1,2})?)$/.exec(value);
  if (!match) return null;
  const [number, currency] = /^[A-Za-z]/.test(match[1]) ? [match[2], match[1]] : [match[1], match[2]];
  const [whole, fraction = ''] = number.replace(',', '.').replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return null;
  // A refund may be sent as a negative price: the ledger keeps the amount, the meaning says which way.
  return { amountCents: cents, currency: currency.toUpperCase() };
};

/** Average days and hours in a month (365.2425 / 12 days): how a non-monthly plan counts in MRR. */
const DAYS_PER_MONTH = 365.2425 / 12;

/**
 * What a recurring plan billing `amountCents` every `duration` `period` brings per month (cents,
 * unrounded). Null for a plan with no length (duration 0, unlimited): it does not recur.
 */
export const monthlyCents = (amountCents: number, duration: number, period: string): number | null => {
  if (!(duration > 0)) return null;
  const months = period === 'months' ? duration : period === 'days' ? duration / DAYS_PER_MONTH : period === 'hours' ? duration / (DAYS_PER_MONTH * 24) : null;
  return months === null ? null : amountCents / months;
};
