import { createThrottle } from '../../server/src/utils/throttle';

describe('the Click2Sell throttle', () => {
  it('blocks a key once it used up its window, and frees it when the window ends', () => {
    const t = createThrottle({ limit: 3, windowMs: 1000, maxKeys: 10 });
    for (let i = 0; i < 3; i += 1) {
      expect(t.blocked('a', 0)).toBe(false);
      t.hit('a', 0);
    }
    expect(t.blocked('a', 999)).toBe(true);
    expect(t.blocked('b', 999)).toBe(false);
    expect(t.blocked('a', 1000)).toBe(false);
  });

  it('remembers at most maxKeys addresses, whatever the flood', () => {
    const t = createThrottle({ limit: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i += 1) t.hit(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(t.size()).toBe(100);
    // The most recent addresses are the ones kept.
    expect(t.blocked('10.0.39.15', 1)).toBe(true);
    expect(t.blocked('10.0.0.0', 1)).toBe(false);
  });
});
