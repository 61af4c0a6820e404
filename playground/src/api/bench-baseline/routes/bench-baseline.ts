/**
 * Baselines for `npm run bench` (bench/README in the main README): the same work as the
 * plugin's routes, done with plain knex and no checks. Answer 404 unless BENCH_BASELINE=true.
 */
export default {
  routes: [
    { method: 'POST', path: '/bench-baseline/setup', handler: 'bench-baseline.setup', config: { auth: false } },
    { method: 'POST', path: '/bench-baseline/rebill', handler: 'bench-baseline.rebill', config: { auth: false } },
  ],
};
