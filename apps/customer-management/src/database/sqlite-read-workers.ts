import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';

import { Logger } from '@nestjs/common';

import { QueryErrorCode, QueryException, ResidualSpec } from '@app/tmf-query';

import { HandOffPool } from './hand-off-pool';
import { ReadBatch, ReadStep, StepResults } from './read-steps';
import { startModuleWorker } from './sqlite-read-worker-loader';
import { awaitExitOrTerminate } from './worker-thread-stop';
import type {
  ReadWorkerData,
  ReadWorkerError,
  ReadWorkerReply,
  ReadWorkerRequest,
} from './sqlite-read-protocol';

/** How long shutdown waits for a worker to close its connection before terminating it. */
const STOP_TIMEOUT_MS = 2000;

// The compiled worker beside this file (from sources: its TypeScript, see the loader).
const WORKER_FILE = join(__dirname, `sqlite-read.worker${extname(__filename)}`);

interface Slot {
  readonly worker: Worker;
  readonly replies: Map<number, { resolve: (r: StepResults) => void; reject: (e: Error) => void }>;
  /** Exited (crashed, terminated or stopped): never leased again. */
  gone: boolean;
  /** Set once stopped on purpose (shutdown). */
  stopping: boolean;
  readonly exited: Promise<void>;
  /** Resolved when the stop message is sent (at once when idle, else when its read ends). */
  readonly stopSent: Promise<void>;
  readonly sendStop: () => void;
}

/** How the read workers are used, for the `db_pool_connections` metric. */
export interface ReadPoolStats {
  total: number;
  inUse: number;
  waiting: number;
  max: number;
}

let nextId = 0;

/**
 * Read-only SQLite connections, one per worker thread (see SqliteReaders for why reads have
 * connections of their own). better-sqlite3 is synchronous: on the event loop's thread a 30 ms count
 * would stall every request; on a worker it stalls only that worker, and the cores serve several
 * reads at once. A read leases one worker for its whole length (one read transaction: one
 * snapshot), sends its statements as steps, a whole batch per message (`ReadBatch`), and releases it
 * with a message that ends the transaction (not awaited: the worker handles its messages in order,
 * so the next read's message runs after it). A read is sent after its request arrived, so it sees
 * every write acknowledged before (read-your-writes). Workers start on demand up to `size`; one that
 * exits unexpectedly fails the reads it held with a "connection lost" error (a 503
 * DATABASE_UNAVAILABLE) and is replaced by the next read. `close` stops them, each closing its
 * connection first (the writer, closed last, then removes the WAL).
 *
 * What stays on the event loop's thread: the writer (TypeORM's connection: a write transaction's
 * statements depend on each other and on the service's checks between them, so on a worker each would
 * be a hop, and a write group's statements are short next to a count), and the reads made through it
 * (`TransactionRunner.read`: the hub's subscriptions, outbox and deliveries, reads inside a write).
 *
 * Rows cross the thread boundary
 * as arrays with their column names once per statement and become objects here: copying a page of
 * 20 customers cost 14.8 µs of CPU as objects, 9.9 µs as arrays made objects again, 60 µs as one JSON
 * string (docs/performance.md).
 */
export class SqliteReadWorkers {
  private readonly logger = new Logger(SqliteReadWorkers.name);
  private readonly slots = new Set<Slot>();
  private readonly pool = new HandOffPool<Slot>();
  private closed = false;

  constructor(
    private readonly file: string,
    readonly size: number,
    private readonly maxCachedStatements: number,
    private readonly statementTimeoutMs?: number,
  ) {}

  /** The first row of one statement, outside any transaction (its own snapshot). */
  async one<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    const slot = this.pool.tryAcquire() ?? (await this.lease());
    try {
      const [rows] = await this.send(slot, [{ sql, params, first: true }], false, false);
      return rows?.[0] as T | undefined;
    } finally {
      this.release(slot, false);
    }
  }

  /**
   * One read on one snapshot: `work` sends its steps through `batch`, as few messages as its
   * statements' dependencies allow. `residual`: the query's residual check (`tmf_residual`).
   */
  async snapshot<T>(work: (batch: ReadBatch) => Promise<T>, residual?: ResidualSpec): Promise<T> {
    const slot = this.pool.tryAcquire() ?? (await this.lease());
    let begun = false;
    try {
      return await work((steps) => {
        const begin = !begun;
        begun = true;
        return this.send(slot, steps, begin, false, residual);
      });
    } finally {
      this.release(slot, begun);
    }
  }

  stats(): ReadPoolStats {
    return {
      total: this.slots.size,
      inUse: this.slots.size - this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.size,
    };
  }

  /**
   * Refuses new reads and the waiting ones, stops the idle workers now and each busy one when its
   * read ends; resolves once every worker has exited (terminated when it has not STOP_TIMEOUT_MS
   * after its stop message: reads in progress are bounded by their statements, and the HTTP
   * server's shutdown grace bounds them all).
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.pool.drain(closedError())) {
      this.stop(slot);
    }
    await Promise.all(
      [...this.slots].map(async (slot) => {
        // Referenced while it closes: with nothing else left, the process would exit meanwhile.
        slot.worker.ref();
        await Promise.race([slot.stopSent, slot.exited]);
        await awaitExitOrTerminate(slot.worker, slot.exited, STOP_TIMEOUT_MS);
      }),
    );
  }

  /** Test seam: the running workers (stopping one is what a crash does). */
  workerThreads(): Worker[] {
    return [...this.slots].map((slot) => slot.worker);
  }

  private lease(): Promise<Slot> {
    if (this.closed) {
      return Promise.reject(closedError());
    }
    if (this.slots.size < this.size) {
      return Promise.resolve(this.start());
    }
    return this.pool.acquire();
  }

  private release(slot: Slot, inTransaction: boolean): void {
    if (slot.gone) {
      return;
    }
    if (inTransaction) {
      this.post(slot, { end: true });
    }
    if (this.closed) {
      this.stop(slot);
      return;
    }
    this.pool.release(slot);
  }

  private send(
    slot: Slot,
    steps: readonly ReadStep[],
    begin: boolean,
    end: boolean,
    residual?: ResidualSpec,
  ): Promise<StepResults> {
    if (slot.gone) {
      return Promise.reject(lostError());
    }
    const id = nextId++;
    return new Promise<StepResults>((resolve, reject) => {
      slot.replies.set(id, { resolve, reject });
      this.post(slot, { id, steps, begin, end, ...(residual ? { residual } : {}) });
    });
  }

  private post(slot: Slot, request: ReadWorkerRequest): void {
    slot.worker.postMessage(request);
  }

  private start(): Slot {
    const workerData: ReadWorkerData = {
      file: this.file,
      maxCachedStatements: this.maxCachedStatements,
      statementTimeoutMs: this.statementTimeoutMs,
    };
    const { worker, exited } = startModuleWorker(WORKER_FILE, workerData);
    let stopSent!: () => void;
    const slot: Slot = {
      worker,
      replies: new Map(),
      gone: false,
      stopping: false,
      exited,
      stopSent: new Promise<void>((resolve) => (stopSent = resolve)),
      sendStop: () => stopSent(),
    };
    worker.on('message', (reply: ReadWorkerReply) => {
      const pending = slot.replies.get(reply.id);
      slot.replies.delete(reply.id);
      if ('error' in reply) {
        pending?.reject(fromWorker(reply.error));
      } else {
        pending?.resolve(reply.results.map((rows, i) => rows && objects(reply.columns[i], rows)));
      }
    });
    worker.on('error', (err: Error) => {
      this.logger.error('A SQLite read worker failed', err.stack);
    });
    worker.on('exit', (code) => {
      this.gone(slot, code);
    });
    this.slots.add(slot);
    return slot;
  }

  /** A worker exited: its reads fail (503), and a read waiting for a worker gets a new one. */
  private gone(slot: Slot, code: number): void {
    slot.gone = true;
    this.slots.delete(slot);
    this.pool.remove(slot);
    if (!slot.stopping) {
      this.logger.error(`A SQLite read worker exited (code ${code}); it is replaced`);
    }
    for (const pending of slot.replies.values()) {
      pending.reject(lostError());
    }
    slot.replies.clear();
    if (!this.closed && this.pool.waitingCount > 0) {
      this.pool.release(this.start()); // to the first waiter
    }
  }

  private stop(slot: Slot): void {
    slot.stopping = true;
    this.post(slot, { stop: true });
    slot.sendStop();
  }
}

/** Rows received as arrays, as the objects better-sqlite3 would have made (a later name wins). */
function objects(columns: readonly string[] | undefined, rows: unknown[][]): unknown[] {
  const names = columns ?? [];
  return rows.map((row) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      object[names[i]] = row[i];
    }
    return object;
  });
}

function fromWorker(error: ReadWorkerError): Error {
  if (error.queryCode) {
    return new QueryException(error.queryCode as QueryErrorCode, error.message);
  }
  const err = new Error(error.message) as Error & { code?: string };
  if (error.code) {
    err.code = error.code;
  }
  return err;
}

// Both match asDatabaseUnavailable's closed/lost-connection pattern: a 503, never a 500.
function closedError(): Error {
  return new Error('The SQLite read connections are closed');
}

function lostError(): Error {
  return new Error('The SQLite read connection was lost: its worker thread stopped');
}
