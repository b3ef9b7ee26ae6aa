import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
// Accept a caller's id only if it is short and plain: it is echoed in headers and written to logs.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The caller's X-Request-ID when it is safe to reuse, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** One log line per request (method, route, status, latency, request id) and the id echoed back. */
export function registerRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const line = {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: request.url,
      status,
      latencyMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (status >= 500) {
      request.log.error(line, 'request completed');
    } else {
      request.log.info(line, 'request completed');
    }
    done();
  });
}
