'use strict';

/**
 * The SMTP server of the scheduler fault scenarios, in the orchestrating process (smtp-server, as
 * the integration tests use). It records every message it accepts (raw deliveries, in order, with
 * its Message-ID, recipients and subject) and can be switched between:
 *   'up'        accepts everything;
 *   'down'      not listening: new connections are refused (ECONNREFUSED); an open connection
 *               gets "421 4.4.2" at its next MAIL FROM and is closed (a server shutting down:
 *               a message whose transaction has begun is still accepted, nothing is cut mid-DATA);
 *   'tempfail'  listening, but every MAIL FROM gets "451 4.3.0" (a temporary failure).
 * A message counts as delivered when its final "." has been read and the server accepts it: a
 * real MTA has queued it at that point, whether or not the client lives to read the "250".
 */
const { SMTPServer } = require('smtp-server');
const libmime = require('libmime');

/** The header block of a raw message, unfolded, as a lower-case name → value map (first occurrence). */
const headersOf = (raw) => {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
};

const startSmtp = async ({ onAccept } = {}) => {
  const deliveries = [];
  /** `hooks.onAccept(delivery)` is called right after each accepted message (may be changed at any time). */
  const hooks = { onAccept };
  const state = { mode: 'up', tempFailures: 0, shutdownReplies: 0, listening: false };
  const sockets = new Set();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Many small messages per pooled connection.
    maxClients: 100,
    onMailFrom(_address, _session, callback) {
      if (state.mode === 'down') {
        state.shutdownReplies += 1;
        const error = new Error('Service not available, closing transmission channel (fault injection)');
        error.responseCode = 421;
        return callback(error);
      }
      if (state.mode === 'tempfail') {
        state.tempFailures += 1;
        const error = new Error('4.3.0 Temporary failure, try again later (fault injection)');
        error.responseCode = 451;
        return callback(error);
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(new Error('message too large'));
        const headers = headersOf(Buffer.concat(chunks));
        const delivery = {
          seq: deliveries.length + 1,
          at: Date.now(),
          messageId: headers['message-id'] || null,
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: headers.subject ? libmime.decodeWords(headers.subject) : '',
        };
        deliveries.push(delivery);
        callback();
        if (hooks.onAccept) hooks.onAccept(delivery);
      });
    },
  });
  server.server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // smtp-server reports errors of cut connections; they are expected here.
  server.on('error', () => {});

  const listen = (port) =>
    new Promise((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(port, '127.0.0.1', () => {
        server.server.off('error', reject);
        state.listening = true;
        resolve();
      });
    });
  await listen(0);
  const port = server.server.address().port;

  /** Stops accepting connections at once (open ones are left to the 421 above). */
  const stopListening = () => {
    if (!state.listening) return;
    state.listening = false;
    server.server.close();
  };

  return {
    port,
    /** Env for the playground: this server, with nodemailer's pool as in production. */
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_POOL: 'true' },
    deliveries,
    state,
    hooks,
    get mode() {
      return state.mode;
    },
    /** 'up' | 'down' | 'tempfail'. */
    async setMode(mode) {
      if (!['up', 'down', 'tempfail'].includes(mode)) throw new Error(`unknown SMTP mode ${mode}`);
      state.mode = mode;
      if (mode === 'down') stopListening();
      else if (!state.listening) await listen(port);
    },
    /** Message-ID → number of raw deliveries. */
    countsByMessageId() {
      const counts = new Map();
      for (const d of deliveries) counts.set(d.messageId, (counts.get(d.messageId) || 0) + 1);
      return counts;
    },
    close: async () => {
      stopListening();
      for (const socket of sockets) socket.destroy();
    },
  };
};

module.exports = { startSmtp, headersOf };
