import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { errors } from '@strapi/utils';
import { rethrowAsHttp } from '../utils/errors';
import { parse } from '../utils/validation';
import { LOCALES, MESSAGE_KINDS, templateSchema } from '../services/settings';

/**
 * Template preview and "send me a test" for the settings page. Rendering belongs to the
 * `messages` service (the e-mail outbox); this controller only validates and delegates, and says
 * 501 plainly when that service is not installed, rather than rendering templates twice.
 */
const previewBody = z
  .object({
    kind: z.enum(MESSAGE_KINDS),
    locale: z.enum(LOCALES),
    template: templateSchema.optional(),
  })
  .strict();

type MessagesService = {
  preview?: (input: z.infer<typeof previewBody>) => Promise<{ subject: string; text: string; html: string }>;
  sendTest?: (input: z.infer<typeof previewBody> & { to: string }) => Promise<unknown>;
};

const messagesService = (strapi: Core.Strapi): MessagesService | null => {
  try {
    return (strapi.plugin('subscriptions').service('messages') as MessagesService) ?? null;
  } catch {
    return null;
  }
};

const notImplemented = (ctx: any, what: string) => {
  ctx.status = 501;
  ctx.body = {
    data: null,
    error: {
      status: 501,
      name: 'NotImplementedError',
      message: `${what} needs the plugin's e-mail messages service, which this version does not include`,
      details: {},
    },
  };
};

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async preview(ctx: any) {
    try {
      const input = parse(previewBody, ctx.request.body);
      const service = messagesService(strapi);
      if (!service?.preview) return notImplemented(ctx, 'The template preview');
      ctx.body = { data: await service.preview(input) };
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
  async sendTest(ctx: any) {
    try {
      const input = parse(previewBody, ctx.request.body);
      const to = ctx.state?.user?.email as string | undefined;
      if (!to) throw new errors.ValidationError('your admin account has no e-mail address');
      const service = messagesService(strapi);
      if (!service?.sendTest) return notImplemented(ctx, 'Sending a test e-mail');
      await service.sendTest({ ...input, to });
      ctx.body = { data: { to } };
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
