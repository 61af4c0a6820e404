'use strict';

module.exports = {
  async find(ctx) {
    ctx.body = { data: { message: 'Welcome, member.' } };
  },
  async premium(ctx) {
    ctx.body = { data: { message: 'Welcome, premium member.' } };
  },
};
