import {
  ERASED,
  erasedEmail,
  erasedUsername,
  holdsSecret,
  isErasedAddress,
  isPersonalPayloadKey,
  payloadSecrets,
  scrubJson,
  scrubText,
  secretsOf,
} from '../../server/src/domain/personal-data';

/** What an erasure (GDPR) writes in place of a member's personal data: pure rules. */
describe('personal data', () => {
  const payload = {
    acquirer_transaction_id: 'PP-75002-1',
    c2s_transaction_id: 'C2S-1',
    buyer_name: 'Jürgen',
    buyer_surname: 'Müller-Łukasz',
    buyer_email: 'Jurgen@Example.com',
    buyer_address: '1 Rue de la Paix',
    buyer_zip: '75002',
    buyer_phone: '+33 1 23 45 67 89',
    buyer_country: 'FR',
    buyer_province: '',
    product_price: '9.90 EUR',
    note: 'paid by jurgen@example.com (Jürgen Müller-Łukasz)',
  };

  it('names placeholders per user that are never deliverable', () => {
    expect(erasedEmail(42)).toBe('erased-42@invalid');
    expect(erasedUsername(42)).toBe('erased-42');
    expect(isErasedAddress(erasedEmail(42))).toBe(true);
    expect(isErasedAddress('jane@invalid.example.com')).toBe(false);
    expect(isErasedAddress(null)).toBe(false);
  });

  it("replaces the payload's buyer fields by key, keeps the country, amounts and transaction ids", () => {
    const secrets = secretsOf(payloadSecrets(payload));
    const scrubbed = scrubJson(payload, secrets) as Record<string, string>;
    expect(scrubbed).toEqual({
      acquirer_transaction_id: 'PP-75002-1',
      c2s_transaction_id: 'C2S-1',
      buyer_name: ERASED,
      buyer_surname: ERASED,
      buyer_email: ERASED,
      buyer_address: ERASED,
      buyer_zip: ERASED,
      buyer_phone: ERASED,
      buyer_country: 'FR',
      buyer_province: '',
      product_price: '9.90 EUR',
      note: `paid by ${ERASED} (${ERASED})`,
    });
    expect(isPersonalPayloadKey('buyer_ip')).toBe(true);
    expect(isPersonalPayloadKey('remote_ip')).toBe(true);
    expect(isPersonalPayloadKey('product_id')).toBe(false);
  });

  it('scrubs every occurrence in any case, the longest secret first, and skips blanks and single letters', () => {
    const secrets = secretsOf(['Jane', 'Jane Doe', 'jane@example.com', '', ' ', 'J', null, undefined, 'Jane']);
    expect(secrets).toEqual(['jane@example.com', 'Jane Doe', 'Jane']);
    expect(scrubText('Hello JANE DOE <Jane@Example.com>, jane', secrets)).toBe(`Hello ${ERASED} <${ERASED}>, ${ERASED}`);
    expect(scrubText('a+b (c)', secretsOf(['a+b', '(c)']))).toBe(`${ERASED} ${ERASED}`);
    expect(holdsSecret('to: JANE@example.com', secrets)).toBe(true);
    expect(holdsSecret('to: someone else', secrets)).toBe(false);
    expect(scrubJson({ list: ['Jane', 3, null, { to: 'jane@example.com' }] }, secrets)).toEqual({ list: [ERASED, 3, null, { to: ERASED }] });
  });
});
