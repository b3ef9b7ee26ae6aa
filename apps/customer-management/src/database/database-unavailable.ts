import { AppException, ErrorKind } from '@app/tmf-common';

import { classifyDatabaseError, commitMayHaveApplied, isStatementTimeout } from './database-errors';

export { driverErrorCode } from './database-errors';

/** Seconds a client is asked to wait after a 503 for an unavailable database. */
const UNAVAILABLE_RETRY_AFTER_S = '5';
/** Seconds after a conflict that outlasted the retries: contention passes quickly. */
const CONFLICT_RETRY_AFTER_S = '1';

/**
 * A 503 TMF Error when the database cannot take the work right now (unreachable, node not ready,
 * read-only), or undefined for other errors. Clients may retry. `committing`: the error is the
 * answer to a write transaction's COMMIT; unless it says for certain that nothing was applied
 * (`commitMayHaveApplied`: a lost connection lost only the acknowledgement, a Galera node cut off
 * mid-commit may have replicated it), the message says the outcome is unknown. Before COMMIT, a
 * refusal (not ready, read-only) or a lost connection means nothing was written.
 */
export function asDatabaseUnavailable(err: unknown, committing = false): AppException | undefined {
  const kind = classifyDatabaseError(err);
  if (kind !== 'unreachable' && kind !== 'not-ready' && kind !== 'read-only') {
    return undefined;
  }
  const outcomeUnknown = committing && commitMayHaveApplied(err);
  return new AppException(
    ErrorKind.ServiceUnavailable,
    'DATABASE_UNAVAILABLE',
    outcomeUnknown
      ? 'The database became unavailable while committing this change: it may or may not have been applied. Read the resource before retrying.'
      : kind === 'read-only'
        ? 'The database does not accept writes right now (read-only); nothing was changed. Retry later.'
        : isStatementTimeout(err)
          ? 'The query ran longer than the database statement timeout and was stopped; nothing was changed. ' +
            'Narrow the filter (an anchored regex, a condition on an indexed attribute) or retry later.'
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
