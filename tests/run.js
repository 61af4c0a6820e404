#!/usr/bin/env node
'use strict';

/**
 * `npm test`: builds the plugin, then runs the whole Jest suite (unit + integration against a
 * booted playground) on the database named by DATABASE_CLIENT (sqlite by default; postgres,
 * mysql/mariadb on request). Extra arguments go to Jest.
 */
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args, env = process.env) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return result.status === null ? 1 : result.status;
};

if (process.env.SKIP_BUILD !== 'true') {
  const status = run('npx', ['strapi-plugin', 'build']);
  if (status !== 0) process.exit(status);
}

const args = ['jest', '--runInBand=false', '--maxWorkers=2', '--forceExit', ...process.argv.slice(2)];
process.exit(run('npx', args.filter((a) => a !== '--runInBand=false')));
