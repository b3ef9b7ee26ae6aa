import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The search index of every filterable path not held in a column (see @app/tmf-query, Storage), and
 * column indexes that end with `id`, so a filtered page sorted by id needs no temporary sort.
 */
export class CustomerSearchIndex1795842794153 implements MigrationInterface {
  name = 'CustomerSearchIndex1795842794153';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE customer_attr (
  customer_id VARCHAR(36) NOT NULL,
  path_id INTEGER NOT NULL,
  pos INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  v_type TEXT NOT NULL,
  v BLOB NOT NULL,
  v_full TEXT NULL,
  PRIMARY KEY (customer_id, path_id, pos, seq)
) WITHOUT ROWID`);
    await queryRunner.query(
      'CREATE INDEX customer_attr_value ON customer_attr (path_id, v_type, v)',
    );
    for (const column of [
      'name',
      'status',
      'engaged_party_id',
      'valid_for_start',
      'valid_for_end',
    ]) {
      await queryRunner.query(`DROP INDEX idx_customer_${column}`);
      await queryRunner.query(`CREATE INDEX idx_customer_${column} ON customer (${column}, id)`);
    }
    await queryRunner.query('CREATE INDEX idx_customer_at_type ON customer (at_type, id)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX idx_customer_at_type');
    for (const column of [
      'name',
      'status',
      'engaged_party_id',
      'valid_for_start',
      'valid_for_end',
    ]) {
      await queryRunner.query(`DROP INDEX idx_customer_${column}`);
      await queryRunner.query(`CREATE INDEX idx_customer_${column} ON customer (${column})`);
    }
    await queryRunner.query('DROP TABLE customer_attr');
  }
}
