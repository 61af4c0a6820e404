'use strict';

/**
 * A small seeded PRNG (mulberry32) and the helpers the generators draw with, so that a run is
 * reproducible from its printed seed (HOSTILE_SEED=<n> node faults/run.js --only hostile).
 */
const { mulberry32 } = require('../lib/prng');

const createRandom = (seed) => {
  const next = mulberry32(seed);
  const r = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    /** Picks by weight: [[weight, value], …]. */
    weighted: (pairs) => {
      const total = pairs.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of pairs) {
        x -= w;
        if (x < 0) return v;
      }
      return pairs[pairs.length - 1][1];
    },
    hex: (n) => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(next() * 16)]).join(''),
    alnum: (n) =>
      Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(next() * 62)]).join(''),
    shuffle: (items) => {
      const a = [...items];
      for (let i = a.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    },
  };
  return r;
};

module.exports = { createRandom };
