import { errors } from '@strapi/utils';
import { isDomainError, type DomainError } from '../domain';
import { toHttpError } from './errors';

/**
 * Runs a member route: a rule the member's request breaks becomes its answer — `not_found` a
 * 404, `conflict` a 409 (Strapi has no error class for it: answered in the shape of its errors,
 * not thrown, so that it is not logged as a server error), anything else a 400 naming the field. What the member needs to act (a checkout page, an
 * end, where to manage a purchase) comes in `error.details`.
 */
export const memberHandle = (fn: (ctx: any) => Promise<unknown>) => async (ctx: any) => {
  try {
    await fn(ctx);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const e = error as DomainError & { details?: Record<string, unknown> };
    const details = { ...(e.details ?? {}), errors: [{ path: e.field.split('.'), message: e.message, name: e.code === 'conflict' ? 'ConflictError' : 'ValidationError' }] };
    if (e.code === 'not_found') throw new errors.NotFoundError(e.message);
    if (e.code === 'conflict') {
      ctx.status = 409;
      ctx.body = { data: null, error: { status: 409, name: 'ConflictError', message: e.message, details } };
      return;
    }
    if (e.details) throw new errors.ValidationError(e.message, details);
    throw toHttpError(error);
  }
};
