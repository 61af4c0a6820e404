import type { Core } from '@strapi/strapi';
import { seedDemoData, seedMemberSiteData } from './demo-data';
import { ensureSetPasswordPage } from './set-password';

export default {
  register() {},
  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await ensureSetPasswordPage(strapi);
    if (process.env.SEED_DEMO_DATA === 'false') return;
    await seedDemoData(strapi);
    await seedMemberSiteData(strapi);
  },
};
