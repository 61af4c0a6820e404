'use strict';

/**
 * A second Strapi process for the race tests (tests/integration/races.test.ts): boots the
 * playground with createStrapi against the database named by the inherited env (already created
 * and synced by the test), then waits for commands over IPC:
 *   { type: 'run', id, now: iso, steps: [...], at: epochMs } → waits until the wall clock reads
 *     `at` (so that the test process can send its own request at the same instant), runs
 *     scheduler.runOnce({ now, steps }), replies { type: 'ran', id, figures, startedAt };
 *   { type: 'stop' } → destroys Strapi and exits.
 * It replies { type: 'ready' } once booted and { type: 'error', id, message } on failure.
 * (tests/helpers/worker-process.js runs every step at each instant, with no start time: this one
 * runs the steps it is told, starting when it is told.)
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
        const wait = (command.at ?? 0) - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const startedAt = Date.now();
        const figures = await scheduler.runOnce({ now: new Date(command.now), steps: command.steps });
        process.send({ type: 'ran', id: command.id, figures, startedAt });
      } else if (command.type === 'stop') {
        await app.destroy();
        process.exit(0);
      }
    } catch (error) {
      process.send({ type: 'error', id: command && command.id, message: error && error.stack ? error.stack : String(error) });
    }
  });
  process.send({ type: 'ready', pid: process.pid });
};

main().catch((error) => {
  process.send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
  process.exit(1);
});
