import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { DomainError, DEFAULT_TEMPLATES } from '../domain';
import { UID } from '../content-types';
import { rethrowAsHttp } from '../utils/errors';

const listQuery = z
  .object({
    kind: z.enum(['reminder', 'welcome', 'expiry', 'test']).optional(),
    status: z.enum(['pending', 'sending', 'sent', 'failed', 'skipped']).optional(),
    subscription: z.coerce.number().int().positive().optional(),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();

/**
 * The e-mail log for admins: every reminder (sent, failed with its error, or skipped with the
 * reason), welcome e-mail and expiry notice. Message bodies are not stored, so none can leak.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async list(ctx: any) {
    try {
      const parsed = listQuery.safeParse(ctx.query ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'query');
        throw new DomainError(field, `${field}: ${issue.message}`);
      }
      const { kind, status, subscription, page, pageSize } = parsed.data;
      const where: Record<string, unknown> = {};
      if (kind) where.kind = kind;
      if (status) where.status = status;
      if (subscription) where.subscription = { id: subscription };
      const [rows, total] = await Promise.all([
        strapi.db.query(UID.message).findMany({
          where,
          select: ['id', 'kind', 'status', 'to', 'locale', 'subject', 'attempts', 'nextAttemptAt', 'sentAt', 'lastError', 'createdAt'],
          populate: {
            user: { select: ['id', 'username'] },
            subscription: { select: ['id', 'documentId'] },
            notificationRule: { select: ['id', 'amount', 'period', 'when'] },
          },
          orderBy: { id: 'desc' },
          offset: (page - 1) * pageSize,
          limit: pageSize,
        }),
        strapi.db.query(UID.message).count({ where }),
      ]);
      ctx.body = { data: rows, meta: { pagination: { page, pageSize, total, pageCount: Math.ceil(total / pageSize) } } };
    } catch (error) {
      rethrowAsHttp(error);
    }
  },

  /** The shipped templates, so the settings page can show what an empty override falls back to. */
  async templates(ctx: any) {
    ctx.body = {
      data: {
        defaults: DEFAULT_TEMPLATES,
        variables: ['username', 'email', 'offerTitle', 'startsAt', 'endsAt', 'dueAt', 'before', 'after', 'renewalUrl', 'setPasswordUrl'],
      },
    };
  },
});
