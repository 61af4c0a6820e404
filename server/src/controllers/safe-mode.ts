import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import type { SafeModeResponse } from '../contract';

/** Staging safe mode: its state (for the admin's banner) and the "this is the live site" confirmation. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async state(ctx: any) {
    ctx.body = { data: await getService(strapi, 'safeMode').state() } satisfies SafeModeResponse;
  },
  async confirm(ctx: any) {
    try {
      const adminId = typeof ctx.state?.user?.id === 'number' ? ctx.state.user.id : null;
      const data = await getService(strapi, 'safeMode').confirmLive(adminId, getService(strapi, 'clock').now());
      ctx.body = { data } satisfies SafeModeResponse;
    } catch (error) {
      rethrowAsHttp(error);
    }
  },
});
