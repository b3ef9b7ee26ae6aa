import { MigrationInterface, QueryRunner } from 'typeorm';

import { formatChanges, rewriteTokenRows } from '@server/database/migrations/shared/token-rewrite';

/**
 * Rewrites the token rows that differ between the two formats (with the repeat markers or
 * without): only rows of an array element repeating a token of an earlier element change.
 */
function rewriteRows(queryRunner: QueryRunner, name: string, toRepeats: boolean) {
  return rewriteTokenRows(
    queryRunner,
    name,
    (seq, document) =>
      formatChanges(seq, document, { repeats: !toRepeats }, { repeats: toRepeats }),
    { optimize: false },
  );
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
