import type { Database } from 'better-sqlite3';

import { registerFunctions } from './sqlite-functions';

/** The size the writer cuts the WAL file back to once it is checkpointed (128 MiB). */
export const WAL_SIZE_LIMIT_BYTES = 128 * 1024 * 1024;

/** The SQLite writer connection's page cache, in KiB. */
export const WRITER_CACHE_KIB = 8192;

/**
 * The settings of a SQLite connection that writes: TypeORM's (migrations, and the writes when they
 * run on the event loop's thread) and the writer thread's (`sqlite-write.worker.ts`). Free of
 * TypeORM: the writer thread loads it.
 */
export function openWriter(db: Database): Database {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The app checkpoints from a worker thread (SqliteCheckpointer); this is the backstop for
  // when it lags, and the only checkpoint for the CLI and tools (16,000 pages = 64 MB).
  db.pragma('wal_autocheckpoint = 16000');
  // The WAL file keeps its largest size until the last connection closes (a migration's batches
  // left ~540 MB at 1M customers); past this size it is cut back when the writer starts it again
  // after a full checkpoint. Sustained writes keep it at ~64-90 MB (the checkpointer and the
  // 16,000-page backstop), under the limit: they never cut and regrow it.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  // Each write runs in its own savepoint inside the group commit, and SQLite saves every page a
  // savepoint first changes in a sub-journal: a temporary file by default, i.e. one write()
  // per page. In memory it is a memcpy (measured: write syscalls per POST 91 -> 38).
  db.pragma('temp_store = MEMORY');
  // The writer's page cache: 8 MiB, not better-sqlite3's 16 MiB (DEFAULT_CACHE_SIZE), held in
  // the main malloc arena for as long as the connection is open. A write's random B-tree
  // leaves mostly miss either way; the read connections keep 16 MiB (docs/performance.md,
  // "Where a SQLite server's RSS goes").
  db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  registerFunctions(db);
  return db;
}
