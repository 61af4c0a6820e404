import { DomainError, isDomainError } from '../../server/src/domain/errors';

describe('DomainError', () => {
  it('is an Error carrying the field at fault and a code', () => {
    const error = new DomainError('endsAt', 'endsAt must not be before startsAt');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.field).toBe('endsAt');
    expect(error.message).toBe('endsAt must not be before startsAt');
    expect(error.code).toBe('invalid');
    expect(new DomainError('status', 'no', 'refunded').code).toBe('refunded');
  });

  it('isDomainError recognises instances and look-alikes (errors crossing module copies)', () => {
    expect(isDomainError(new DomainError('x', 'y'))).toBe(true);
    const lookalike = Object.assign(new Error('y'), { name: 'DomainError', field: 'x' });
    expect(isDomainError(lookalike)).toBe(true);
    expect(isDomainError({ name: 'DomainError' })).toBe(true);
  });

  it('isDomainError rejects anything else', () => {
    expect(isDomainError(new Error('DomainError'))).toBe(false);
    expect(isDomainError(new TypeError('x'))).toBe(false);
    expect(isDomainError(null)).toBe(false);
    expect(isDomainError(undefined)).toBe(false);
    expect(isDomainError('DomainError')).toBe(false);
    expect(isDomainError({ name: 'ValidationError' })).toBe(false);
  });
});
