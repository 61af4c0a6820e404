'use strict';

const autocannon = require('autocannon');
const { sampleRss } = require('./app');

/**
 * Runs autocannon against one route and reports throughput, latency percentiles, errors and
 * the server's peak RSS. `body(i)` builds the i-th request body (every request can differ).
 */
const load = async ({ app, name, method = 'POST', path, connections, duration, amount, headers = {}, form, body }) => {
  let counter = 0;
  const stopRss = sampleRss(app.pid);
  const result = await autocannon({
    url: app.url,
    connections,
    duration: amount ? undefined : duration,
    amount,
    timeout: 30,
    requests: [
      {
        method,
        path,
        headers: { ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : body ? { 'content-type': 'application/json' } : {}), ...headers },
        setupRequest: (req) => {
          if (!body) return req;
          counter += 1;
          const payload = body(counter);
          return { ...req, body: form ? new URLSearchParams(payload).toString() : JSON.stringify(payload) };
        },
      },
    ],
  });
  const peakRss = stopRss();
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return {
    name,
    requests: result.requests.total,
    throughput: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx,
    statusCodes: result.statusCodeStats,
    peakRss,
  };
};

module.exports = { load };
