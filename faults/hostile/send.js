'use strict';

const { Readable } = require('stream');
const { Agent, request } = require('undici');

/**
 * Sends requests with bounded concurrency. Every request gets an answer record: status,
 * headers, body (kept whole up to 2 MB, for the secret scan), time, or the connection error.
 */
const MAX_KEPT = 2 * 1024 * 1024;

const createSender = ({ baseUrl, concurrency = 8, timeoutMs = 30_000 }) => {
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 4_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

  const sendOne = async (req) => {
    const t0 = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    try {
      const headers = { ...(req.headers || {}) };
      const res = await request(`${baseUrl}${req.path}`, {
        method: req.method,
        headers,
        // A stream body goes out chunked, without Content-Length.
        body: req.chunked && req.body ? Readable.from([Buffer.from(req.body)]) : req.body,
        dispatcher,
        signal: controller.signal,
      });
      const chunks = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size <= MAX_KEPT) chunks.push(chunk);
      }
      const buf = Buffer.concat(chunks);
      return { status: res.statusCode, headers: res.headers, body: buf.toString('utf8'), size, ms: performance.now() - t0 };
    } catch (error) {
      return { status: 0, error: `${error.code || error.name || 'Error'}: ${error.message}`, ms: performance.now() - t0 };
    } finally {
      clearTimeout(timer);
    }
  };

  /** Sends all of `requests` (at most `concurrency` at a time); fills `req.res`. */
  const sendAll = async (requests, onProgress) => {
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < requests.length) {
        const req = requests[next];
        next += 1;
        req.res = await sendOne(req);
        done += 1;
        if (onProgress) onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  };

  return { sendOne, sendAll, close: () => dispatcher.close() };
};

module.exports = { createSender };
