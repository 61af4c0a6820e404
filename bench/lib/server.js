'use strict';

/**
 * The playground as `strapi start` runs it (NODE_ENV=production, no file watching), without
 * serving the admin panel's static build, which no benchmark requests. Started by bench/lib/app.js.
 */
const { createStrapi } = require('@strapi/strapi');

const { PLAYGROUND, PLAYGROUND_DIST } = require('../../playground/scripts/app');

createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false })
  .start()
  .then((app) => {
    process.send?.({ ready: true, port: app.config.get('server.port') });
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
// A profiled server (BENCH_SERVER_NODE_ARGS) writes its profile on a normal exit only.
process.once('SIGTERM', () => process.exit(0));
