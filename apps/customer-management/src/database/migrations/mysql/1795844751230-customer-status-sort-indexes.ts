import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A status filter sorted by start date or by name (a CRM's list screens) is served by one index scan
 * and stops after the page; without these it sorts every customer with that status. InnoDB appends
 * the primary key (id) to every secondary index.
 */
export class CustomerStatusSortIndexes1795844751230 implements MigrationInterface {
  name = 'CustomerStatusSortIndexes1795844751230';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX idx_customer_status_start ON customer (status, valid_for_start)',
    );
    await queryRunner.query('CREATE INDEX idx_customer_status_name ON customer (status, name)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX idx_customer_status_name ON customer');
    await queryRunner.query('DROP INDEX idx_customer_status_start ON customer');
  }
}
