import fs from 'fs';
import net from 'net';
import path from 'path';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ephemeralEnv } = require('../../playground/scripts/ephemeral-env');

/**
 * The playground as an admin sees it: its admin panel built (`strapi build`) and served
 * (`strapi start`) on a free port, on its own fresh SQLite file, with the demo data.
 */
export const ROOT = path.resolve(__dirname, '..', '..');
export const PLAYGROUND = path.join(ROOT, 'playground');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(__dirname, 'screenshots');

/** Fails with the fix in the message, not with a browser launch error. */
export const assertChromium = () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) ` +
        'or set CHROMIUM_PATH. The end-to-end suite drives a real browser and cannot run without one.'
    );
  }
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const newest = (dir: string): number =>
  fs.existsSync(dir)
    ? Math.max(0, ...fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs))
    : Number.POSITIVE_INFINITY;

/** `strapi build`, unless the admin build is already newer than the plugin's admin bundle. */
export const buildAdmin = () => {
  const built = path.join(PLAYGROUND, 'build', 'index.html');
  const plugin = path.join(ROOT, 'dist', 'admin');
  if (!fs.existsSync(plugin)) throw new Error('dist/admin is missing: run `npx strapi-plugin build` first');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs > newest(plugin)) return;
  const result = spawnSync('npx', ['strapi', 'build'], {
    cwd: PLAYGROUND,
    env: { ...process.env, NODE_ENV: 'production', STRAPI_TELEMETRY_DISABLED: 'true' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`strapi build failed:\n${result.stdout}\n${result.stderr}`);
};

export interface Server {
  url: string;
  process: ChildProcess;
  database: string;
  log: () => string;
}


export const startServer = async (): Promise<Server> => {
  const port = await freePort();
  const dir = path.join(PLAYGROUND, '.tmp', 'e2e');
  fs.mkdirSync(dir, { recursive: true });
  const database = path.join(dir, `e2e-${port}.db`);
  for (const f of [database, `${database}-wal`, `${database}-shm`]) fs.rmSync(f, { force: true });
  let output = '';
  const child = spawn('npx', ['strapi', 'start'], {
    cwd: PLAYGROUND,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_CLIENT: 'sqlite',
      DATABASE_FILENAME: database,
      ...ephemeralEnv(),
      SEED_DEMO_DATA: 'true',
      BROWSER: 'none',
    },
    detached: true,
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`strapi start exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/_health`);
      if (res.status === 204 || res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, process: child, database, log: () => output };
};

export const stopServer = async (server: Server | undefined) => {
  if (!server || server.process.exitCode !== null || !server.process.pid) return;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  try {
    // The whole process group: npx and the Strapi process it started.
    process.kill(-server.process.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  await exited;
};
