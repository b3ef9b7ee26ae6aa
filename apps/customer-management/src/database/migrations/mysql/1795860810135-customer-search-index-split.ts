import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  splitSearchIndex,
  unsplitSearchIndex,
} from '@server/database/migrations/shared/search-index-split';

// Same shape as customer_attr, without its value index.
const CREATE_PLAIN = `CREATE TABLE customer_attr_plain (
  customer_id VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  path_id INT NOT NULL,
  pos INT NOT NULL,
  seq INT NOT NULL,
  v_type CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  v VARBINARY(512) NOT NULL,
  v_full MEDIUMBLOB NULL,
  PRIMARY KEY (customer_id, path_id, pos, seq)
) ENGINE=InnoDB`;

/**
 * Only the paths a customer is looked up by keep the value index; every other path's rows move to
 * `customer_attr_plain` (primary key only), checked per candidate customer. Each value-index entry
 * is a random-position insert on every write (see docs/performance.md).
 */
export class CustomerSearchIndexSplit1795860810135 implements MigrationInterface {
  name = 'CustomerSearchIndexSplit1795860810135';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await splitSearchIndex(queryRunner, CREATE_PLAIN);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await unsplitSearchIndex(queryRunner);
  }
}
