import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { adminCause } from '../utils/cause';
import { notFoundAs404, parse } from '../utils/validation';
import type { DataResponse, EraseResult } from '../contract';

/** `:id`: a users-permissions user id (a positive integer). */
const idOf = (raw: unknown): number => parse(z.object({ id: z.coerce.number().int().positive() }), { id: raw }).id;

const eraseBody = z.object({ confirm: z.string("must be the member's current e-mail, typed to confirm").min(1, "must be the member's current e-mail, typed to confirm") }).strict();

/** A member's personal data (GDPR): export as one JSON file, and erase. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async exportData(ctx: any) {
    try {
      const id = idOf(ctx.params.id);
      const data = await getService(strapi, 'members').exportData(id);
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      ctx.set('Content-Disposition', `attachment; filename="member-${id}.json"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = JSON.stringify(data, null, 2);
    } catch (error) {
      rethrowAsHttp(notFoundAs404(error, ['member']));
    }
  },

  async erase(ctx: any) {
    try {
      const id = idOf(ctx.params.id);
      const { confirm } = parse(eraseBody, ctx.request.body);
      ctx.body = { data: await getService(strapi, 'members').erase(id, { by: adminCause(ctx), confirm }) } satisfies DataResponse<EraseResult>;
    } catch (error) {
      rethrowAsHttp(notFoundAs404(error, ['member']));
    }
  },
});
