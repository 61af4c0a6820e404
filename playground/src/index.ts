import type { Core } from '@strapi/strapi';
import { seedDemoData } from './demo-data';

export default {
  register() {},
  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    if (process.env.SEED_DEMO_DATA === 'false') return;
    await seedDemoData(strapi);
  },
};
