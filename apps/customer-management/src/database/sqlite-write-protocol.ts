/** What the writer thread is started with. */
export interface WriteWorkerData {
  readonly file: string;
  readonly maxCachedStatements: number;
}

/** One statement for the writer thread, its parameters bindable by better-sqlite3 as they are. */
export interface WriteOp {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** What the statement's answer must be, when the event loop computed it ahead (see `WriteExpect`). */
  readonly expect?: WriteExpect;
}

/**
 * The answer a unit assumed without waiting for it (its statement sent with the group's COMMIT):
 * `changes`, the rows a write must change; `value`, the first column of a read's first row. Another
 * answer fails the statement with `code`, as a driver error would.
 */
export interface WriteExpect {
  readonly changes?: number;
  readonly value?: number;
  readonly code: string;
}

/**
 * Main thread → writer thread, handled one after the other in the order sent. `ops` run in order
 * and stop at the first that fails; `commit`: a COMMIT follows them, and on any failure the worker
 * rolls the whole transaction back itself (so that the next group always starts on a clean
 * connection). `rollback`: rolls the open transaction back, if any.
 */
export type WriteWorkerRequest =
  | { readonly id: number; readonly ops: readonly WriteOp[]; readonly commit: boolean }
  | { readonly id: number; readonly rollback: true }
  /** Rolls back what is open, closes the connection and exits. */
  | { readonly stop: true };

/**
 * A statement's answer: the rows of a statement that returns rows (as arrays, with the column names
 * once), else what it changed.
 */
export interface WriteResult {
  readonly columns?: readonly string[];
  readonly rows?: unknown[][];
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** An error of the writer's statements, as plain data; `at`: the op that failed (the COMMIT: ops.length). */
export interface WriteWorkerError {
  readonly message: string;
  /** The driver's code (`SQLITE_...`). */
  readonly code?: string;
}

export type WriteWorkerReply =
  | { readonly id: number; readonly results: readonly WriteResult[] }
  | { readonly id: number; readonly error: WriteWorkerError; readonly at: number };

/** A key handed out ahead (`TransactionRunner.nextKey`) that another connection used meanwhile. */
export const STALE_KEY = 'SQLITE_WRITER_STALE_KEY';

/** A statement sent with COMMIT that did not change the rows its unit counted on. */
export const UNEXPECTED_CHANGES = 'SQLITE_WRITER_UNEXPECTED_CHANGES';
