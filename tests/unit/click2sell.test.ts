import crypto from 'crypto';
import fc from 'fast-check';
import {
  dedupeKeyOf,
  expectedChecksum,
  meaningOf,
  parseNotification,
  purchaseInstant,
  redactPayload,
  storableText,
  verifyChecksum,
} from '../../server/src/domain/click2sell';

const valid = (overrides: Record<string, unknown> = {}) => ({
  acquirer_transaction_id: '123',
  c2s_transaction_id: 'R-1',
  checksum: 'B457E9433F98EF22AA9DD9BA4A5E2B16',
  transaction_type: 'Sale',
  payment_status: 'OK',
  buyer_email: 'Buyer@Example.com',
  product_id: '1001',
  purchase_date: '2026-01-31',
  purchase_time: '23:59:59',
  ...overrides,
});

describe('Click2Sell checksum', () => {
  it('matches the protocol test vector', () => {
    expect(expectedChecksum('secret', '123')).toBe('B457E9433F98EF22AA9DD9BA4A5E2B16');
  });

  it('agrees with an independent MD5 for any secret and id, in either case, and only in full', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (secret, id) => {
        const md5 = crypto.createHash('md5').update(`${secret}_${id}`, 'utf8').digest('hex');
        expect(verifyChecksum(secret, id, md5)).toBe(true);
        expect(verifyChecksum(secret, id, md5.toUpperCase())).toBe(true);
        expect(verifyChecksum(secret, id, md5.slice(0, 8))).toBe(false);
        expect(verifyChecksum(`${secret}x`, id, md5)).toBe(false);
      })
    );
  });
});

describe('Click2Sell notification parsing', () => {
  it('accepts a well-formed notification and lower-cases the e-mail', () => {
    const result = parseNotification(valid());
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.notification.buyer_email).toBe('buyer@example.com');
  });

  it('names each bad field', () => {
    const result = parseNotification(valid({ buyer_email: 'nope', purchase_time: '7pm', transaction_type: 'Gift' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field).sort()).toEqual(['buyer_email', 'purchase_time', 'transaction_type']);
  });

  it('requires subscription_status for subscriptions and refuses impossible dates', () => {
    const sub = parseNotification(valid({ transaction_type: 'Subscription' }));
    expect(!sub.ok && sub.errors[0].field).toBe('subscription_status');
    const feb30 = parseNotification(valid({ purchase_date: '2026-02-30' }));
    expect(!feb30.ok && feb30.errors[0].field).toBe('purchase_date');
  });

  it('never throws and never accepts control characters, whatever the input', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.anything()), (fields) => {
        const result = parseNotification(fields);
        if (result.ok) expect(JSON.stringify(result.notification)).not.toMatch(/\\u000/);
      })
    );
  });
});

describe('Click2Sell meaning', () => {
  it.each([
    ['Sale', '', 'OK', 'purchase'],
    ['Subscription', 'New', 'OK', 'purchase'],
    ['Subscription', 'Recurring', 'OK', 'rebill'],
    ['Subscription', 'Cancel', 'OK', 'cancel'],
    ['Refund', '', 'OK', 'refund'],
    ['Sale', '', 'Failed', 'failed-payment'],
    ['Subscription', 'Recurring', 'Failed', 'failed-payment'],
  ] as const)('%s %s %s → %s', (transaction_type, subscription_status, payment_status, meaning) => {
    expect(meaningOf({ transaction_type, subscription_status, payment_status })).toBe(meaning);
  });

  it('keys the ledger on transaction, type and subscription status', () => {
    const a = dedupeKeyOf({ c2s_transaction_id: 'R1', transaction_type: 'Subscription', subscription_status: 'New' });
    const b = dedupeKeyOf({ c2s_transaction_id: 'R1', transaction_type: 'Subscription', subscription_status: 'Cancel' });
    expect(a).not.toBe(b);
    expect(dedupeKeyOf({ c2s_transaction_id: 'R1', transaction_type: 'Subscription', subscription_status: 'New' })).toBe(a);
  });

  it('reads the purchase date and time in the configured zone', () => {
    expect(purchaseInstant({ purchase_date: '2026-07-01', purchase_time: '12:00:00' }, 'Europe/Paris').toISOString()).toBe(
      '2026-07-01T10:00:00.000Z'
    );
    expect(purchaseInstant({ purchase_date: '2026/01/31', purchase_time: '23:59:59' }, 'UTC').toISOString()).toBe(
      '2026-01-31T23:59:59.000Z'
    );
  });
});

describe('what the ledger stores', () => {
  it('drops the checksum and anything secret-looking', () => {
    expect(redactPayload({ checksum: 'X', secret_key: 'Y', buyer_email: 'a@b.c' })).toEqual({ buyer_email: 'a@b.c' });
  });

  it('stores only text every database accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const stored = storableText(value, 100);
        expect(stored).not.toContain('\u0000');
        expect(stored.isWellFormed()).toBe(true);
        expect(stored.length).toBeLessThanOrEqual(100);
      })
    );
  });
});
