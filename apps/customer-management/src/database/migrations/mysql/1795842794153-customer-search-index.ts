import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The search index of every filterable path not held in a column (see @app/tmf-query, Storage).
 * `customer_id` has exactly the type and collation of `customer.id`, so `id IN (SELECT customer_id
 * ...)` can use the primary key. InnoDB secondary indexes already end with the primary key.
 */
export class CustomerSearchIndex1795842794153 implements MigrationInterface {
  name = 'CustomerSearchIndex1795842794153';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE customer_attr (
  customer_id VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  path_id INT NOT NULL,
  pos INT NOT NULL,
  seq INT NOT NULL,
  v_type CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  v VARBINARY(512) NOT NULL,
  v_full MEDIUMBLOB NULL,
  PRIMARY KEY (customer_id, path_id, pos, seq),
  KEY customer_attr_value (path_id, v_type, v)
) ENGINE=InnoDB`);
    await queryRunner.query('CREATE INDEX idx_customer_at_type ON customer (at_type)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX idx_customer_at_type ON customer');
    await queryRunner.query('DROP TABLE customer_attr');
  }
}
