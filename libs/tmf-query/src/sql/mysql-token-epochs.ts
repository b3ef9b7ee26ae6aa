import { SqlStatement } from './index-entries';
import { EPOCH_BITS } from './mysql-token-entries';
import { SqlStorage } from './storage';

/**
 * Change counters of the token table's epochs (ADR 0008, "Kept keys' bitmaps"): per epoch, a
 * number raised by every transaction that changes token rows there (a POST's new rows, a PATCH's
 * rewritten ones, the sweep's removal of deleted customers' rows; a DELETE leaves its rows and
 * lists its seq in the dead table instead). A server holding an epoch's rows in memory, read with
 * the counter in one statement, knows them current while the counter has not moved. Spread over
 * {@link MYSQL_EPOCH_SHARDS} rows per epoch (`shard`), so that concurrent POSTs into the newest
 * epoch rarely wait for the same row lock; a read sums them; a missing row is 0. The rows are made
 * ahead of the writes ({@link EPOCH_ROWS_AHEAD} epochs beyond the newest, `n` = 0): a write then
 * updates a row that exists, under a lock on that row alone. Concurrent upserts that insert into
 * the gap at the end of the table deadlock each other (measured: the 100,000-customer seed failed).
 */
export const MYSQL_EPOCH_SHARDS = 16;

/** Epochs whose counter rows exist beyond the newest one (16,384 customers each). */
export const EPOCH_ROWS_AHEAD = 1024;

/** The counter rows of epochs `from` to `to` (inclusive), `n` = 0, those that exist left alone. */
export function mysqlTokenEpochRowsStatements(
  table: string,
  from: number,
  to: number,
): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const BATCH = 64;
  for (let start = from; start <= to; start += BATCH) {
    const params: number[] = [];
    for (let epoch = start; epoch <= Math.min(to, start + BATCH - 1); epoch++) {
      for (let shard = 0; shard < MYSQL_EPOCH_SHARDS; shard++) {
        params.push(epoch, shard);
      }
    }
    statements.push({
      sql: `INSERT IGNORE INTO ${table} (epoch, shard, n) VALUES ${Array(params.length / 2)
        .fill('(?, ?, 0)')
        .join(', ')}`,
      params,
    });
  }
  return statements;
}

/**
 * The newest epoch holding customers and the newest with counter rows (NULL when none), to make
 * rows ahead (`EPOCH_ROWS_AHEAD`).
 */
export function mysqlTokenEpochsAheadStatement(storage: SqlStorage): SqlStatement {
  const mapping = storage.mysqlTokenIndex!;
  return {
    sql:
      `SELECT COALESCE((SELECT MAX(${mapping.seqColumn}) FROM ${storage.table}), 0) >> ${EPOCH_BITS} AS newest, ` +
      `(SELECT MAX(epoch) FROM ${mapping.epochTable}) AS made`,
    params: [],
  };
}

/** The counter table (DDL, MySQL/MariaDB). */
export function mysqlTokenEpochDdl(table: string): string {
  return `CREATE TABLE ${table} (
      epoch INT UNSIGNED NOT NULL,
      shard TINYINT UNSIGNED NOT NULL,
      n BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (epoch, shard)
    ) ENGINE=InnoDB`;
}

/**
 * The statement that raises the counters of `epochs` on `shard` (none when there are none or the
 * storage keeps no counters): the rows in key order (ascending epochs), so that two transactions
 * lock shared rows in the same order.
 */
export function mysqlTokenEpochBumpStatement(
  storage: SqlStorage,
  epochs: Iterable<number>,
  shard: number,
): SqlStatement | undefined {
  const table = storage.mysqlTokenIndex?.epochTable;
  const sorted = [...new Set(epochs)].sort((a, b) => a - b);
  if (!table || sorted.length === 0) {
    return undefined;
  }
  return {
    sql:
      `INSERT INTO ${table} (epoch, shard, n) VALUES ${sorted.map(() => '(?, ?, 1)').join(', ')} ` +
      'ON DUPLICATE KEY UPDATE n = n + 1',
    params: sorted.flatMap((epoch) => [epoch, shard]),
  };
}

/** The epochs of `seqs` (a POST group's new customers: the newest one or two). */
export function epochsOfSeqs(seqs: Iterable<number>): number[] {
  return [...new Set([...seqs].map((seq) => Math.floor(seq / 2 ** EPOCH_BITS)))];
}
