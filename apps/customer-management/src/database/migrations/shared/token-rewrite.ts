import { Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';

import {
  ELEMENT_ROWS,
  extractTokenRows,
  tokenChangeStatements,
  TokenRowChange,
  TokenRowFormat,
  tokenRowId,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { runInOrder } from '@server/database/run-in-order';

import { forEachCustomerBatch } from './customer-batches';

const BATCH = 2000;

/**
 * The changes that turn a customer's token rows of format `from` into format `to`: each row whose
 * tokens differ, deleted and written again. For formats of the element-row layout (`ELEMENT_ROWS`,
 * applied here) that yield the same slots in the same order and differ only in tokens (repeat
 * markers, date-time bucket levels).
 */
export function formatChanges(
  seq: number,
  document: unknown,
  from: TokenRowFormat,
  to: TokenRowFormat,
): TokenRowChange[] {
  const before = extractTokenRows(document, customerSqlStorage, { ...ELEMENT_ROWS, ...from });
  const after = extractTokenRows(document, customerSqlStorage, { ...ELEMENT_ROWS, ...to });
  const changes: TokenRowChange[] = [];
  after.forEach((row, i) => {
    if (row.tokens !== before[i].tokens) {
      const rowid = tokenRowId(seq, row.slot);
      changes.push({ rowid, tokens: undefined }, { rowid, tokens: row.tokens });
    }
  });
  return changes;
}

/**
 * Rewrites the SQLite token rows of every customer, batch by batch in `seq` order with progress in
 * the log under `name`: `changesOf` says what changes for one stored customer. With `optimize`,
 * then merges the index into one segment: every rewritten row left a deleted entry in an older
 * segment, which each lookup would otherwise skip until FTS5 merged it (43 s at 1,000,000
 * customers).
 */
export async function rewriteTokenRows(
  queryRunner: QueryRunner,
  name: string,
  changesOf: (seq: number, document: unknown) => TokenRowChange[],
  { optimize }: { optimize: boolean },
): Promise<void> {
  await forEachCustomerBatch(queryRunner, name, BATCH, async (batch) => {
    const changes = batch.flatMap((c) => changesOf(c.key, JSON.parse(c.document)));
    await runInOrder(queryRunner.manager, tokenChangeStatements(customerSqlStorage, changes));
  });
  if (optimize) {
    const logger = new Logger(name);
    const started = Date.now();
    logger.log('merging the token index into one segment (FTS5 optimize)');
    await queryRunner.query(`INSERT INTO customer_search (customer_search) VALUES ('optimize')`);
    logger.log(`merged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
