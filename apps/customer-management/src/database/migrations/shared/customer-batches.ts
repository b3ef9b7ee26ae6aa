import type { QueryRunner } from 'typeorm';

import { BatchProgress } from './batch-progress';

/** A customer as the migrations that rebuild the SQLite token index read it. */
export interface StoredCustomer {
  seq: number;
  document: string;
}

/**
 * Walks every customer in `seq` order, `size` at a time, handing each batch to `handle` and logging
 * the progress under `name` (customers done / total, rate, time left): the loop of the SQLite
 * migrations that rebuild token rows from the stored documents.
 */
export async function forEachCustomerBatch(
  queryRunner: QueryRunner,
  name: string,
  size: number,
  handle: (batch: StoredCustomer[]) => Promise<void>,
): Promise<void> {
  const [{ total }] = (await queryRunner.query('SELECT COUNT(*) AS total FROM customer')) as {
    total: number;
  }[];
  const progress = new BatchProgress(name, Number(total));
  for (let last = -1; ;) {
    const batch = (await queryRunner.query(
      `SELECT seq, document FROM customer WHERE seq > ? ORDER BY seq LIMIT ${size}`,
      [last],
    )) as StoredCustomer[];
    if (batch.length === 0) {
      return;
    }
    await handle(batch);
    last = batch[batch.length - 1].seq;
    progress.advance(batch.length);
  }
}
