import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Server => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  url: env('PUBLIC_URL', ''),
  app: { keys: env.array('APP_KEYS')! },
  cron: { enabled: env.bool('CRON_ENABLED', true) },
  // Behind a reverse proxy, trust its X-Forwarded-For (the Click2Sell throttles then key on the
  // real caller). Off by default: a direct caller could otherwise claim any address.
  proxy: { koa: env.bool('IS_PROXIED', false) },
});

export default config;
