'use strict';

/**
 * Which Chromium the end-to-end suite drives, in this order:
 *   1. CHROME_PATH (or the older CHROMIUM_PATH) when set: that executable, nothing else tried;
 *   2. a system Chromium or Chrome (Linux packages, macOS and Windows default installs, PATH);
 *   3. the Chromium shipped inside the @sparticuz/chromium dev dependency (Linux x64), unpacked
 *      once into node_modules/.cache/ (about 3 s the first time), so that `npm install && npm test`
 *      needs nothing but Node and npm.
 * Plain CommonJS: Jest's global setup, the tests and `node tests/e2e/browser.js` (which prints the
 * choice) all use it. @sparticuz/chromium is an ES module: it runs in a child Node process.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');

/** The flags the suite always passes (headless, no sandbox: tests run as root in containers). */
const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const systemCandidates = () => {
  const env = process.env;
  if (process.platform === 'darwin') {
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      path.join(os.homedir(), 'Applications/Chromium.app/Contents/MacOS/Chromium'),
      path.join(os.homedir(), 'Applications/Google Chrome.app/Contents/MacOS/Google Chrome'),
    ];
  }
  if (process.platform === 'win32') {
    return [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA]
      .filter(Boolean)
      .flatMap((base) => [
        path.join(base, 'Chromium', 'Application', 'chrome.exe'),
        path.join(base, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      ]);
  }
  const names = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
  const fromPath = (env.PATH || '')
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((dir) => names.map((name) => path.join(dir, name)));
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', ...fromPath];
};

const isExecutable = (file) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

const sparticuzVersion = () => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};

/**
 * Unpacks @sparticuz/chromium into node_modules/.cache/sparticuz-chromium-<version>/ (its own
 * directory rather than the shared /tmp/chromium the package defaults to, which another version
 * or a concurrent unpacking may own): into a temporary directory first, renamed when complete, so
 * that two processes starting at once never run a half-written binary.
 */
const unpackSparticuz = (version) => {
  const cache = path.join(ROOT, 'node_modules', '.cache');
  const dir = path.join(cache, `sparticuz-chromium-${version}`);
  const binary = path.join(dir, 'chromium');
  if (!isExecutable(binary)) {
    fs.mkdirSync(cache, { recursive: true });
    const partial = fs.mkdtempSync(path.join(cache, `sparticuz-chromium-${version}.partial-`));
    const script = `import('@sparticuz/chromium').then(async (m) => {
      const file = await m.default.executablePath();
      process.stdout.write(JSON.stringify({ file, args: m.default.args }));
    }).catch((e) => { console.error(e); process.exit(1); });`;
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: partial, TMP: partial, TEMP: partial },
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw new Error(`could not unpack @sparticuz/chromium ${version}:\n${result.stderr || result.stdout}`);
    }
    const { args } = JSON.parse(result.stdout);
    fs.writeFileSync(path.join(partial, 'args.json'), JSON.stringify(args));
    // Fonts for a machine without any (a bare container): the package's own Open Sans.
    fs.writeFileSync(
      path.join(partial, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        `  <dir>${path.join(dir, 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`
    );
    try {
      fs.renameSync(partial, dir);
    } catch {
      // Another process finished first: use its copy.
      fs.rmSync(partial, { recursive: true, force: true });
    }
  }
  const args = JSON.parse(fs.readFileSync(path.join(dir, 'args.json'), 'utf8'))
    // Lambda-only switches, or ones the suite sets its own way: one renderer per page, plain
    // headless, web security on (the admin panel must work with it).
    .filter((a) => !/^--(headless|single-process|disable-web-security|allow-running-insecure-content)\b/.test(a));
  const env = {};
  // The package's libraries (SwiftShader) sit beside the binary; fonts only when the system has none.
  env.LD_LIBRARY_PATH = [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  if (!fs.existsSync('/etc/fonts/fonts.conf')) env.FONTCONFIG_FILE = path.join(dir, 'fonts.conf');
  return { executablePath: binary, args, env };
};

/**
 * The browser to launch: `{ executablePath, args, env, source }`, or an Error saying what to do.
 * `env` is added to the browser's environment (pass `env: { ...process.env, ...browser.env }`).
 */
const resolveBrowser = () => {
  const explicit = process.env.CHROME_PATH || process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`CHROME_PATH=${explicit} is not an executable file`);
    return { executablePath: explicit, args: BASE_ARGS, env: {}, source: 'CHROME_PATH' };
  }
  const system = systemCandidates().find(isExecutable);
  if (system) return { executablePath: system, args: BASE_ARGS, env: {}, source: 'system' };
  const version = sparticuzVersion();
  if (version && process.platform === 'linux' && process.arch === 'x64') {
    const unpacked = unpackSparticuz(version);
    return {
      executablePath: unpacked.executablePath,
      args: [...new Set([...unpacked.args, ...BASE_ARGS])],
      env: unpacked.env,
      source: `@sparticuz/chromium ${version}`,
    };
  }
  throw new Error(
    'No Chromium for the end-to-end suite: set CHROME_PATH to a Chromium or Chrome executable, or ' +
      'install Chrome/Chromium. ' +
      (version
        ? `The @sparticuz/chromium package only ships a Linux x64 browser (this is ${process.platform} ${process.arch}).`
        : 'The @sparticuz/chromium dev dependency is not installed (run npm install).')
  );
};

module.exports = { resolveBrowser, BASE_ARGS };

if (require.main === module) {
  const browser = resolveBrowser();
  console.log(`${browser.source}: ${browser.executablePath}`);
}
