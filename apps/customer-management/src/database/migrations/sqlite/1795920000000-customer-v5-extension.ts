import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The TMF629 v5 side bag (docs/v5.md): per customer, what only v5 can express, as JSON. Written and
 * deleted in the customer's own write transactions; customers without one (all v4-created) have no row.
 */
export class CustomerV5Extension1795920000000 implements MigrationInterface {
  name = 'CustomerV5Extension1795920000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE customer_v5_extension (
        customer_id varchar(36) PRIMARY KEY NOT NULL, extension text NOT NULL) WITHOUT ROWID`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE customer_v5_extension');
  }
}
