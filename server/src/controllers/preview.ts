import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { isoDate, parse } from '../utils/validation';
import { PREVIEW_MAX_LIMIT } from '../services/scheduler';
import type { PreviewResponse } from '../contract';

const previewQuery = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(PREVIEW_MAX_LIMIT).optional(),
});

/** "What happens next": the scheduler's preview of a window (read-only). */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async preview(ctx: any) {
    try {
      const query = parse(previewQuery, ctx.query);
      const data = await getService(strapi, 'scheduler').preview(query);
      ctx.body = { data } satisfies PreviewResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
