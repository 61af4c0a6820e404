import { dedupeKeyOf, meaningOf, parseStoredNotification, redactPayload, REPLAYABLE_OUTCOMES, replayRefusal } from '../../server/src/domain';

/** Which payment events an admin may re-apply from the log, and reading one back (issue 16). */
describe('re-applying a payment event', () => {
  const fields = {
    acquirer_transaction_id: 'PP-1',
    c2s_transaction_id: 'C2S-1',
    checksum: '0123456789ABCDEF0123456789ABCDEF',
    transaction_type: 'Sale',
    payment_status: 'OK',
    subscription_status: '',
    buyer_email: 'Ada@Example.com',
    product_id: '2001',
    purchase_date: '2026-11-23',
    purchase_time: '10:15:30',
    buyer_name: 'Ada',
  };

  it('re-applies only an unmapped event, once, and never a rejected one', () => {
    expect(REPLAYABLE_OUTCOMES).toEqual(['unmapped']);
    expect(replayRefusal({ outcome: 'unmapped', replayedAt: null })).toBeNull();
    expect(replayRefusal({ outcome: 'unmapped', replayedAt: new Date('2026-11-24T00:00:00Z') })?.message).toMatch(/already re-applied on 2026-11-24/);
    expect(replayRefusal({ outcome: 'rejected', replayedAt: null })?.message).toMatch(/never re-applied: it was not verified/);
    for (const outcome of ['applied', 'duplicate', 'replay', 'pending', 'failed-payment', 'error']) {
      expect([outcome, replayRefusal({ outcome, replayedAt: null })?.status]).toEqual([outcome, 409]);
    }
  });

  it('reads back the payload the ledger kept (its checksum never stored) as the same notification', () => {
    const stored = redactPayload(fields);
    expect(stored).not.toHaveProperty('checksum');
    const parsed = parseStoredNotification(stored);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.notification).toMatchObject({ product_id: '2001', buyer_email: 'ada@example.com', acquirer_transaction_id: 'PP-1' });
    expect(dedupeKeyOf(parsed.notification)).toBe('click2sell:C2S-1:Sale:');
    expect(meaningOf(parsed.notification)).toBe('purchase');
  });

  it('validates the stored payload as strictly as on arrival', () => {
    const { product_id: _dropped, ...rest } = redactPayload(fields);
    const parsed = parseStoredNotification(rest);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.field)).toEqual(['product_id']);
  });
});
