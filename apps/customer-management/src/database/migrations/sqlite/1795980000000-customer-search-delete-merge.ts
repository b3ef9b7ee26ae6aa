import { MigrationInterface, QueryRunner } from 'typeorm';

/** FTS5's default `deletemerge`: a segment with this % of its rows deleted is merged on its own. */
const FTS5_DEFAULT = 10;
const DELETE_MERGE = 50;

/**
 * The token index (`customer_search`, FTS5) merges a segment away on its own once half of its rows
 * are deleted, instead of FTS5's 10 %. A deleted row stays in its segment as a tombstone until a merge;
 * at 10 %, deletes spread over the whole index made FTS5 rewrite large segments inside a write group's
 * COMMIT (up to 0.9-1.5 s at 100,000 customers; at 50 %, 0.12 s, and 20 % less CPU per delete:
 * docs/performance.md, 2026-12-05). The setting is stored in the FTS5 table's own configuration, for
 * every connection.
 */
export class CustomerSearchDeleteMerge1795980000000 implements MigrationInterface {
  name = 'CustomerSearchDeleteMerge1795980000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO customer_search (customer_search, rank) VALUES ('deletemerge', ${DELETE_MERGE})`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO customer_search (customer_search, rank) VALUES ('deletemerge', ${FTS5_DEFAULT})`,
    );
  }
}
