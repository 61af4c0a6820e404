import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async get(ctx: any) {
    ctx.body = { data: await getService(strapi, 'settings').get() };
  },
  async update(ctx: any) {
    try {
      ctx.body = { data: await getService(strapi, 'settings').update(ctx.request.body) };
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
