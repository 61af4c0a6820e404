import fs from 'fs';
import path from 'path';

/**
 * The admin speaks English and French: both files have the same keys, every key the admin code
 * uses (through `t('…')` or `msg('…')`) exists, and no translation is empty.
 */
const ADMIN = path.resolve(__dirname, '..', '..', 'admin', 'src');
const load = (locale: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(ADMIN, 'translations', `${locale}.json`), 'utf8'));

const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });

const usedKeys = (): Set<string> => {
  const keys = new Set<string>();
  for (const file of sources(ADMIN)) {
    const code = fs.readFileSync(file, 'utf8');
    for (const m of code.matchAll(/\b(?:t|msg)\(\s*'([^']+)'/g)) keys.add(m[1]);
    // Keys registered with the plugin id prefix, e.g. `${PLUGIN_ID}.settings.title`.
    for (const m of code.matchAll(/\$\{PLUGIN_ID\}\.([\w.-]+)`/g)) keys.add(m[1]);
  }
  return keys;
};

describe('admin translations', () => {
  const en = load('en');
  const fr = load('fr');

  it('has the same keys in English and French', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it('has every key the admin code uses, in both languages', () => {
    const used = [...usedKeys()];
    expect(used.length).toBeGreaterThan(50);
    expect(used.filter((key) => !(key in en))).toEqual([]);
    expect(used.filter((key) => !(key in fr))).toEqual([]);
  });

  it('has no empty message and the same placeholders in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) {
      expect([key, en[key].trim().length > 0, (fr[key] ?? '').trim().length > 0]).toEqual([key, true, true]);
      expect([key, placeholders(fr[key] ?? '')]).toEqual([key, placeholders(en[key])]);
    }
  });

  it('finds no call with a computed key the check cannot see', () => {
    for (const file of sources(ADMIN)) {
      const code = fs.readFileSync(file, 'utf8');
      // t(`…${x}…`) would hide a key from this check: use a msg('…') table instead.
      expect([path.basename(file), /\bt\(\s*`/.test(code)]).toEqual([path.basename(file), false]);
    }
  });
});
