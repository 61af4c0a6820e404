'use strict';

/**
 * A second (third…) Strapi process for the multi-process tests: boots the playground with
 * createStrapi against the database named by the inherited env (already created and synced by
 * the test), then waits for commands over IPC:
 *   { type: 'run', nows: [iso, …] } → runs scheduler.runOnce({ now }) for each, replies
 *   { type: 'ran', figures: [...] }; { type: 'stop' } → destroys Strapi and exits.
 * It replies { type: 'ready' } once booted and { type: 'error', message } on failure.
 */

const { PLAYGROUND, PLAYGROUND_DIST } = require('../../playground/scripts/app');

const main = async () => {
  const { createStrapi } = require('@strapi/strapi');
  const app = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  app.log.level = process.env.TEST_LOG_LEVEL || 'error';
  await app.load();
  const scheduler = app.plugin('subscriptions').service('scheduler');
  process.on('message', async (command) => {
    try {
      if (command.type === 'run') {
        const figures = [];
        for (const now of command.nows) figures.push(await scheduler.runOnce({ now: new Date(now) }));
        process.send({ type: 'ran', figures });
      } else if (command.type === 'stop') {
        await app.destroy();
        process.exit(0);
      }
    } catch (error) {
      process.send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
    }
  });
  process.send({ type: 'ready', pid: process.pid, cronJobs: app.cron.jobs.map((job) => job.name) });
};

main().catch((error) => {
  process.send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
  process.exit(1);
});
