import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
// Accept a caller's id only if it is short and plain: it is echoed in headers and written to logs.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The caller's X-Request-ID when it is safe to reuse, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Fastify's own extension point for its request log lines: one line per request, when it
 * completes, with method, route template, status, latency and request id (no "incoming" line).
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // One line per request is enough: it is written when the request completes.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: request.url,
      status,
      latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      ...(error ? { err: error } : {}),
    };
    if (error || status >= 500) {
      reply.log.error(line, 'request completed');
    } else {
      reply.log.info(line, 'request completed');
    }
  }
}

/** Returns the request id to the caller on every response. */
export function registerRequestIdHeader(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
