'use strict';

/**
 * A PostgreSQL server of the suite's own (initdb in a temporary folder, its own port), so that
 * the restart scenario can crash and restart it without touching the machine's shared server.
 * Uses the binaries of the installed PostgreSQL; as root, runs them as the `postgres` user.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { freePort } = require('../../bench/lib/app');

const binDir = () => {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const version = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return path.join(root, version, 'bin');
};

const startPrivatePostgres = async () => {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const asRoot = process.getuid && process.getuid() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (tool, args) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, tool), args, { stdio: 'pipe' });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c fsync=on`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
  start();
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'faults']);
  return {
    port,
    env: { DATABASE_CLIENT: 'postgres', DATABASE_HOST: '127.0.0.1', DATABASE_PORT: String(port), DATABASE_NAME: 'faults', DATABASE_USERNAME: 'postgres', DATABASE_POOL_MAX: '20' },
    pg: { host: '127.0.0.1', port, user: 'postgres', database: 'faults' },
    /** As a crash: no checkpoint, every connection cut; recovery replays the WAL on start. */
    crash: () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    start,
    destroy: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

module.exports = { startPrivatePostgres };
