import type { ResidualSpec } from '@app/tmf-query';

import type { ReadStep } from './read-steps';

/** What a read worker is started with. */
export interface ReadWorkerData {
  readonly file: string;
  readonly maxCachedStatements: number;
  /** Each statement's time bound (DB_STATEMENT_TIMEOUT_MS; `startStatementClock`). */
  readonly statementTimeoutMs?: number;
}

/**
 * Main thread → read worker. A read's steps go in one message; `begin` opens its read transaction
 * (one snapshot for this and the read's later messages) and `end` closes it, after the steps.
 * `residual`: the query's residual check, registered on the worker for its statements.
 */
export type ReadWorkerRequest =
  | {
      readonly id: number;
      readonly steps: readonly ReadStep[];
      readonly begin: boolean;
      readonly end: boolean;
      readonly residual?: ResidualSpec;
    }
  /** Ends the open read transaction, if any (no reply). */
  | { readonly end: true }
  /** Ends the open read transaction, closes the connection and exits. */
  | { readonly stop: true };

/** An error of the worker's statements, as plain data (an Error's class does not cross threads). */
export interface ReadWorkerError {
  readonly message: string;
  /** The driver's code (`SQLITE_...`). */
  readonly code?: string;
  /** A TMF630 query error raised inside a statement (the residual check's `QUERY_TOO_BROAD`). */
  readonly queryCode?: string;
}

/**
 * Read worker → main thread: a request's results, or its error. Rows travel as arrays, with each
 * step's column names once (undefined for a step skipped): the main thread makes them objects.
 */
export type ReadWorkerReply =
  | {
      readonly id: number;
      readonly columns: readonly (readonly string[] | undefined)[];
      readonly results: readonly (unknown[][] | undefined)[];
    }
  | { readonly id: number; readonly error: ReadWorkerError };
