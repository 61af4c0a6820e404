import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { errors } from '@strapi/utils';
import { rethrowAsHttp } from '../utils/errors';
import { getService } from '../utils/plugin';
import { DEFAULT_TEMPLATES, TEMPLATE_VARIABLES } from '../domain';
import { parse } from '../utils/validation';
import { LOCALES, MESSAGE_KINDS, templateSchema } from '../services/settings';
import type { EmailTemplatesResponse, TemplatePreviewResponse, TestEmailResponse } from '../contract';

/**
 * E-mail tools of the settings page: the shipped templates, a preview and "send me a test".
 * Rendering belongs to the `messages` service; this controller validates and delegates.
 */
const previewBody = z
  .object({
    kind: z.enum(MESSAGE_KINDS),
    locale: z.enum(LOCALES),
    template: templateSchema.optional(),
  })
  .strict();

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The shipped templates, so the settings page can show what an empty override falls back to. */
  async templates(ctx: any) {
    ctx.body = { data: { defaults: DEFAULT_TEMPLATES, variables: TEMPLATE_VARIABLES } } satisfies EmailTemplatesResponse;
  },
  async preview(ctx: any) {
    try {
      const input = parse(previewBody, ctx.request.body);
      ctx.body = { data: await getService(strapi, 'messages').preview(input) } satisfies TemplatePreviewResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
  async sendTest(ctx: any) {
    try {
      const input = parse(previewBody, ctx.request.body);
      const to = ctx.state?.user?.email as string | undefined;
      if (!to) throw new errors.ValidationError('your admin account has no e-mail address');
      await getService(strapi, 'messages').sendTest({ ...input, to });
      ctx.body = { data: { to } } satisfies TestEmailResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
