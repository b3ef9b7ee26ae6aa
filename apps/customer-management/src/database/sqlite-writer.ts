import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';

import { Logger } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';

import { startModuleWorker } from './sqlite-read-worker-loader';
import { awaitExitOrTerminate } from './worker-thread-stop';
import type {
  WriteOp,
  WriteResult,
  WriteWorkerData,
  WriteWorkerError,
  WriteWorkerReply,
  WriteWorkerRequest,
} from './sqlite-write-protocol';

/** How long shutdown waits for the writer thread to close its connection before terminating it. */
const STOP_TIMEOUT_MS = 2000;

// The compiled worker beside this file (from sources: its TypeScript, see the loader).
const WORKER_FILE = join(__dirname, `sqlite-write.worker${extname(__filename)}`);

type Reply = { resolve: (results: readonly WriteResult[]) => void; reject: (err: Error) => void };

/**
 * The SQLite write connection on a thread of its own (SQLITE_WRITER_THREAD, ADR 0012): better-sqlite3
 * is synchronous, so on the event loop's thread a write group's statements and its COMMIT (a
 * quarter of a POST's CPU there, half a DELETE's) held every other request; here the event loop
 * only sends them. A write group (`TransactionRunner`) drives it: its units' statements go as they
 * are issued (through {@link manager}), each message carrying the statements queued before it
 * with {@link defer} (BEGIN, the units' SAVEPOINT / RELEASE), and the group ends with one message of
 * its closing statements and COMMIT ({@link commit}). A group's transaction is therefore open on
 * the thread while its units run on the event loop, as it was on the one connection.
 *
 * Failures: a statement's error comes back with its driver code, as TypeORM's `QueryFailedError`
 * (what the units and `database-errors.ts` already read). A queued statement that fails (a RELEASE)
 * breaks the group ({@link broken}): the group then fails whole. A thread that exits fails what
 * it was sent with a "connection lost" error (503 DATABASE_UNAVAILABLE; the outcome unknown when
 * it was committing); the next group starts a new one. Started on first use, after the
 * migrations (which run on TypeORM's connection).
 *
 * Rows cross the thread boundary as arrays with their column names once, as the read workers'.
 */
export class SqliteWriter {
  private readonly logger = new Logger(SqliteWriter.name);
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly replies = new Map<number, Reply>();
  private nextId = 0;
  private queued: WriteOp[] = [];
  private closed = false;
  private stopping = false;
  /** Set when a queued statement failed: the group must fail whole. */
  broken: Error | undefined;
  /** Statements sent since the group began (see {@link mark}). */
  private sent = 0;
  /** Between {@link begin} and the group's COMMIT or rollback. */
  private inGroup = false;
  /** Statements of the group posted so far, queued ones included (see {@link position}). */
  private posted = 0;
  /**
   * The next value of each key this process hands out (`TransactionRunner.nextKey`), read once per
   * thread: a thread that exits takes them with it.
   */
  readonly keys = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly maxCachedStatements: number,
  ) {}

  /** Starts a group: BEGIN, sent with its first statement. */
  begin(): void {
    this.inGroup = true;
    this.defer('BEGIN');
  }

  /** Queues a statement with no answer of its own, sent with the next message. */
  defer(sql: string): void {
    this.queued.push({ sql, params: [] });
  }

  /**
   * Queues a unit's statement whose answer the unit does not wait for (`expect`: the one it
   * assumed), sent with the group's next message; its failure fails the group's message.
   */
  queue(op: WriteOp): void {
    this.queued.push({ sql: op.sql, params: bindable(op.params), expect: op.expect });
  }

  /**
   * The index in the group of the next statement queued (a failed statement's `groupAt`), so that
   * a failure can be traced to the unit that queued it.
   */
  position(): number {
    return this.posted + this.queued.length;
  }

  /** Where a unit starts: what it queued and sent since can be told apart (see {@link sentSince}). */
  mark(): { queued: number; sent: number } {
    return { queued: this.queued.length, sent: this.sent };
  }

  /** Drops the statement queued at `mark` (a unit's SAVEPOINT it turned out not to need). */
  dropAt(mark: { queued: number }): void {
    this.queued.splice(mark.queued, 1);
  }

  /** Whether a statement was sent since `mark`. */
  sentSince(mark: { sent: number }): boolean {
    return this.sent !== mark.sent;
  }

  /** Drops what was queued since `mark` (a unit that sent nothing needs no savepoint). */
  dropSince(mark: { queued: number }): void {
    this.queued.length = mark.queued;
  }

  /** A manager for a group's units: `query` as TypeORM's, the statements run on the thread. */
  manager(): EntityManager {
    const query = async (sql: string, params: readonly unknown[] = [], structured = false) => {
      const [result] = await this.send([{ sql, params: bindable(params) }], false);
      return answer(result, structured);
    };
    return { query, queryRunner: { query } } as unknown as EntityManager;
  }

  /** Statements of the group in one message; their answers as `manager().query` gives them. */
  async run(statements: readonly WriteOp[]): Promise<unknown[]> {
    const results = await this.send(
      statements.map((s) => ({ sql: s.sql, params: bindable(s.params) })),
      false,
    );
    return results.map((result) => answer(result, false));
  }

  /**
   * The group's queued statements, `closing` and COMMIT in one message; on any failure the thread
   * rolls the transaction back. `closing`'s answers, in order. `beforeCommit` is told when the
   * failure came before COMMIT (nothing was written).
   */
  async commit(
    closing: readonly WriteOp[],
    beforeCommit: (err: Error) => void,
  ): Promise<WriteResult[]> {
    const ops = [
      ...this.queued,
      ...closing.map((s) => ({ sql: s.sql, params: bindable(s.params) })),
    ];
    const queued = this.queued.length;
    const base = this.posted;
    this.queued = [];
    this.inGroup = false;
    try {
      return (await this.request(ops, true)).slice(queued);
    } catch (err) {
      const at = (err as { at?: number }).at;
      if (at !== undefined && at < ops.length) {
        beforeCommit(err as Error);
        Object.assign(err as Error, { groupAt: base + at });
      }
      throw err;
    }
  }

  /** Rolls back the group's transaction, if one is open (never rejects). */
  async rollback(): Promise<void> {
    this.reset();
    if (!this.worker) {
      return;
    }
    const id = this.nextId++;
    await new Promise<void>((resolve) => {
      this.replies.set(id, { resolve: () => resolve(), reject: () => resolve() });
      this.post({ id, rollback: true });
    });
  }

  /** Ends a group that committed or rolled back: nothing of it stays queued. */
  reset(): void {
    this.queued = [];
    this.sent = 0;
    this.posted = 0;
    this.broken = undefined;
    this.inGroup = false;
  }

  /** Stops the thread (after the last group: `TransactionRunner` drains first). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) {
      return;
    }
    this.stopping = true;
    this.post({ stop: true });
    await awaitExitOrTerminate(worker, this.exited, STOP_TIMEOUT_MS);
  }

  /** Test seam: the running thread (stopping it is what a crash does). */
  workerThread(): Worker | undefined {
    return this.worker;
  }

  private async send(ops: WriteOp[], commit: boolean): Promise<WriteResult[]> {
    if (this.broken) {
      throw this.broken;
    }
    const queued = this.queued.length;
    const all = queued > 0 ? [...this.queued, ...ops] : ops;
    const base = this.posted;
    this.queued = [];
    this.sent += ops.length;
    this.posted += all.length;
    try {
      return (await this.request(all, commit)).slice(queued);
    } catch (err) {
      const at = (err as { at?: number }).at;
      if (at !== undefined && at < queued) {
        // A queued statement (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, a unit's queued write)
        // failed: the group's transaction is in no known state.
        this.broken = Object.assign(err as Error, { groupAt: base + at });
      }
      throw err;
    }
  }

  private request(ops: readonly WriteOp[], commit: boolean): Promise<readonly WriteResult[]> {
    if (this.closed) {
      return Promise.reject(new Error('The SQLite write connection is closed'));
    }
    this.start();
    const id = this.nextId++;
    return new Promise<readonly WriteResult[]>((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.post({ id, ops, commit });
    });
  }

  private post(request: WriteWorkerRequest): void {
    this.worker!.postMessage(request);
  }

  private start(): void {
    if (this.worker) {
      return;
    }
    const workerData: WriteWorkerData = {
      file: this.file,
      maxCachedStatements: this.maxCachedStatements,
    };
    const { worker, exited } = startModuleWorker(WORKER_FILE, workerData);
    this.worker = worker;
    this.exited = exited;
    worker.on('message', (reply: WriteWorkerReply) => {
      const pending = this.replies.get(reply.id);
      this.replies.delete(reply.id);
      if ('error' in reply) {
        pending?.reject(fromWorker(reply.error, reply.at));
      } else {
        pending?.resolve(reply.results);
      }
    });
    worker.on('error', (err: Error) => {
      this.logger.error('The SQLite writer thread failed', err.stack);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.keys.clear();
      }
      if (!this.stopping) {
        this.logger.error(
          `The SQLite writer thread exited (code ${code}); the next write starts it again`,
        );
      }
      // Matches asDatabaseUnavailable's lost-connection pattern: a 503, never a 500.
      const lost = new Error('The SQLite write connection was lost: its thread stopped');
      if (this.inGroup) {
        // The group's transaction went with the thread: its later statements must not run on the
        // next one's connection.
        this.broken = lost;
      }
      for (const pending of this.replies.values()) {
        pending.reject(lost);
      }
      this.replies.clear();
    });
  }
}

/** better-sqlite3 cannot bind booleans (TypeORM converts them too). */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** A statement's answer as TypeORM's `query` gives it (rows, or the last row id; `structured`: its QueryResult). */
function answer(result: WriteResult, structured: boolean): unknown {
  if (result.rows) {
    const rows = objects(result.columns ?? [], result.rows);
    return structured ? { records: rows, raw: rows } : rows;
  }
  return structured
    ? { affected: result.changes, raw: result.lastInsertRowid }
    : result.lastInsertRowid;
}

/** Rows received as arrays, as the objects better-sqlite3 would have made (a later name wins). */
function objects(names: readonly string[], rows: unknown[][]): unknown[] {
  return rows.map((row) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      object[names[i]] = row[i];
    }
    return object;
  });
}

/** The driver's error as TypeORM would have thrown it, with the op it came from (`at`). */
function fromWorker(error: WriteWorkerError, at: number): Error {
  const driverError = new Error(error.message) as Error & { code?: string };
  driverError.name = 'SqliteError';
  if (error.code) {
    driverError.code = error.code;
  }
  const err = new QueryFailedError('', undefined, driverError);
  return Object.assign(err, { at });
}
