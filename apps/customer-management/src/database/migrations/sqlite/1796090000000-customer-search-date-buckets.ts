import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  extractTokenRows,
  tokenChangeStatements,
  TokenRowChange,
  tokenRowId,
} from '@app/tmf-query';
import { forEachCustomerBatch } from '@server/database/migrations/shared/customer-batches';
import { customerSqlStorage } from '@server/customer/customer.storage';

const BATCH = 2000;

/**
 * The rows of a customer whose tokens differ between the formats (date-time buckets at the 32-bit
 * level or not): the rows holding a date-time outside the columns. Both formats yield the same
 * slots in the same order.
 */
function rowChanges(seq: number, document: unknown, toFine: boolean): TokenRowChange[] {
  const from = extractTokenRows(document, customerSqlStorage, { fineDates: !toFine });
  const to = extractTokenRows(document, customerSqlStorage, { fineDates: toFine });
  const changes: TokenRowChange[] = [];
  to.forEach((row, i) => {
    if (row.tokens !== from[i].tokens) {
      const rowid = tokenRowId(seq, row.slot);
      changes.push({ rowid, tokens: undefined }, { rowid, tokens: row.tokens });
    }
  });
  return changes;
}

/**
 * Rewrites, batch by batch in `seq` order, the token rows that differ between the formats, then
 * merges the index into one segment: every rewritten row left a deleted entry in an older segment,
 * which each lookup would otherwise skip until FTS5 merged it.
 */
async function rewriteRows(queryRunner: QueryRunner, name: string, toFine: boolean) {
  await forEachCustomerBatch(queryRunner, name, BATCH, async (batch) => {
    const changes = batch.flatMap((c) => rowChanges(c.seq, JSON.parse(c.document), toFine));
    for (const statement of tokenChangeStatements(customerSqlStorage, changes)) {
      await queryRunner.query(statement.sql, statement.params);
    }
  });
  const logger = new Logger(name);
  const started = Date.now();
  logger.log('merging the token index into one segment (FTS5 optimize)');
  await queryRunner.query(`INSERT INTO customer_search (customer_search) VALUES ('optimize')`);
  logger.log(`merged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * SQLite token index: date-times carry a bucket token at a 32-bit level too (`DATE_RANGE_LEVELS`:
 * 2^20 ms, 17.5 minutes, where the finest level was 4.7 hours), so a date-time range's edge buckets
 * hold few customers, each checked on its document (ADR 0007, "Date-time buckets"). The other
 * tokens are unchanged: only the rows holding a date-time outside the columns are rewritten, every
 * customer read in batches with progress in the log. Bucket tokens are not counted, so the count
 * table stays as it is. `down` takes the 32-bit tokens out again.
 */
export class CustomerSearchDateBuckets1796090000000 implements MigrationInterface {
  name = 'CustomerSearchDateBuckets1796090000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await rewriteRows(queryRunner, 'CustomerSearchDateBuckets', true);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await rewriteRows(queryRunner, 'CustomerSearchDateBuckets (undo)', false);
  }
}
