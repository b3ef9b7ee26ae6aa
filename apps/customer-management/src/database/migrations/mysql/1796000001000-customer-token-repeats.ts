import { MigrationInterface, QueryRunner } from 'typeorm';

import { EPOCH_BITS, epochOf, markRepeatsStatement, mysqlTokenRepeatDdl } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BatchProgress } from '@server/database/migrations/shared/batch-progress';

/**
 * The token table's `rep` column (ADR 0008, "Counts"): 1 on a row that repeats the `(token, v)` of
 * an earlier slot of the same customer, so that the customers with one `(token, v)` are counted
 * as its rows with `rep = 0` (`COUNT(*)`, not `COUNT(DISTINCT seq)`). The column is added instantly;
 * the existing rows are marked one epoch at a time (a walk of its region), with progress in the
 * log. Rows written by this version carry their mark.
 */
export class CustomerTokenRepeats1796000001000 implements MigrationInterface {
  name = 'CustomerTokenRepeats1796000001000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(mysqlTokenRepeatDdl(customerSqlStorage));
    const [{ n, maxSeq }] = (await queryRunner.query(
      'SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS maxSeq FROM customer',
    )) as { n: number | string; maxSeq: number | string }[];
    const progress = new BatchProgress('CustomerTokenRepeats', Number(n));
    const mark = markRepeatsStatement(customerSqlStorage);
    for (let epoch = 0; epoch <= epochOf(Number(maxSeq)); epoch++) {
      await queryRunner.query(mark, [epoch, epoch]);
      const [{ done }] = (await queryRunner.query(
        'SELECT COUNT(*) AS done FROM customer WHERE seq >= ? AND seq < ?',
        [epoch * 2 ** EPOCH_BITS, (epoch + 1) * 2 ** EPOCH_BITS],
      )) as { done: number | string }[];
      progress.advance(Number(done));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE customer_token DROP COLUMN rep');
  }
}
