import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  copyToken,
  ELEMENT_ROWS,
  extractTokenRows,
  TokenRowChange,
  tokenRowId,
} from '@app/tmf-query';
import { rewriteTokenRows } from '@server/database/migrations/shared/token-rewrite';
import { customerSqlStorage } from '@server/customer/customer.storage';

/** Whether a slot-0 token is a copy (`copyToken`: a token and a character no token ends with). */
const isCopy = (token: string) => token === copyToken(token.slice(0, -1));

/**
 * The change of a customer's slot-0 row between the formats (with the copies or without): only
 * that row differs. The row without copies is the one with them, less its copies.
 */
function slotZeroChanges(seq: number, document: unknown, toCopies: boolean): TokenRowChange[] {
  const [first] = extractTokenRows(document, customerSqlStorage, {
    ...ELEMENT_ROWS,
    copies: true,
  });
  if (first?.slot !== 0) {
    return [];
  }
  const withCopies = first.tokens;
  const without = withCopies
    .split(' ')
    .filter((token) => !isCopy(token))
    .join(' ');
  if (without === withCopies) {
    return [];
  }
  const [from, to] = toCopies ? [without, withCopies] : [withCopies, without];
  const rowid = tokenRowId(seq, 0);
  return [
    ...(from === '' ? [] : [{ rowid, tokens: undefined }]),
    ...(to === '' ? [] : [{ rowid, tokens: to }]),
  ];
}

/** Rewrites every slot-0 row into the other format, then one segment (FTS5 optimize). */
function rewriteSlotZero(queryRunner: QueryRunner, name: string, toCopies: boolean) {
  return rewriteTokenRows(
    queryRunner,
    name,
    (seq, document) => slotZeroChanges(seq, document, toCopies),
    { optimize: true },
  );
}

/**
 * SQLite token index: the slot-0 row of a customer also holds a copy (`copyToken`) of each value
 * token of its arrays' elements, once, so that clauses on arrays that need no shared element are
 * one FTS5 lookup on slot-0 rows, one per customer: two arrays' clauses are intersected by FTS5
 * itself, and one token is counted and paged without de-duplication (ADR 0007, "Slot-0 copies").
 * Every customer is read, in batches, with progress in the log; only its slot-0 row changes. `down`
 * takes the copies out again.
 */
export class CustomerSearchCopies1796080000000 implements MigrationInterface {
  name = 'CustomerSearchCopies1796080000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await rewriteSlotZero(queryRunner, 'CustomerSearchCopies', true);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await rewriteSlotZero(queryRunner, 'CustomerSearchCopies (undo)', false);
  }
}
