import { MigrationInterface, QueryRunner } from 'typeorm';

import { mysqlTokenEpochDdl } from '@app/tmf-query';

const TABLE = 'customer_token_epoch';

/**
 * MySQL/MariaDB: the token table's change counters per epoch (ADR 0008, "Kept keys' bitmaps"),
 * raised by every write that changes token rows and by the sweep; a server holding kept keys'
 * bitmaps reads them to know which epochs to read again. Empty: a missing row is 0, so the table
 * is created empty on a populated database (instant). `down` drops it (a server of an older build
 * neither raises nor reads it).
 */
export class CustomerTokenEpochs1796130000000 implements MigrationInterface {
  name = 'CustomerTokenEpochs1796130000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(mysqlTokenEpochDdl(TABLE));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${TABLE}`);
  }
}
