import { randomUUID } from 'node:crypto';

import { HttpException } from '@nestjs/common';

import {
  AppException,
  reasonForStatus,
  statusForKind,
  TmfError,
  tmfError,
} from '@app/tmf-common/core';

export interface MappedError {
  status: number;
  body: TmfError;
  headers: Record<string, string>;
  /** Set for unexpected errors: the id logged with the stack and returned to the client. */
  correlationId?: string;
}

interface FrameworkError {
  statusCode?: number;
  status?: number;
  code?: string;
  message?: string;
}

/** Fastify's own error codes that are client errors, with the TMF code we expose for each. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EMPTY_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'MALFORMED_URL',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
};

function isFrameworkError(err: unknown): err is FrameworkError & Error {
  return err instanceof Error && typeof (err as FrameworkError).code === 'string';
}

/**
 * Maps any thrown value to a TMF Error response. Expected errors keep their message; anything else
 * becomes a generic 500 carrying a correlation id (the request id when there is one, so the request's
 * log line and the stack can be found together); the caller logs the original with its stack.
 */
export function mapError(err: unknown, requestId?: string): MappedError {
  if (err instanceof AppException) {
    const known = err as AppException<string>;
    const status = statusForKind(known.kind);
    return {
      status,
      body: tmfError(status, known.code, reasonForStatus(status), known.message),
      headers: known.headers,
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status < 500) {
      return {
        status,
        body: tmfError(status, httpCode(status), reasonForStatus(status), httpMessage(err)),
        headers: {},
      };
    }
  }
  if (isFrameworkError(err)) {
    const status = err.statusCode ?? err.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = (err.code && FASTIFY_CODES[err.code]) ?? httpCode(status);
      // JSON.parse messages are safe to echo; they help clients find their syntax error.
      const message =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? `Malformed JSON body: ${err.message}`
          : (err.message ?? reasonForStatus(status));
      return {
        status,
        body: tmfError(status, code, reasonForStatus(status), message),
        headers: {},
      };
    }
  }
  if (err instanceof SyntaxError && (err as FrameworkError).statusCode === 400) {
    return {
      status: 400,
      body: tmfError(400, 'MALFORMED_JSON', 'Bad Request', `Malformed JSON body: ${err.message}`),
      headers: {},
    };
  }
  const correlationId = requestId ?? randomUUID();
  return {
    status: 500,
    body: tmfError(
      500,
      'INTERNAL_ERROR',
      'Internal Server Error',
      `An unexpected error occurred. Correlation id: ${correlationId}`,
    ),
    headers: { 'x-correlation-id': correlationId },
    correlationId,
  };
}

function httpCode(status: number): string {
  return reasonForStatus(status)
    .toUpperCase()
    .replace(/[^A-Z]+/g, '_');
}

function httpMessage(err: HttpException): string {
  const response = err.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : err.message;
}
