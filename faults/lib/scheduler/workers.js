'use strict';

/**
 * Strapi processes for the scheduler fault scenarios: each is ./worker.js in a child process of
 * its own (the playground in production mode, the built plugin), driven over IPC. Its output goes
 * to a log file (quoted when it dies unexpectedly).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { fork } = require('child_process');
const { ephemeralEnv } = require('../../../playground/scripts/ephemeral-env');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PLAYGROUND = path.join(ROOT, 'playground');
const WORKER = path.join(__dirname, 'worker.js');
const { CHECKOUT } = require('./common');

const LOG_DIR = path.join(os.tmpdir(), `faults-scheduler-${CHECKOUT}`);

/** The plugin must be built (dist/) for the playground to load it. */
const assertBuilt = () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'index.js'))) {
    throw new Error('dist/server is missing: run `npx strapi-plugin build` (or `npm run build`) first');
  }
};

const tail = (file, bytes = 3000) => {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
};

/**
 * Boots one worker. `env`: the database env, the SMTP env and anything else (the secrets of
 * `shared` are given to every worker of a scenario, as processes of one site share them).
 */
const startWorker = ({ name, env, shared = ephemeralEnv(), bootTimeoutMs = 180_000 }) =>
  new Promise((resolve, reject) => {
    assertBuilt();
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const logFile = path.join(LOG_DIR, `${name}.log`);
    const out = fs.openSync(logFile, 'w');
    const child = fork(WORKER, [], {
      cwd: PLAYGROUND,
      env: { ...process.env, NODE_ENV: 'production', ...shared, ...env },
      stdio: ['ignore', out, out, 'ipc'],
    });
    fs.closeSync(out);
    const pending = new Map();
    let nextId = 1;
    let exit = null;
    const exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        for (const { fail } of pending.values()) {
          fail(new Error(`worker ${name} exited (${signal || code}) during a command\n${tail(logFile)}`));
        }
        pending.clear();
        done(exit);
      })
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${name} did not boot within ${bootTimeoutMs / 1000} s\n${tail(logFile)}`));
    }, bootTimeoutMs);
    const send = (message) =>
      new Promise((done, fail) => {
        if (exit) return fail(new Error(`worker ${name} is not running (${exit.signal || exit.code})`));
        const id = nextId++;
        pending.set(id, { done, fail });
        child.send({ ...message, id });
      });
    child.on('message', (message) => {
      if (message && message.id && pending.has(message.id)) {
        const { done, fail } = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) done(message.value);
        else fail(new Error(`worker ${name}: ${message.error}`));
        return;
      }
      if (message && message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          name,
          pid: child.pid,
          bootMs: message.bootMs,
          logFile,
          exited,
          isAlive: () => exit === null,
          /** runOnce at each `now` in turn; resolves to [{ now, ms, figures }]. */
          run: (nows, steps) => send({ type: 'run', nows: nows.map((d) => new Date(d).toISOString()), steps }),
          /** require(module)[fn](strapi, ...args) inside the worker. */
          call: (module, fn, ...args) => send({ type: 'call', module, fn, args }),
          kill: (signal = 'SIGKILL') => {
            if (exit === null) child.kill(signal);
            return exited;
          },
          stop: async () => {
            if (exit !== null) return exit;
            child.send({ type: 'stop' });
            const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
            const result = await exited;
            clearTimeout(force);
            return result;
          },
        });
      } else if (message && message.type === 'fatal') {
        clearTimeout(timer);
        reject(new Error(`worker ${name} failed to boot: ${message.message}`));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker ${name} exited (${signal || code}) before it was ready\n${tail(logFile)}`));
    });
  });

module.exports = { startWorker, assertBuilt, LOG_DIR, PLAYGROUND };
