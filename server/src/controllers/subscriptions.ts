import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';

type LifecycleAction = 'renew' | 'cancel' | 'refund';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const apply = (action: LifecycleAction) => async (ctx: any) => {
    try {
      const subscription = await getService(strapi, 'subscriptions')[action](ctx.params.documentId);
      ctx.body = { data: subscription };
    } catch (error) {
      rethrowAsHttp(error);
    }
  };
  return { renew: apply('renew'), cancel: apply('cancel'), refund: apply('refund') };
};
