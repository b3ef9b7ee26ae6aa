import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import type { FastifyReply, FastifyRequest } from 'fastify';

import { tmfError } from '@app/tmf-common/core';

/** The TMF Error answered to a request Node's HTTP parser refused, by the parser's error code. */
function errorFor(code: string | undefined): { status: number; code: string; message: string } {
  switch (code ?? '') {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'REQUEST_TIMEOUT',
        message: 'The request (headers or body) was not received in time',
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'HEADERS_TOO_LARGE',
        message: 'The request line and headers exceed the size limit (URL or headers too long)',
      };
    default:
      return {
        status: 400,
        code: 'MALFORMED_REQUEST',
        message: 'The request is not valid HTTP/1.1',
      };
  }
}

/**
 * Fastify `clientErrorHandler`: what the server answers, before any route runs, to a request
 * Node's parser refuses (a URL or headers over the size limit, bad syntax, the header or request
 * timeout). A TMF Error body like every other 4xx, then the connection is closed.
 */
export function tmfClientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const { status, code, message } = errorFor(err.code);
  const body = JSON.stringify(tmfError(status, code, STATUS_CODES[status] ?? 'Error', message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

/**
 * Fastify `frameworkErrors`: errors Fastify raises while routing, before Nest sees the request (a
 * path with a bad percent-encoding, a path parameter over the length limit). A TMF Error body
 * like every other 4xx.
 */
export function tmfFrameworkErrorHandler(
  error: Error & { code?: string },
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  const body = tmfError(
    status,
    tooLong ? 'URI_TOO_LONG' : 'MALFORMED_URL',
    STATUS_CODES[status] ?? 'Error',
    tooLong
      ? 'A path segment is longer than the server accepts'
      : 'The URL path is not valid (a bad percent-encoding)',
  );
  void reply
    .status(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(body));
}
