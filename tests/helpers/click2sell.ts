import crypto from 'crypto';

let counter = 0;

/** The checksum as the protocol defines it, computed here independently of the plugin. */
export const checksumFor = (secret: string, acquirerTransactionId: string) =>
  crypto.createHash('md5').update(`${secret}_${acquirerTransactionId}`).digest('hex').toUpperCase();

/** A Click2Sell notification as Click2Sell sends it, signed with `secret`. */
export const notification = (secret: string, overrides: Record<string, string> = {}): Record<string, string> => {
  counter += 1;
  const unique = `${Date.now()}${counter}${crypto.randomBytes(2).toString('hex')}`;
  const fields: Record<string, string> = {
    acquirer_transaction_id: `PP-${unique}`,
    c2s_transaction_id: `C2S-${unique}`,
    purchase_date: '2026-11-23',
    purchase_time: '10:15:30',
    payment_type: 'Paypal',
    transaction_type: 'Sale',
    payment_status: 'OK',
    subscription_status: '',
    buyer_name: 'Jürgen',
    buyer_surname: 'Müller-Łukasz',
    buyer_email: `buyer-${unique}@example.com`,
    buyer_address: '1 Rue de la Paix',
    buyer_city: 'Paris',
    buyer_province: '',
    buyer_zip: '75002',
    buyer_country: 'FR',
    buyer_phone: '+33 1 23 45 67 89',
    product_price: '9.90 EUR',
    product_id: '1001',
    product_name: 'Monthly membership',
    merchant_name: 'Example',
    merchant_username: 'example',
    affiliate_username: '',
    ...overrides,
  };
  if (!('checksum' in overrides)) fields.checksum = checksumFor(secret, fields.acquirer_transaction_id);
  return fields;
};

export const CLICK2SELL_PATH = '/api/subscriptions/click2sell';
