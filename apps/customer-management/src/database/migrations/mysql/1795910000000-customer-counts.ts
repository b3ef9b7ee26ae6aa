import { MigrationInterface, QueryRunner } from 'typeorm';

import { fillCustomerCounts } from '@server/database/migrations/shared/customer-counts';

import { binaryCollation } from './collation';

/**
 * Maintained counts (`customer_count`: the total, per status, per @type), written with every
 * customer write, so that the list's usual totals read a few rows instead of counting customers.
 * Each count is spread over shard rows that writers pick at random (no single hot row); the fill
 * writes shard 0. `val` compares like the `status` and `at_type` columns (binary, no pad).
 */
export class CustomerCounts1795910000000 implements MigrationInterface {
  name = 'CustomerCounts1795910000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const collation = await binaryCollation(queryRunner);
    await queryRunner.query(
      `CREATE TABLE customer_count (
        dim varchar(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        val varchar(200) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL,
        shard smallint NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (dim, val, shard)
      ) ENGINE=InnoDB`,
    );
    await fillCustomerCounts(queryRunner);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE customer_count');
  }
}
