import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import type { SettingsResponse } from '../contract';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async get(ctx: any) {
    ctx.body = { data: await getService(strapi, 'settings').getPublic() } satisfies SettingsResponse;
  },
  async update(ctx: any) {
    try {
      await getService(strapi, 'settings').update(ctx.request.body);
      ctx.body = { data: await getService(strapi, 'settings').getPublic() } satisfies SettingsResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
