'use strict';

/**
 * One Strapi process of the scheduler fault scenarios (started by ./workers.js): boots the
 * playground (production mode, the built plugin) against the database named by the inherited env,
 * then obeys commands over IPC, each answered with the same `id`:
 *   { type: 'run', nows: [iso…], steps? }        → scheduler.runOnce({ now, steps }) for each, in turn
 *   { type: 'call', module, fn, args }           → require(module)[fn](strapi, ...args) (seeding, reads)
 *   { type: 'stop' }                             → strapi.destroy(), exit 0
 * It sends { type: 'ready', pid, bootMs } once booted and { type: 'fatal', message } if the boot fails.
 */

const { PLAYGROUND, PLAYGROUND_DIST } = require('../../../playground/scripts/app');

const errorText = (error) => String((error && error.stack) || error).slice(0, 4000);

const main = async () => {
  const t0 = Date.now();
  const { createStrapi } = require('@strapi/strapi');
  const app = createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND_DIST, autoReload: false, serveAdminPanel: false });
  app.log.level = process.env.FAULTS_LOG_LEVEL || 'error';
  await app.load();
  const scheduler = app.plugin('subscriptions').service('scheduler');

  process.on('message', async (command) => {
    const reply = (message) => process.send({ id: command.id, ...message });
    try {
      if (command.type === 'run') {
        const runs = [];
        for (const now of command.nows) {
          const started = Date.now();
          const figures = await scheduler.runOnce({ now: new Date(now), ...(command.steps ? { steps: command.steps } : {}) });
          runs.push({ now, ms: Date.now() - started, figures });
        }
        reply({ ok: true, value: runs });
      } else if (command.type === 'call') {
        const value = await require(command.module)[command.fn](app, ...(command.args || []));
        reply({ ok: true, value });
      } else if (command.type === 'stop') {
        await app.destroy();
        process.exit(0);
      } else {
        reply({ ok: false, error: `unknown command ${command.type}` });
      }
    } catch (error) {
      reply({ ok: false, error: errorText(error) });
    }
  });
  process.send({ type: 'ready', pid: process.pid, bootMs: Date.now() - t0 });
};

main().catch((error) => {
  try {
    process.send({ type: 'fatal', message: errorText(error) });
  } finally {
    setTimeout(() => process.exit(1), 100);
  }
});
