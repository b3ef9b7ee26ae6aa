import type { Database, Statement } from 'better-sqlite3';

/** A prepared statement and, for a statement that returns rows, its column names. */
export interface CachedStatement {
  readonly statement: Statement;
  readonly columns: string[] | undefined;
}

/**
 * The prepared statements of a SQLite worker thread's connection (`sqlite-read.worker.ts`,
 * `sqlite-write.worker.ts`), in raw mode (rows as arrays: their owners on the event loop turn them
 * into objects, which costs less than cloning objects between threads). Bounded: statements differ
 * with the query's shape and the group's size (IN lists, VALUES lists); the first prepared goes
 * first.
 */
export class SqliteStatementCache {
  private readonly entries = new Map<string, CachedStatement>();

  constructor(
    private readonly db: Database,
    private readonly max: number,
  ) {}

  get(sql: string): CachedStatement {
    let entry = this.entries.get(sql);
    if (!entry) {
      const statement = this.db.prepare(sql);
      const reads = statement.reader;
      if (reads) {
        statement.raw(true);
      }
      entry = { statement, columns: reads ? statement.columns().map((c) => c.name) : undefined };
      if (this.entries.size >= this.max) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
      this.entries.set(sql, entry);
    }
    return entry;
  }
}
