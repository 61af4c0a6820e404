import { monthlyCents, priceOf } from '../../server/src/domain';

describe('product_price as the ledger stores it', () => {
  it('reads "###.## CUR" into cents and an upper-case currency', () => {
    expect(priceOf('9.90 EUR')).toEqual({ amountCents: 990, currency: 'EUR' });
    expect(priceOf('120 USD')).toEqual({ amountCents: 12000, currency: 'USD' });
    expect(priceOf(' 0.5 gbp ')).toEqual({ amountCents: 50, currency: 'GBP' });
    expect(priceOf('12,5 GBP')).toEqual({ amountCents: 1250, currency: 'GBP' });
    expect(priceOf('EUR 19.99')).toEqual({ amountCents: 1999, currency: 'EUR' });
    // A refund sent as a negative amount: the amount is kept, the meaning says which way.
    expect(priceOf('-9.90 EUR')).toEqual({ amountCents: 990, currency: 'EUR' });
  });

  it('reads nothing it would have to guess', () => {
    for (const text of ['', 'free', '9.90', 'EUR', '9.999 EUR', '9.90 EURO', '1e3 EUR', undefined, 12]) {
      expect([text, priceOf(text)]).toEqual([text, null]);
    }
  });
});

describe('monthly recurring revenue of a plan', () => {
  it('brings a plan of any length to a month', () => {
    expect(monthlyCents(990, 1, 'months')).toBe(990);
    expect(monthlyCents(12000, 12, 'months')).toBe(1000);
    expect(monthlyCents(700, 7, 'days')).toBeCloseTo((100 * 365.2425) / 12, 6);
    expect(monthlyCents(24, 24, 'hours')).toBeCloseTo((365.2425 / 12) * 24, 6);
  });

  it('has no monthly amount for a plan with no length or an unknown period', () => {
    expect(monthlyCents(990, 0, 'months')).toBeNull();
    expect(monthlyCents(990, 1, 'weeks')).toBeNull();
  });
});
