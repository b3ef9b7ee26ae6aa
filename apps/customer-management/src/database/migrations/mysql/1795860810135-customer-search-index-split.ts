import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  splitSearchIndex,
  unsplitSearchIndex,
} from '@server/database/migrations/shared/search-index-split';

/**
 * Only the paths a customer is looked up by keep the value index; every other path's rows move to
 * `customer_attr_plain` (primary key only), checked per candidate customer. Each value-index entry
 * is a random-position insert on every write (see docs/performance.md).
 */
export class CustomerSearchIndexSplit1795860810135 implements MigrationInterface {
  name = 'CustomerSearchIndexSplit1795860810135';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await splitSearchIndex(
      queryRunner,
      'mysql',
      'VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await unsplitSearchIndex(queryRunner);
  }
}
