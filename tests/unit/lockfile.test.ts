/**
 * The lock file must record every platform's optional binaries (@swc/core-*, @rollup/rollup-*…):
 * `npm ci` refuses a lock that lacks one ("Missing: @swc/core-darwin-arm64 from lock file"), and a
 * lock that only `npm install` accepts lets versions drift between machines. npm can leave them
 * out when it rewrites the lock from a node_modules installed on one platform.
 */
import fs from 'fs';
import path from 'path';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  link?: boolean;
}

const lock = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};

/** Where Node (and npm) would find `name` from the package at `from`: its own node_modules, then up. */
const resolves = (from: string, name: string): boolean => {
  let base = from;
  for (;;) {
    if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
};

describe('package-lock.json', () => {
  it('is a lockfile v3 with the workspace in it', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(3);
    expect(lock.packages.playground).toBeDefined();
  });

  it('records every optional dependency of every package, for every platform (npm ci accepts it anywhere)', () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolves(at, name)) missing.push(`${at || '(root)'} → ${name}`);
      }
    }
    // Fix: `rm -rf node_modules package-lock.json && npm install` would re-resolve everything;
    // `npm install --package-lock-only` on a clean tree adds only what is missing.
    expect(missing).toEqual([]);
  });
});
