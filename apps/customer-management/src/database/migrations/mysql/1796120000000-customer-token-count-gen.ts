import { MigrationInterface, QueryRunner } from 'typeorm';

import { mysqlCountGenDdl } from '@app/tmf-query';

const TABLE = 'customer_token_count_gen';

/**
 * MySQL/MariaDB: the kept counts' generation (ADR 0008, "Keys promoted while serving"): one row
 * `(0, 0)`, raised by each key the server gives kept counts while serving (`TokenCountPromoter`);
 * every write that changes keys reads it under a shared lock before its count UPDATE. `down`
 * drops it (the kept counts stay; a server without it promotes nothing).
 */
export class CustomerTokenCountGen1796120000000 implements MigrationInterface {
  name = 'CustomerTokenCountGen1796120000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of mysqlCountGenDdl(TABLE)) {
      await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${TABLE}`);
  }
}
