import { MigrationInterface, QueryRunner } from 'typeorm';

import { ELEMENT_ROWS, extractTokenRows, TokenRowFormat, tokenRowId } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { rewriteTokenRows } from '@server/database/migrations/shared/token-rewrite';

/**
 * Empties the token index (FTS5 `delete-all`: its settings stay) and writes every customer's rows
 * again in `format`, in `seq` order, then merges them into one segment. The count table is left as
 * it is: both layouts count the same tokens (the attributes outside arrays and the copies).
 */
async function rebuild(queryRunner: QueryRunner, name: string, format: TokenRowFormat) {
  await queryRunner.query(`INSERT INTO customer_search (customer_search) VALUES ('delete-all')`);
  await rewriteTokenRows(
    queryRunner,
    name,
    (seq, document) =>
      extractTokenRows(document, customerSqlStorage, format).map((row) => ({
        rowid: tokenRowId(seq, row.slot),
        tokens: row.tokens,
      })),
    { optimize: true },
  );
}

/**
 * SQLite token index: one FTS5 row per customer (ADR 0014). The slot-0 row takes the bucket tokens
 * of the arrays' elements and the first elements' tokens marked with their ordinal; only elements
 * past those keep a row of their own. A customer of the bench has one row instead of ten: a delete
 * writes one tombstone instead of ten. Every customer is read, in batches, with progress in the
 * log. `down` writes the element rows again (ADR 0007's layout).
 */
export class CustomerSearchOneRow1796140000000 implements MigrationInterface {
  name = 'CustomerSearchOneRow1796140000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await rebuild(queryRunner, 'CustomerSearchOneRow', { oneRow: true });
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await rebuild(queryRunner, 'CustomerSearchOneRow (undo)', ELEMENT_ROWS);
  }
}
