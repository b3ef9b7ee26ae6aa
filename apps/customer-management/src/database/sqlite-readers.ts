import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { Database as Connection, Statement } from 'better-sqlite3';

import { AppConfig } from '@server/config/app-config';

import { registerFunctions } from './data-source-options';

/** Prepared statements kept per read connection (oldest dropped first). */
const MAX_CACHED_STATEMENTS = 500;

/** Runs one read-only statement on the read's snapshot and returns its rows. */
export type SnapshotQuery = <R>(sql: string, params: readonly unknown[]) => R[];

/** How the read connections are used, for the `db_pool_connections` metric. */
export interface ReadPoolStats {
  total: number;
  inUse: number;
  waiting: number;
  max: number;
}

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
 * better-sqlite3 is synchronous: these run on the event loop's thread like the writer. What they
 * remove is the queue, not the CPU: a read no longer waits for write groups queued before it.
 * Connections are opened on first use and closed on shutdown (the last connection to close removes
 * the WAL). Not used for `:memory:` (each connection would be a database of its own).
 */
@Injectable()
export class SqliteReaders implements BeforeApplicationShutdown {
  readonly size: number;
  private readonly file: string | undefined;
  private readonly idle: Reader[] = [];
  private readonly waiting: { resolve: (reader: Reader) => void; reject: (err: Error) => void }[] =
    [];
  private opened = 0;
  private closed = false;

  constructor(config: AppConfig) {
    const database = config.database;
    this.file =
      database.type === 'sqlite' && database.file !== ':memory:' ? database.file : undefined;
    this.size = config.sqliteReadConnections;
  }

  /** False on MySQL/MariaDB and for an in-memory SQLite database: reads use the writer. */
  get enabled(): boolean {
    return this.file !== undefined;
  }

  /** One statement on a free connection, outside any transaction (its own snapshot). */
  async one<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    const reader = this.tryAcquire() ?? (await this.acquire());
    try {
      return this.statement(reader, sql).get(...params) as T | undefined;
    } finally {
      this.release(reader);
    }
  }

  /** Several statements on one snapshot: one connection, one read transaction. */
  async snapshot<T>(work: (query: SnapshotQuery) => Promise<T>): Promise<T> {
    const reader = this.tryAcquire() ?? (await this.acquire());
    try {
      reader.db.exec('BEGIN');
      try {
        return await work(
          <R>(sql: string, params: readonly unknown[]) =>
            this.statement(reader, sql).all(...params) as R[],
        );
      } finally {
        // A read transaction has nothing to undo; ending it lets checkpoints pass its snapshot.
        reader.db.exec('COMMIT');
      }
    } finally {
      this.release(reader);
    }
  }

  stats(): ReadPoolStats {
    return {
      total: this.opened,
      inUse: this.opened - this.idle.length,
      waiting: this.waiting.length,
      max: this.size,
    };
  }

  // Before the writer closes (TypeORM, on application shutdown): the last connection to close
  // checkpoints and removes the WAL, which a read-only one cannot do.
  beforeApplicationShutdown(): void {
    this.close();
  }

  /** Closes every idle connection now and each busy one when its read ends; refuses waiting reads. */
  close(): void {
    this.closed = true;
    for (const reader of this.idle.splice(0)) {
      this.closeReader(reader);
    }
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(closedError());
    }
  }

  private tryAcquire(): Reader | undefined {
    if (this.closed || !this.file) {
      throw closedError();
    }
    const reader = this.idle.pop();
    if (reader) {
      return reader;
    }
    return this.opened < this.size ? this.open(this.file) : undefined;
  }

  private acquire(): Promise<Reader> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(reader: Reader): void {
    if (this.closed) {
      this.closeReader(reader);
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next.resolve(reader);
    } else {
      this.idle.push(reader);
    }
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
