'use strict';

/**
 * Where the playground lives and runs from. It is a TypeScript Strapi app: `strapi develop` and
 * `strapi build` compile config/ and src/ to dist/, and Strapi loads the compiled files. Code that
 * boots it directly (tests, benchmarks, fault injection: `createStrapi({ appDir: PLAYGROUND,
 * distDir: PLAYGROUND_DIST })`) calls `compilePlayground()` first; it compiles only when a source
 * file is newer than the output, with the same compiler call as `strapi build`.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const PLAYGROUND = path.resolve(__dirname, '..');
const PLAYGROUND_DIST = path.join(PLAYGROUND, 'dist');
const ENTRY = path.join(PLAYGROUND_DIST, 'src', 'index.js');

/** Newest modification time among the files the TypeScript build reads. */
const newestSource = () => {
  let newest = fs.statSync(path.join(PLAYGROUND, 'tsconfig.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (full !== path.join(PLAYGROUND, 'src', 'admin')) walk(full);
      } else if (/\.(ts|json)$/.test(entry.name)) {
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
      }
    }
  };
  walk(path.join(PLAYGROUND, 'config'));
  walk(path.join(PLAYGROUND, 'src'));
  return newest;
};

const isCompiled = () => fs.existsSync(ENTRY) && fs.statSync(ENTRY).mtimeMs >= newestSource();

/**
 * Compiles the playground's TypeScript to dist/ unless it is up to date. Synchronous (a child
 * process running @strapi/typescript-utils' compile, as `strapi build` does), so that plain
 * scripts can call it before `createStrapi`. Throws with the compiler's output on a type error.
 */
const compilePlayground = () => {
  if (isCompiled()) return false;
  const script = `require('@strapi/typescript-utils').compile(${JSON.stringify(PLAYGROUND)}, { configOptions: { ignoreDiagnostics: false } })
    .catch((e) => { console.error(e.message); process.exit(1); })`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: PLAYGROUND, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`the playground does not compile:\n${result.stdout}\n${result.stderr}`);
  }
  // The compiler leaves an unchanged output's time alone: mark the build as current.
  const now = new Date();
  fs.utimesSync(ENTRY, now, now);
  return true;
};

module.exports = { PLAYGROUND, PLAYGROUND_DIST, compilePlayground, newestSource };

if (require.main === module) {
  const compiled = compilePlayground();
  console.log(compiled ? `playground compiled to ${PLAYGROUND_DIST}` : 'playground already compiled');
}
