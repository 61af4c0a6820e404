import { errors } from '@strapi/utils';
import { isDomainError, DomainError } from '../domain';

/**
 * Turns a domain rule violation into Strapi's ValidationError (HTTP 400) with the field named in
 * `details.errors[].path`, the shape the Content Manager and REST clients already understand.
 * A missing record becomes a 404.
 */
export const toHttpError = (error: unknown): unknown => {
  if (!isDomainError(error)) return error;
  const e = error as DomainError;
  if (e.code === 'not_found' && e.field === 'subscription') return new errors.NotFoundError(e.message);
  return new errors.ValidationError(e.message, {
    errors: [{ path: e.field.split('.'), message: e.message, name: 'ValidationError' }],
  });
};

export const rethrowAsHttp = (error: unknown): never => {
  throw toHttpError(error);
};
