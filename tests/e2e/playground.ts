import fs from 'fs';
import net from 'net';
import path from 'path';
import { spawn, type ChildProcess } from 'child_process';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ephemeralEnv } = require('../../playground/scripts/ephemeral-env');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { resolveBrowser } = require('./browser');

/**
 * The playground as an admin sees it: its admin panel built (`strapi build`, once, by
 * ./global-setup.js) and served (`strapi start`) on a free port, on its own fresh SQLite file,
 * with the demo data.
 */
export const ROOT = path.resolve(__dirname, '..', '..');
export const PLAYGROUND = path.join(ROOT, 'playground');
export const SCREENSHOTS = path.join(__dirname, 'screenshots');

export interface BrowserChoice {
  executablePath: string;
  args: string[];
  env: Record<string, string>;
  source: string;
}

/** The browser ./global-setup.js chose (CHROME_PATH, a system Chromium, or @sparticuz/chromium). */
export const browserChoice = (): BrowserChoice =>
  process.env.E2E_BROWSER ? JSON.parse(process.env.E2E_BROWSER) : resolveBrowser();

/** Launches it headless with playwright-core. */
export const launchBrowser = async () => {
  const choice = browserChoice();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launch({
    executablePath: choice.executablePath,
    args: choice.args,
    env: { ...(process.env as Record<string, string>), ...choice.env },
  });
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

export interface Server {
  url: string;
  process: ChildProcess;
  database: string;
  log: () => string;
}

/**
 * `env` is added to the server's environment (an SMTP server's, a Click2Sell secret key…).
 * `options.database` restarts on the SQLite file of a server stopped before (never of one still
 * running: one process per SQLite file); without it the server gets a fresh file.
 */
export const startServer = async (env: Record<string, string> = {}, options: { database?: string } = {}): Promise<Server> => {
  const port = await freePort();
  const dir = path.join(PLAYGROUND, '.tmp', 'e2e');
  fs.mkdirSync(dir, { recursive: true });
  const database = options.database ?? path.join(dir, `e2e-${port}.db`);
  if (!options.database) for (const f of [database, `${database}-wal`, `${database}-shm`]) fs.rmSync(f, { force: true });
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
      // As `npm run develop`: welcome e-mails link to the playground's own set-password page.
      PLAYGROUND_SET_PASSWORD_PAGE: 'true',
      BROWSER: 'none',
      ...env,
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

/**
 * Registers the server's first administrator, as on a new install (`POST /admin/register-admin`),
 * and returns the admin JWT.
 */
export const registerAdmin = async (
  server: Server,
  admin: { email: string; password: string },
  names: { firstname: string; lastname: string }
): Promise<string> => {
  const res = await fetch(`${server.url}/admin/register-admin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...admin, ...names }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register-admin: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { token: string } }).data.token;
};

/** A page of the admin panel's size (1440 × 900, British English), with a 30 s step timeout. */
export const adminPage = async (browser: import('playwright-core').Browser) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
};

/** Logs the administrator in through the admin panel's login page. */
export const logInAdmin = async (page: import('playwright-core').Page, server: Server, admin: { email: string; password: string }) => {
  await page.goto(`${server.url}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(admin.email);
  await page.locator('input[name="password"]').fill(admin.password);
  await page.getByRole('button', { name: /^log ?in$/i }).click();
  await page.waitForURL(/\/admin(\/)?$/);
};

/** After a file's tests: a server that died mid-run explains every later failure, so its log is shown. */
export const tearDown = async (server: Server | undefined, browser: import('playwright-core').Browser | undefined) => {
  if (server && server.process.exitCode !== null) console.error(`strapi start exited:\n${server.log().slice(-4000)}`);
  await browser?.close();
  await stopServer(server);
};
