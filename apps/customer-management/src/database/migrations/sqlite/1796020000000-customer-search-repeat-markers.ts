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
 * The rows of a customer whose tokens differ between the two formats (with the repeat markers or
 * without), as changes to the stored ones: only rows of an array element repeating a token of an
 * earlier element change.
 */
function rowChanges(seq: number, document: unknown, toRepeats: boolean): TokenRowChange[] {
  const from = extractTokenRows(document, customerSqlStorage, { repeats: !toRepeats });
  const to = extractTokenRows(document, customerSqlStorage, { repeats: toRepeats });
  const changes: TokenRowChange[] = [];
  // Both formats yield the same slots in the same order; only tokens differ.
  to.forEach((row, i) => {
    if (row.tokens !== from[i].tokens) {
      const rowid = tokenRowId(seq, row.slot);
      changes.push({ rowid, tokens: undefined }, { rowid, tokens: row.tokens });
    }
  });
  return changes;
}

/** Rewrites, batch by batch in `seq` order, the token rows that differ between the formats. */
async function rewriteRows(queryRunner: QueryRunner, name: string, toRepeats: boolean) {
  await forEachCustomerBatch(queryRunner, name, BATCH, async (batch) => {
    const changes = batch.flatMap((c) => rowChanges(c.seq, JSON.parse(c.document), toRepeats));
    for (const statement of tokenChangeStatements(customerSqlStorage, changes)) {
      await queryRunner.query(statement.sql, statement.params);
    }
  });
}

/**
 * SQLite token index: an array row holding a token that an earlier element of the same array holds
 * also holds the token's repeat marker (`repeatMarker`), so that the rows holding a token, less
 * those holding its marker, are one row per customer: a count of the customers holding a token is a
 * `COUNT(*)` of its first rows (`firstRowsMatch`) instead of a `COUNT(DISTINCT rowid >> 20)`
 * (ADR 0007). Only the rows of elements that repeat a token change; every customer is read, in
 * batches, with progress in the log. `down` takes the markers out again.
 */
export class CustomerSearchRepeatMarkers1796020000000 implements MigrationInterface {
  name = 'CustomerSearchRepeatMarkers1796020000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await rewriteRows(queryRunner, 'CustomerSearchRepeatMarkers', true);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await rewriteRows(queryRunner, 'CustomerSearchRepeatMarkers (undo)', false);
  }
}
