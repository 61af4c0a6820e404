'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { resolveBrowser } = require('./browser');
const { PLAYGROUND_DIST, PLAYGROUND, newestSource } = require('../../playground/scripts/app');

const ROOT = path.resolve(__dirname, '..', '..');

const newest = (dir) =>
  fs.existsSync(dir)
    ? Math.max(0, ...fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs))
    : Number.POSITIVE_INFINITY;

/**
 * `strapi build` (TypeScript and admin panel), unless the admin build is newer than the plugin's
 * admin bundle and the playground's sources (its config/plugins.ts lists the plugins to bundle).
 */
const buildAdmin = () => {
  const built = path.join(PLAYGROUND_DIST, 'build', 'index.html');
  const plugin = path.join(ROOT, 'dist', 'admin');
  if (!fs.existsSync(plugin)) throw new Error('dist/admin is missing: run `npx strapi-plugin build` first');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs > Math.max(newest(plugin), newestSource())) return;
  const result = spawnSync('npx', ['strapi', 'build'], {
    cwd: PLAYGROUND,
    env: { ...process.env, NODE_ENV: 'production', STRAPI_TELEMETRY_DISABLED: 'true' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`strapi build failed:\n${result.stdout}\n${result.stderr}`);
  // A build without the plugin's pages would only show up as browser time-outs: say it here.
  const app = path.join(PLAYGROUND, '.strapi', 'client', 'app.js');
  if (!/^\s*subscriptions: /m.test(fs.readFileSync(app, 'utf8'))) throw new Error(`${app} does not register the plugin's admin panel`);
};

/**
 * Once, before the end-to-end files run (in parallel workers): the plugin built, the playground
 * compiled and its admin panel built, and the browser found (or unpacked from @sparticuz/chromium).
 * Workers read the browser from E2E_BROWSER.
 */
module.exports = async () => {
  await require('../helpers/global-setup')();
  buildAdmin();
  const browser = resolveBrowser();
  process.env.E2E_BROWSER = JSON.stringify(browser);
  console.log(`\nend-to-end browser: ${browser.source} (${browser.executablePath})`);
};
