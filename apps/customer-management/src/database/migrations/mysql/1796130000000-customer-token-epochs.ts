import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  EPOCH_BITS,
  EPOCH_ROWS_AHEAD,
  mysqlTokenEpochDdl,
  mysqlTokenEpochRowsStatements,
} from '@app/tmf-query';

const TABLE = 'customer_token_epoch';

/**
 * MySQL/MariaDB: the token table's change counters per epoch (ADR 0008, "Kept keys' bitmaps"),
 * raised by every write that changes token rows and by the sweep; a server holding kept keys'
 * bitmaps reads them to know which epochs to read again. Every counter starts at 0 (the same as a
 * missing row): its rows made for the epochs up to `EPOCH_ROWS_AHEAD` beyond the newest (16 rows
 * each; instant on a populated database), so that writes update rows that exist (`TokenSweeper`
 * makes more ahead as customers come). `down` drops it (a server of an older build neither raises
 * nor reads it).
 */
export class CustomerTokenEpochs1796130000000 implements MigrationInterface {
  name = 'CustomerTokenEpochs1796130000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(mysqlTokenEpochDdl(TABLE));
    const [row] = (await queryRunner.query('SELECT MAX(seq) AS seq FROM customer')) as {
      seq: number | string | null;
    }[];
    const newest = Math.floor(Number(row?.seq ?? 0) / 2 ** EPOCH_BITS);
    for (const statement of mysqlTokenEpochRowsStatements(TABLE, 0, newest + EPOCH_ROWS_AHEAD)) {
      await queryRunner.query(statement.sql, statement.params);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${TABLE}`);
  }
}
