import type { IncomingMessage } from 'node:http';

import type { FastifyInstance } from 'fastify';

export interface LingerLimits {
  /** Most body bytes read and discarded after the answer; beyond, the connection is closed. */
  maxBytes: number;
  /** Longest time spent discarding; then the connection is closed. */
  maxMs: number;
}

/**
 * Lingering close, as nginx does it: an answer given before the request body was read (413 for an
 * oversized body, 415, ...) is followed by reading and discarding the rest of the body, within
 * bounds, instead of closing the connection on it. Closing with unread data makes the kernel send a
 * reset, and a client still writing its body gets EPIPE and never reads the answer. Fastify marks
 * such answers `Connection: close`; without that header Node keeps reading (and dropping) the body,
 * and the bounds below end the connection when a client sends too much or too slowly.
 */
export function registerLingeringClose(fastify: FastifyInstance, limits: LingerLimits): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete) {
      void reply.removeHeader('connection');
      discardRest(request.raw, limits);
    }
    done(null, payload);
  });
}

function discardRest(request: IncomingMessage, limits: LingerLimits): void {
  const socket = request.socket;
  const start = socket.bytesRead;
  const onData = () => {
    if (socket.bytesRead - start > limits.maxBytes) {
      socket.destroy();
    }
  };
  const timer = setTimeout(() => socket.destroy(), limits.maxMs);
  timer.unref();
  const stop = () => {
    clearTimeout(timer);
    socket.off('data', onData);
  };
  socket.on('data', onData);
  socket.once('close', stop);
  request.once('end', stop);
  // A body nobody reads any more (Fastify stopped at the limit) must still flow to be dropped.
  request.resume();
}
