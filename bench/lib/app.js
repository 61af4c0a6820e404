'use strict';

const { fork } = require('child_process');
const { ephemeralEnv } = require('../../playground/scripts/ephemeral-env');
const fs = require('fs');
const net = require('net');
const path = require('path');

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

/** Resident memory of a process in bytes, from /proc (Linux). */
const rssOf = (pid) => {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb * 1024;
  } catch {
    return 0;
  }
};

/** Samples a process's RSS every 100 ms until stopped; returns the peak. */
const sampleRss = (pid) => {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssOf(pid));
  };
};

/** Starts the playground in production mode in a child process and waits until it listens. */
const startApp = async (dbEnv, extraEnv = {}, logFile = null) => {
  const port = await freePort();
  // The server's own log (errors included) goes to a file next to the results, not the console.
  const out = logFile ? fs.openSync(logFile, 'w') : 'ignore';
  const child = fork(path.join(__dirname, 'server.js'), [], {
    // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": profile the server under load.
    execArgv: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    cwd: path.resolve(__dirname, '..', '..', 'playground'),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...ephemeralEnv(),
      USERS_PERMISSIONS_RATELIMIT: 'false',
      BENCH_BASELINE: 'true',
      ...dbEnv,
      ...extraEnv,
    },
    stdio: ['ignore', out, out === 'ignore' ? 'inherit' : out, 'ipc'],
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the playground did not start within 180 s')), 180_000);
    child.on('message', (m) => {
      if (m && m.ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`the playground exited with code ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
};

module.exports = { startApp, rssOf, sampleRss, freePort };
