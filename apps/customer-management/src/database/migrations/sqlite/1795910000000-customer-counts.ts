import { MigrationInterface, QueryRunner } from 'typeorm';

import { fillCustomerCounts } from '@server/database/migrations/shared/customer-counts';

/**
 * Maintained counts (`customer_count`: the total, per status, per @type), written with every
 * customer write, so that the list's usual totals read a row instead of counting customers.
 * Filled from the stored customers.
 */
export class CustomerCounts1795910000000 implements MigrationInterface {
  name = 'CustomerCounts1795910000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE customer_count (
        dim varchar(16) NOT NULL, val varchar(200) NOT NULL, shard integer NOT NULL, n bigint NOT NULL,
        PRIMARY KEY (dim, val, shard)) WITHOUT ROWID`,
    );
    await fillCustomerCounts(queryRunner);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE customer_count');
  }
}
