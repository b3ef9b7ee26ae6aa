import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A status filter sorted by start date or by name (a CRM's list screens) is served by one index scan
 * and stops after the page; without these it sorts every customer with that status.
 */
export class CustomerStatusSortIndexes1795844751230 implements MigrationInterface {
  name = 'CustomerStatusSortIndexes1795844751230';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX idx_customer_status_start ON customer (status, valid_for_start, id)',
    );
    await queryRunner.query('CREATE INDEX idx_customer_status_name ON customer (status, name, id)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX idx_customer_status_name');
    await queryRunner.query('DROP INDEX idx_customer_status_start');
  }
}
