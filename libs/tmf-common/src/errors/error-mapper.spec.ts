import { HttpException, NotFoundException } from '@nestjs/common';

import { AppException, ErrorKind } from '@app/tmf-common/core';

import { mapError } from './error-mapper';

describe(mapError.name, () => {
  it('maps an AppException through its kind and keeps code, message and headers', () => {
    const sut = mapError(
      new AppException(ErrorKind.PreconditionFailed, 'STALE', 'stale etag', { etag: '"2"' }),
    );
    expect(sut.status).toBe(412);
    expect(sut.body).toEqual({
      code: 'STALE',
      reason: 'Precondition Failed',
      message: 'stale etag',
      status: '412',
      '@type': 'Error',
    });
    expect(sut.headers).toEqual({ etag: '"2"' });
    expect(sut.correlationId).toBeUndefined();
  });

  it('maps Nest 4xx exceptions', () => {
    const sut = mapError(new NotFoundException('gone'));
    expect(sut.status).toBe(404);
    expect(sut.body.message).toBe('gone');
  });

  it('maps Fastify client errors by their status', () => {
    const err = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    const sut = mapError(err);
    expect(sut.status).toBe(413);
    expect(sut.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides everything about unknown errors behind a correlation id', () => {
    const sut = mapError(new Error('SQLITE_ERROR: no such table: customer'));
    expect(sut.status).toBe(500);
    expect(sut.body.message).not.toContain('SQLITE');
    expect(sut.body.message).toContain(sut.correlationId);
    expect(sut.headers['x-correlation-id']).toBe(sut.correlationId);
    expect(mapError(new HttpException('boom', 503)).status).toBe(500);
    expect(mapError('a string').status).toBe(500);
  });
});
