import { LRUCache } from 'lru-cache';

/**
 * Counts events per key (a caller's address) in fixed windows, in memory, for at most `maxKeys`
 * keys (the least recently seen are forgotten first): a flood from many addresses costs bounded
 * memory, never a database write per check. Each process counts for itself.
 */
export const createThrottle = (options: { limit: number; windowMs: number; maxKeys: number }) => {
  const windows = new LRUCache<string, { count: number; start: number }>({ max: options.maxKeys });
  const current = (key: string, now: number) => {
    const w = windows.get(key);
    return w && now - w.start < options.windowMs ? w : null;
  };
  return {
    /** Whether `key` has used up its window. */
    blocked: (key: string, now = Date.now()) => (current(key, now)?.count ?? 0) >= options.limit,
    /** Counts one event for `key`. */
    hit: (key: string, now = Date.now()) => {
      const w = current(key, now) ?? { count: 0, start: now };
      w.count += 1;
      windows.set(key, w);
    },
    /** Keys tracked now (for tests of the bound). */
    size: () => windows.size,
  };
};
