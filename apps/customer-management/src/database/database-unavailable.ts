import { AppException, ErrorKind } from '@app/tmf-common';

// Driver error codes that mean "the database cannot be reached right now", not "this request is wrong".
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

/** The driver's error code (mysql2 / better-sqlite3), on a TypeORM error or the driver's own. */
export function driverErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A 503 TMF Error for an unreachable database (clients may retry), or undefined for other errors.
 * `committing`: the connection failed while a write transaction was committing, so the database
 * may have applied it (its acknowledgement was lost); the message must not claim it did not.
 */
export function asDatabaseUnavailable(err: unknown, committing = false): AppException | undefined {
  const code = driverErrorCode(err);
  const poolClosed =
    err instanceof Error &&
    /Pool is closed|Connection is closed|connection.*(closed|lost)/i.test(err.message);
  if ((code && UNAVAILABLE_CODES.has(code)) || poolClosed) {
    return new AppException(
      ErrorKind.ServiceUnavailable,
      'DATABASE_UNAVAILABLE',
      committing
        ? 'The database became unavailable while committing this change: it may or may not have been applied. Read the resource before retrying.'
        : 'The database is unavailable; nothing was changed. Retry later.',
      { 'retry-after': '5' },
    );
  }
  return undefined;
}
