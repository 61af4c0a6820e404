import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { adminCause } from '../utils/cause';
import { notFoundAs404 } from '../utils/validation';
import type { HistoryResponse } from '../contract';

type LifecycleAction = 'renew' | 'cancel' | 'refund';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const apply = (action: LifecycleAction) => async (ctx: any) => {
    try {
      const subscription = await getService(strapi, 'subscriptions')[action](ctx.params.documentId, { cause: adminCause(ctx) });
      ctx.body = { data: subscription };
    } catch (error) {
      rethrowAsHttp(error);
    }
  };
  /** A subscription's history, newest first (404 for a document id that never was a subscription). */
  const history = async (ctx: any) => {
    try {
      ctx.body = { data: await getService(strapi, 'history').forSubscription(String(ctx.params.documentId)) } satisfies HistoryResponse;
    } catch (error) {
      rethrowAsHttp(notFoundAs404(error, ['subscription']));
    }
  };
  return { renew: apply('renew'), cancel: apply('cancel'), refund: apply('refund'), history };
};
