/**
 * SQLite: a time bound for the statement running on this thread. SQLite has no statement timeout
 * and better-sqlite3 exposes no interrupt, but a statement stops when a SQL function it calls
 * throws, and the functions called once per row are where the compiled queries can scan for long:
 * `regexp` (an unanchored regex on a column tests every row it walks) and `tmf_residual` (bounded
 * in documents too). Every other condition is an index range. Each thread has its own clock (module
 * state is per thread): start it before each statement with {@link startStatementClock}.
 */

/** Calls between two readings of the clock: `Date.now()` costs about a tenth of a regex test. */
const CALLS_PER_READING = 64;

let deadline = 0;
let timeoutMs = 0;
let calls = 0;

/** The `code` of {@link StatementTimeoutError}, as it crosses threads with the error's data. */
export const STATEMENT_CLOCK_EXPIRED = 'SQLITE_STATEMENT_TIMEOUT';

/** What a statement stopped by its clock fails with (`code` as the drivers' errors carry one). */
export class StatementTimeoutError extends Error {
  readonly code = STATEMENT_CLOCK_EXPIRED;

  constructor(readonly timeoutMs: number) {
    super(`The statement ran longer than ${timeoutMs} ms and was stopped`);
    this.name = 'StatementTimeoutError';
  }
}

/**
 * Starts the clock of the next statement on this thread: it may run `ms` milliseconds; undefined or
 * 0: unbounded.
 */
export function startStatementClock(ms: number | undefined): void {
  timeoutMs = ms ?? 0;
  deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
  calls = 0;
}

/**
 * Called by the per-row SQL functions: throws {@link StatementTimeoutError} once the running
 * statement is past its time (read every {@link CALLS_PER_READING} calls).
 */
export function checkStatementClock(): void {
  if (deadline !== 0 && ++calls % CALLS_PER_READING === 0 && Date.now() > deadline) {
    const ms = timeoutMs;
    deadline = 0;
    throw new StatementTimeoutError(ms);
  }
}

/** Runs one statement (`run`, synchronous) under a clock of `ms` (unbounded: undefined or 0). */
export function underStatementClock<T>(ms: number | undefined, run: () => T): T {
  startStatementClock(ms);
  try {
    return run();
  } finally {
    startStatementClock(undefined);
  }
}
