import { AppException, ErrorKind } from '@app/tmf-common';

import { classifyDatabaseError } from './database-errors';

export { driverErrorCode } from './database-errors';

/** Seconds a client is asked to wait after a 503 for an unavailable database. */
const UNAVAILABLE_RETRY_AFTER_S = '5';
/** Seconds after a conflict that outlasted the retries: contention passes quickly. */
const CONFLICT_RETRY_AFTER_S = '1';

/**
 * A 503 TMF Error when the database cannot take the work right now (unreachable, node not ready,
 * read-only), or undefined for other errors. Clients may retry. `committing`: the connection failed
 * while a write transaction was committing, so the database may have applied it (its
 * acknowledgement was lost); the message must not claim it did not. A refusal (not ready,
 * read-only) always means nothing was written: the server answered, and it rolled back.
 */
export function asDatabaseUnavailable(err: unknown, committing = false): AppException | undefined {
  const kind = classifyDatabaseError(err);
  if (kind !== 'unreachable' && kind !== 'not-ready' && kind !== 'read-only') {
    return undefined;
  }
  const outcomeUnknown = committing && kind === 'unreachable';
  return new AppException(
    ErrorKind.ServiceUnavailable,
    'DATABASE_UNAVAILABLE',
    outcomeUnknown
      ? 'The database became unavailable while committing this change: it may or may not have been applied. Read the resource before retrying.'
      : kind === 'read-only'
        ? 'The database does not accept writes right now (read-only); nothing was changed. Retry later.'
        : 'The database is unavailable; nothing was changed. Retry later.',
    { 'retry-after': UNAVAILABLE_RETRY_AFTER_S },
  );
}

/** The 503 for a write that lost every retry to concurrent writers (nothing of it was written). */
export function conflictsExhausted(attempts: number): AppException {
  return new AppException(
    ErrorKind.ServiceUnavailable,
    'TRANSACTION_CONFLICT',
    `Concurrent changes to the same data won ${attempts} times in a row; nothing was changed. Retry shortly.`,
    { 'retry-after': CONFLICT_RETRY_AFTER_S },
  );
}
