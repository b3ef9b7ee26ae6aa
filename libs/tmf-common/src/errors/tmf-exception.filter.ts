import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AppException, ErrorKind, JSON_MEDIA_TYPES } from '@app/tmf-common/core';
import { MethodNotAllowedResolver } from '@app/tmf-common/http/method-not-allowed';

import { mapError } from './error-mapper';

/**
 * The one place where errors become HTTP responses (TMF `Error` bodies). Registered globally by
 * `configureApp`; the same mapping serves Fastify's own errors (body parsing, limits) through
 * `sendTmfError`.
 */
@Catch()
export class TmfExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('TmfExceptionFilter');

  constructor(private readonly methodResolver?: MethodNotAllowedResolver) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.send(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** What `catch` answers, for routes that Fastify serves without Nest's exception zone. */
  send(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    sendTmfError(this.translate(exception, request), request, reply, this.logger);
  }

  /**
   * Nest answers an unknown route with NotFoundException; a known path with another method is 405.
   * A request no route matched may also fail earlier in Fastify (`QUERY` without a Content-Type is
   * refused as a body method): on a known path that is still a 405, whatever the error.
   */
  private translate(exception: unknown, request: FastifyRequest): unknown {
    if (this.methodResolver && !request.routeOptions?.url) {
      const path = request.url.split('?')[0];
      const allowed = this.methodResolver.allowedMethods(request.url);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        return new AppException(
          ErrorKind.MethodNotAllowed,
          'METHOD_NOT_ALLOWED',
          `Method ${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
          { allow: allowed.join(', ') },
        );
      }
      if (exception instanceof NotFoundException) {
        return new AppException(
          ErrorKind.NotFound,
          'RESOURCE_NOT_FOUND',
          `No resource at ${request.method} ${path}`,
        );
      }
    }
    if (isFastifyMediaTypeError(exception)) {
      return new AppException(
        ErrorKind.UnsupportedMediaType,
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported; this operation accepts ${acceptedMediaTypes(request.method).join(', ')}`,
      );
    }
    return exception;
  }
}

/** PATCH takes every JSON patch format (JSON_MEDIA_TYPES); every other body is plain JSON. */
function acceptedMediaTypes(method: string): readonly string[] {
  return method === 'PATCH' ? JSON_MEDIA_TYPES : ['application/json'];
}

// Fastify refuses a body it has no parser for; Nest hands that to filters as a bare 415 HttpException.
function isFastifyMediaTypeError(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code;
  return (
    (exception instanceof HttpException && exception.getStatus() === 415) ||
    code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
  );
}

export function sendTmfError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error'>,
): void {
  const mapped = mapError(exception, String(request.id));
  if (mapped.correlationId) {
    const stack = describeForLog(exception);
    logger.error(
      `Unexpected error on ${request.method} ${request.url} (correlation id ${mapped.correlationId})`,
      stack,
    );
  }
  if (reply.sent) {
    return;
  }
  void reply
    .status(mapped.status)
    .headers(mapped.headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(mapped.body));
}

/** The error's stack (and its cause's); where an error carries no frames, the frames where it surfaced. */
function describeForLog(exception: unknown): string {
  if (!(exception instanceof Error)) {
    return `${String(exception)}\n${new Error('surfaced at').stack ?? ''}`;
  }
  let text = exception.stack ?? `${exception.name}: ${exception.message}`;
  if (!/\n\s+at /.test(text)) {
    text += `\n${new Error('surfaced at').stack ?? ''}`;
  }
  const cause = (exception as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.stack) {
    text += `\nCaused by: ${cause.stack}`;
  }
  return text;
}
