import type { QueryRunner } from 'typeorm';

import { BatchProgress } from './batch-progress';

/** A customer as the migrations that rebuild the SQLite token index read it. */
export interface CustomerBatchRow {
  /** The walk's key: `seq`, or `rowid` on a table that has no `seq` yet (see `key`). */
  key: number;
  id: string;
  document: string;
}

/**
 * Walks every customer in `key` order (`seq`, or `rowid` before `seq` exists), `size` at a time,
 * handing each batch to `handle` and logging the progress under `name` (customers done / total,
 * rate, time left): the loop of the SQLite migrations that rebuild token rows from the stored
 * documents.
 */
export async function forEachCustomerBatch(
  queryRunner: QueryRunner,
  name: string,
  size: number,
  handle: (batch: CustomerBatchRow[]) => Promise<void>,
  key: 'seq' | 'rowid' = 'seq',
): Promise<void> {
  const [{ total }] = (await queryRunner.query('SELECT COUNT(*) AS total FROM customer')) as {
    total: number;
  }[];
  const progress = new BatchProgress(name, Number(total));
  for (let last = -1; ;) {
    const batch = (await queryRunner.query(
      `SELECT ${key} AS key, id, document FROM customer WHERE ${key} > ? ORDER BY ${key} LIMIT ${size}`,
      [last],
    )) as CustomerBatchRow[];
    if (batch.length === 0) {
      return;
    }
    await handle(batch);
    last = batch[batch.length - 1].key;
    progress.advance(batch.length);
  }
}
