import { STATEMENT_CLOCK_EXPIRED } from '@app/tmf-query';

/**
 * What a driver error means for the request, per engine (mysql2 / better-sqlite3 errors, raw or
 * wrapped by TypeORM):
 * - `conflict`: the transaction was rolled back because another one won (deadlock victim, lock wait
 *   timeout, a Galera certification failure or brute-force abort, a Group Replication conflict at
 *   COMMIT). Nothing was written; running it again is safe.
 * - `not-ready`: the node refuses work for now (Galera node not synced or not in the primary
 *   component, a Group Replication member not ONLINE, shutting down, out of connections). Nothing
 *   was written; it may accept the same work a moment later.
 * - `read-only`: the server does not take writes (a replica, `read_only`/`super_read_only`, a read-only
 *   transaction). Nothing was written; retrying on the same server does not help.
 * - `unreachable`: the connection failed or was lost, no pooled connection came free in time, or a
 *   statement got no answer within its timeout (the client gave up: DB_STATEMENT_TIMEOUT_MS, or the
 *   server's own `max_statement_time` / `max_execution_time`; on SQLite the statement's own clock
 *   stopped it, `SQLITE_STATEMENT_TIMEOUT`); not retried, since a node that does not answer, or a
 *   statement that ran out of time, would hold the request for another timeout. If that happened
 *   during COMMIT the outcome is unknown to the client.
 * - `other`: not the database's state: a bug or a bad statement (a 500).
 */
export type DatabaseErrorClass = 'conflict' | 'not-ready' | 'read-only' | 'unreachable' | 'other';

/** The code of the error `guardPool` gives when no pooled connection came free in time. */
export const POOL_ACQUIRE_TIMEOUT = 'POOL_ACQUIRE_TIMEOUT';
/** mysql2's code for a statement that got no answer within its `timeout`. */
export const STATEMENT_TIMEOUT = 'PROTOCOL_SEQUENCE_TIMEOUT';

// MySQL / MariaDB server error numbers (errno), the same on both engines unless noted.
const CONFLICT_ERRNOS = new Set([
  1213, // ER_LOCK_DEADLOCK; also Galera's certification failure and brute-force abort
  1205, // ER_LOCK_WAIT_TIMEOUT; also a Galera applier holding the row longer than the wait
  3101, // ER_TRANSACTION_ROLLBACK_DURING_COMMIT: Group Replication conflict (multi-primary)
  1637, // ER_TOO_MANY_CONCURRENT_TRXS
]);
const NOT_READY_ERRNOS = new Set([
  1047, // ER_UNKNOWN_COM_ERROR: Galera "WSREP has not yet prepared node for application use"
  1180, // ER_ERROR_DURING_COMMIT: Galera lost quorum while committing (the quorum may have it)
  3100, // ER_RUN_HOOK_ERROR: Group Replication member not ONLINE ("before_commit" hook)
  1040, // ER_CON_COUNT_ERROR
  1053, // ER_SERVER_SHUTDOWN
  1927, // ER_CONNECTION_KILLED (MariaDB)
  4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8 closes an idle session)
]);
const READ_ONLY_ERRNOS = new Set([
  1290, // ER_OPTION_PREVENTS_STATEMENT: --read-only / --super-read-only
  1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
  1836, // ER_READ_ONLY_MODE
  1223, // ER_CANT_UPDATE_WITH_READLOCK: FLUSH TABLES WITH READ LOCK (a backup)
]);
const TIMEOUT_ERRNOS = new Set([
  1969, // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
  3024, // ER_QUERY_TIMEOUT (MySQL max_execution_time)
]);
const CONFLICT_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  // A write group's kept token keys are older than the generation it read (`KeptKeysStale`).
  'KEPT_KEYS_STALE',
]);
const NOT_READY_CODES = new Set([
  'ER_UNKNOWN_COM_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  // SQLite: another process holds the file beyond busy_timeout, or the disk failed / is full.
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  STATEMENT_TIMEOUT,
  STATEMENT_CLOCK_EXPIRED,
  POOL_ACQUIRE_TIMEOUT,
]);

interface DriverErrorShape {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  driverError?: { code?: unknown; errno?: unknown };
}

/** The driver's error code (mysql2 / better-sqlite3), on a TypeORM error or the driver's own. */
export function driverErrorCode(err: unknown): string | undefined {
  const e = err as DriverErrorShape | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The server's error number (MySQL / MariaDB), on a TypeORM error or the driver's own. */
export function driverErrno(err: unknown): number | undefined {
  const e = err as DriverErrorShape | null;
  const errno = e?.driverError?.errno ?? e?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

/** Whether `err` is a statement stopped for its time (any engine): the query, not the node, was slow. */
export function isStatementTimeout(err: unknown): boolean {
  const errno = driverErrno(err);
  const code = driverErrorCode(err);
  return code === STATEMENT_CLOCK_EXPIRED || (errno !== undefined && TIMEOUT_ERRNOS.has(errno));
}

export function classifyDatabaseError(err: unknown): DatabaseErrorClass {
  const errno = driverErrno(err);
  const code = driverErrorCode(err);
  if ((errno !== undefined && CONFLICT_ERRNOS.has(errno)) || (code && CONFLICT_CODES.has(code))) {
    return 'conflict';
  }
  if ((errno !== undefined && READ_ONLY_ERRNOS.has(errno)) || code === 'SQLITE_READONLY') {
    return 'read-only';
  }
  if ((errno !== undefined && NOT_READY_ERRNOS.has(errno)) || (code && NOT_READY_CODES.has(code))) {
    return 'not-ready';
  }
  if ((code && UNREACHABLE_CODES.has(code)) || (errno !== undefined && TIMEOUT_ERRNOS.has(errno))) {
    return 'unreachable';
  }
  // mysql2 and TypeORM report a pool or connection closed under them only in the message.
  if (
    err instanceof Error &&
    /Pool is closed|Connection is closed|connection.*(closed|lost)/i.test(err.message)
  ) {
    return 'unreachable';
  }
  return 'other';
}

/**
 * Whether a write whose COMMIT failed with `err` may have been applied all the same. Rolled back for
 * certain: a conflict (a deadlock victim; a Galera certification failure, decided alike on every
 * node), a read-only refusal, and any SQLite error (its COMMIT completes or leaves nothing). Any other
 * failure of a MySQL/MariaDB COMMIT may have been applied: a lost connection lost only the answer,
 * and a Galera node that left the primary component while committing (ER_ERROR_DURING_COMMIT,
 * ER_UNKNOWN_COM_ERROR) may have replicated the write set to the nodes that kept the quorum. Such a
 * write is never run again (a second POST would create a second customer) and its 503 says the
 * outcome is unknown.
 */
export function commitMayHaveApplied(err: unknown): boolean {
  const kind = classifyDatabaseError(err);
  if (kind === 'conflict' || kind === 'read-only') {
    return false;
  }
  return !driverErrorCode(err)?.startsWith('SQLITE_');
}
