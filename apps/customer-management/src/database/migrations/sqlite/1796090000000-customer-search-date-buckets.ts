import { MigrationInterface, QueryRunner } from 'typeorm';

import { formatChanges, rewriteTokenRows } from '@server/database/migrations/shared/token-rewrite';

/**
 * Rewrites the token rows that differ between the formats (date-time buckets at the 32-bit level
 * or not): the rows holding a date-time outside the columns. Then one segment (FTS5 optimize).
 */
function rewriteRows(queryRunner: QueryRunner, name: string, toFine: boolean) {
  return rewriteTokenRows(
    queryRunner,
    name,
    (seq, document) => formatChanges(seq, document, { fineDates: !toFine }, { fineDates: toFine }),
    { optimize: true },
  );
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
