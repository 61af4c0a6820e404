'use strict';

/**
 * Builds strapi-plugin-subscriptions/client after `strapi-plugin build` (which empties dist/):
 * dist/client/index.mjs (ESM), dist/client/index.js (CommonJS) with esbuild, and the declarations
 * dist/client/src/index.d.ts with tsc (they import the contract's dist/server/src/contract/*.d.ts).
 * The member site in playground/public/members/ gets a copy of the ESM build (client.js).
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const entry = path.join(__dirname, 'src', 'index.ts');
const out = path.join(ROOT, 'dist', 'client');

const common = { entryPoints: [entry], bundle: true, platform: 'neutral', target: 'es2020', logLevel: 'warning' };
esbuild.buildSync({ ...common, format: 'esm', outfile: path.join(out, 'index.mjs') });
esbuild.buildSync({ ...common, format: 'cjs', outfile: path.join(out, 'index.js') });

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.json')], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status || 1);

const site = path.join(ROOT, 'playground', 'public', 'members', 'client.js');
if (fs.existsSync(path.dirname(site))) fs.copyFileSync(path.join(out, 'index.mjs'), site);
console.log('[INFO] client built: dist/client/index.{mjs,js}, dist/client/src/index.d.ts');
