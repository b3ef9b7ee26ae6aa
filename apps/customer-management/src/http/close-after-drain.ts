import type { FastifyInstance } from 'fastify';

/**
 * Keep-alive connections during a graceful close (SIGTERM). Fastify's close closes the HTTP server,
 * and Node closes the connections idle at that instant, once. A connection whose request was in
 * progress then was answered with keep-alive and stayed open, idle, after its answer: the close
 * waited for its client to send again (and get a 503) or for the keep-alive timeout (72 s), and
 * past SHUTDOWN_GRACE_MS the process exited 1. So once the close has begun, every answer says
 * `Connection: close` (Node ends the connection after it), and an answer already under way when the
 * close began has its connection closed as soon as it is idle.
 */
export function registerCloseAfterDrain(fastify: FastifyInstance): void {
  let closing = false;
  // preClose runs before the server stops listening and closes its idle connections.
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // A body still arriving is read and dropped first (lingering close): not cut here.
    if (closing && request.raw.complete) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (_request, _reply, done) => {
    if (closing) {
      // Answers sent keep-alive before the close began leave idle connections: close them. A
      // connection with a request in progress is not idle and is left to finish.
      fastify.server.closeIdleConnections();
    }
    done();
  });
}
