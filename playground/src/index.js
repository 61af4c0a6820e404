'use strict';

const { seedDemoData } = require('./demo-data');

module.exports = {
  register() {},
  async bootstrap({ strapi }) {
    if (process.env.SEED_DEMO_DATA === 'false') return;
    await seedDemoData(strapi);
  },
};
