import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import type { Click2SellAnswer } from '../services/click2sell';
import { isConnectionError } from '../database/errors';

/** Larger than any real notification (≈2 KB), small enough to refuse junk before any work. */
export const MAX_BODY_BYTES = 16 * 1024;

const ERROR_NAMES: Record<number, string> = {
  400: 'ValidationError',
  403: 'ForbiddenError',
  405: 'MethodNotAllowedError',
  413: 'PayloadTooLargeError',
  429: 'RateLimitError',
  503: 'ServiceUnavailableError',
};

const fail = (ctx: any, status: number, message: string, errors?: { field: string; message: string }[]) => {
  ctx.status = status;
  ctx.body = {
    data: null,
    error: {
      status,
      name: ERROR_NAMES[status] ?? 'ApplicationError',
      message,
      details: errors ? { errors: errors.map((e) => ({ path: [e.field], message: e.message, name: 'ValidationError' })) } : {},
    },
  };
};

/** Size of a body sent without Content-Length (chunked); one too deeply nested to serialise is too large. */
const sizeOf = (body: unknown): number => {
  try {
    return Buffer.byteLength(JSON.stringify(body ?? {}), 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** POST /api/subscriptions/click2sell — the "URL to notify" given to Click2Sell. */
  async notify(ctx: any) {
    const declared = Number(ctx.request.get('content-length') || 0);
    const body = ctx.request.body;
    const size = declared || sizeOf(body);
    if (size > MAX_BODY_BYTES) return fail(ctx, 413, `the notification is larger than ${MAX_BODY_BYTES} bytes`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(ctx, 400, 'the notification must be form fields (application/x-www-form-urlencoded)', [
        { field: 'body', message: 'body must be form fields' },
      ]);
    }
    let answer: Click2SellAnswer;
    try {
      answer = await getService(strapi, 'click2sell').handle({ fields: body, remoteAddress: String(ctx.request.ip ?? '') });
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      // Click2Sell resends a notification not answered 200: the resend is applied, or answered
      // "already processed" if this attempt's commit went through before the connection broke.
      strapi.log.error(`subscriptions: Click2Sell notification not processed, the database is unavailable: ${(error as Error).message}`);
      ctx.set('Retry-After', '30');
      return fail(ctx, 503, 'the database is unavailable; send the notification again later');
    }
    if (answer.status >= 400) return fail(ctx, answer.status, answer.message, answer.errors);
    ctx.status = answer.status;
    ctx.body = { ok: true, outcome: answer.outcome, message: answer.message };
  },

  async methodNotAllowed(ctx: any) {
    ctx.set('Allow', 'POST');
    fail(ctx, 405, 'Click2Sell notifications are sent with POST');
  },
});
