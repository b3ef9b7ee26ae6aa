import type { Worker } from 'node:worker_threads';

import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Database as Connection, Statement } from 'better-sqlite3';

import type { ResidualCheck } from '@app/tmf-query';
import { AppConfig } from '@server/config/app-config';

import { HandOffPool } from './hand-off-pool';
import { ReadOffload } from './read-offload';
import { ReadBatch, runSteps } from './read-steps';
import { registerFunctions } from './sqlite-functions';
import { ReadPoolStats, SqliteReadWorkers } from './sqlite-read-workers';
import { sqliteStepRows } from './sqlite-step-rows';

export type { ReadPoolStats } from './sqlite-read-workers';

/** Prepared statements kept per read connection (oldest dropped first). */
const MAX_CACHED_STATEMENTS = 500;

interface Reader {
  readonly db: Connection;
  readonly statements: Map<string, Statement>;
}

/**
 * Read-only connections on the SQLite database, beside the one writer connection (TypeORM's). In WAL
 * mode a reader never waits for the writer: it reads the last committed state, so a list or a GET
 * is answered while a write group's transaction is open (on the writer it would wait for the whole
 * group). A read of several statements (a page and its count) holds one connection inside one read
 * transaction, i.e. one snapshot; a single statement runs on any free connection. A read starts after
 * its request arrived, so it sees every write acknowledged before (read-your-writes).
 *
 * With SQLITE_READ_WORKERS > 0 (4 by default) the dear lists (`snapshot`) run on worker threads, a
 * connection each (`SqliteReadWorkers`): better-sqlite3 is synchronous, and there a long read (a
 * count) stalls only its worker, not the event loop. Which lists are dear is measured per query
 * shape (`ReadOffload`, SQLITE_READ_OFFLOAD_MS): cheap ones stay here and start no worker. A GET by id (`one`: one primary-key lookup, tens
 * of microseconds) stays on this thread's SQLITE_READ_CONNECTIONS connections: on a worker the two
 * thread hops cost more than the statement (measured: 100,000 customers, 50 connections, GET CPU per
 * request 233 µs here against 409 µs on a worker, docs/performance.md). With 0 workers the lists run
 * here too (what that removes is the queue, not the CPU). Connections are opened on first use and closed on
 * shutdown (the last connection to close removes the WAL). Not used for `:memory:` (each
 * connection would be a database of its own).
 */
@Injectable()
export class SqliteReaders implements BeforeApplicationShutdown {
  readonly size: number;
  private readonly file: string | undefined;
  private readonly pool = new HandOffPool<Reader>();
  private opened = 0;
  private closed = false;
  private readonly workers: SqliteReadWorkers | undefined;
  private readonly offload: ReadOffload;
  // Each list statement's time bound (DB_STATEMENT_TIMEOUT_MS; `startStatementClock`).
  private readonly statementTimeoutMs: number;

  constructor(config: AppConfig) {
    const database = config.database;
    this.file =
      database.type === 'sqlite' && database.file !== ':memory:' ? database.file : undefined;
    this.workers =
      this.file && config.sqliteReadWorkers > 0
        ? new SqliteReadWorkers(
            this.file,
            config.sqliteReadWorkers,
            MAX_CACHED_STATEMENTS,
            config.dbTimeouts.statementMs,
          )
        : undefined;
    this.statementTimeoutMs = config.dbTimeouts.statementMs;
    this.size = config.sqliteReadConnections + (this.workers?.size ?? 0);
    this.offload = new ReadOffload(config.sqliteReadOffloadMs);
  }

  /** False on MySQL/MariaDB and for an in-memory SQLite database: reads use the writer. */
  get enabled(): boolean {
    return this.file !== undefined;
  }

  /**
   * One statement on a free connection of this thread, outside any transaction (its own snapshot):
   * for a point lookup only (see the class comment).
   */
  async one<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    const reader = this.tryAcquire() ?? (await this.pool.acquire());
    try {
      return this.statement(reader, sql).get(...params) as T | undefined;
    } finally {
      this.release(reader);
    }
  }

  /**
   * Several statements on one snapshot: one connection, one read transaction. `work` sends them as
   * steps through `batch` (on a worker, one message per batch). `residual`: the query's residual
   * check, its budget started again before each statement; a worker registers it for its own
   * connection (on this thread it is registered already). `shape`: the list's `queryShape`, which
   * decides where it runs (`ReadOffload`); without one it runs on a worker when there are workers.
   */
  async snapshot<T>(
    work: (batch: ReadBatch) => Promise<T>,
    residual?: ResidualCheck,
    shape?: string,
  ): Promise<T> {
    if (this.workers && this.offload.onWorker(shape)) {
      return this.workers.snapshot(work, residual?.spec);
    }
    const reader = this.tryAcquire() ?? (await this.pool.acquire());
    let ms = 0;
    try {
      reader.db.exec('BEGIN');
      try {
        return await work((steps) =>
          runSteps(
            steps,
            (sql, params, first) => {
              const statement = this.statement(reader, sql);
              const started = performance.now();
              try {
                return sqliteStepRows(statement, params, first, this.statementTimeoutMs);
              } finally {
                ms += performance.now() - started;
              }
            },
            () => residual?.reset(),
          ),
        );
      } finally {
        // A read transaction has nothing to undo; ending it lets checkpoints pass its snapshot.
        reader.db.exec('COMMIT');
      }
    } finally {
      this.release(reader);
      if (this.workers && shape !== undefined) {
        this.offload.record(shape, ms);
      }
    }
  }

  /** List shapes that have moved to the read workers (a metric). */
  get offloadedShapes(): number {
    return this.offload.movedShapes;
  }

  /** Test seam: the read worker threads (stopping one is what a crash does). */
  workerThreads(): Worker[] {
    return this.workers?.workerThreads() ?? [];
  }

  /** This thread's connections and the workers' together. */
  stats(): ReadPoolStats {
    const workers = this.workers?.stats() ?? { total: 0, inUse: 0, waiting: 0, max: 0 };
    return {
      total: this.opened + workers.total,
      inUse: this.opened - this.pool.idleCount + workers.inUse,
      waiting: this.pool.waitingCount + workers.waiting,
      max: this.size,
    };
  }

  // Before the writer closes (TypeORM, on application shutdown): the last connection to close
  // checkpoints and removes the WAL, which a read-only one cannot do.
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Closes every idle connection now and each busy one when its read ends; refuses waiting reads.
   * On workers, resolves once every worker has closed its connection and exited.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.workers?.close();
    for (const reader of this.pool.drain(closedError())) {
      this.closeReader(reader);
    }
  }

  private tryAcquire(): Reader | undefined {
    if (this.closed || !this.file) {
      throw closedError();
    }
    return this.pool.tryAcquire() ?? (this.opened < this.size ? this.open(this.file) : undefined);
  }

  private release(reader: Reader): void {
    if (this.closed) {
      this.closeReader(reader);
      return;
    }
    this.pool.release(reader);
  }

  private open(file: string): Reader {
    // Read-only: the writer alone changes the database (and its schema, through migrations).
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    registerFunctions(db);
    this.opened++;
    return { db, statements: new Map() };
  }

  private closeReader(reader: Reader): void {
    reader.db.close();
    this.opened--;
  }

  private statement(reader: Reader, sql: string): Statement {
    let statement = reader.statements.get(sql);
    if (!statement) {
      statement = reader.db.prepare(sql);
      // Bounded: list statements differ with the query's shape (IN-list lengths, filters).
      if (reader.statements.size >= MAX_CACHED_STATEMENTS) {
        reader.statements.delete(reader.statements.keys().next().value as string);
      }
      reader.statements.set(sql, statement);
    }
    return statement;
  }
}

// Matches asDatabaseUnavailable's closed-connection pattern: a 503, never a 500.
function closedError(): Error {
  return new Error('The SQLite read connections are closed');
}
