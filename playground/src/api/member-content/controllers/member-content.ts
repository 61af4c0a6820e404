import type { Core } from '@strapi/strapi';

const controller: Core.Controller = {
  async find(ctx) {
    ctx.body = { data: { message: 'Welcome, member.' } };
  },
  async premium(ctx) {
    ctx.body = { data: { message: 'Welcome, premium member.' } };
  },
};

export default controller;
