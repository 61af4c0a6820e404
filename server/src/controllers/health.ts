import type { Core } from '@strapi/strapi';
import { getService } from '../utils/plugin';
import type { HealthReport, HealthResponse } from '../contract';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * `GET /api/subscriptions/health` (content API, permission `plugin::subscriptions.health.check`,
   * granted to no role by default): 200 when the scheduler is healthy, 503 when not, so that an
   * uptime checker needs no parsing. Never a failed run's error message.
   */
  async check(ctx: any) {
    const report = await getService(strapi, 'health').report();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = report.ok ? 200 : 503;
    ctx.body = report satisfies HealthReport;
  },

  /** `GET /subscriptions/health` (admin: the banner and the Tracking page); always 200. */
  async admin(ctx: any) {
    ctx.body = { data: await getService(strapi, 'health').report({ withFailure: true }) } satisfies HealthResponse;
  },
});
