import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  ELEMENT_ROWS,
  indexInsertStatements,
  SqlStatement,
  tokenInsertStatements,
} from '@app/tmf-query';
import { forEachCustomerBatch } from '@server/database/migrations/shared/customer-batches';
import { runInOrder } from '@server/database/run-in-order';
import { customerSqlStorage } from '@server/customer/customer.storage';

const BATCH = 2000;

const CUSTOMER_COLUMNS =
  'id, name, status, at_type, engaged_party_id, valid_for_start, valid_for_end, created_at, updated_at, version, document';

const CUSTOMER_INDEXES = [
  'CREATE INDEX idx_customer_name ON customer (name, id)',
  'CREATE INDEX idx_customer_status ON customer (status, id)',
  'CREATE INDEX idx_customer_engaged_party_id ON customer (engaged_party_id, id)',
  'CREATE INDEX idx_customer_valid_for_start ON customer (valid_for_start, id)',
  'CREATE INDEX idx_customer_valid_for_end ON customer (valid_for_end, id)',
  'CREATE INDEX idx_customer_at_type ON customer (at_type, id)',
  'CREATE INDEX idx_customer_status_start ON customer (status, valid_for_start, id)',
  'CREATE INDEX idx_customer_status_name ON customer (status, name, id)',
];

/** The customer table with or without the stable integer key `seq` (the token index's row key). */
function customerTable(withSeq: boolean): string {
  return (
    'CREATE TABLE customer_next (' +
    (withSeq
      ? 'seq INTEGER PRIMARY KEY, id varchar(36) NOT NULL UNIQUE'
      : 'id varchar(36) PRIMARY KEY NOT NULL') +
    ', name varchar(512), status varchar(100), at_type varchar(200) NOT NULL, engaged_party_id varchar(200), ' +
    'valid_for_start bigint, valid_for_end bigint, created_at bigint NOT NULL, updated_at bigint NOT NULL, ' +
    'version integer NOT NULL, document text NOT NULL)'
  );
}

async function rebuildCustomer(queryRunner: QueryRunner, withSeq: boolean): Promise<void> {
  await queryRunner.query(customerTable(withSeq));
  await queryRunner.query(
    `INSERT INTO customer_next (${CUSTOMER_COLUMNS}) SELECT ${CUSTOMER_COLUMNS} FROM customer ORDER BY rowid`,
  );
  await queryRunner.query('DROP TABLE customer');
  await queryRunner.query('ALTER TABLE customer_next RENAME TO customer');
  for (const sql of CUSTOMER_INDEXES) {
    await queryRunner.query(sql);
  }
}

/** Walks every customer in `seq` (or rowid) order, in batches, writing what `rows` returns. */
function eachCustomer(
  queryRunner: QueryRunner,
  name: string,
  key: 'seq' | 'rowid',
  rows: (customer: {
    key: number;
    id: string;
    document: Record<string, unknown>;
  }) => SqlStatement[],
): Promise<void> {
  return forEachCustomerBatch(
    queryRunner,
    name,
    BATCH,
    async (batch) => {
      for (const { key, id, document } of batch) {
        const parsed = JSON.parse(document) as Record<string, unknown>;
        await runInOrder(queryRunner.manager, rows({ key, id, document: parsed }));
      }
    },
    key,
  );
}

/**
 * SQLite: the search index becomes an FTS5 token index (`customer_search`, see ADR 0006) keyed by a
 * new stable integer key `customer.seq`, built from the stored documents in batches with progress
 * in the log; the two search-index tables go. `down` rebuilds them from the documents.
 */
export class CustomerTokenIndex1795900000000 implements MigrationInterface {
  name = 'CustomerTokenIndex1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await rebuildCustomer(queryRunner, true);
    await queryRunner.query(
      "CREATE VIRTUAL TABLE customer_search USING fts5(tokens, content='', contentless_delete=1, detail=none, tokenize='ascii')",
    );
    await eachCustomer(queryRunner, 'CustomerTokenIndex', 'seq', ({ key, document }) =>
      tokenInsertStatements(customerSqlStorage, key, document, ELEMENT_ROWS),
    );
    await queryRunner.query('DROP TABLE customer_attr');
    await queryRunner.query('DROP TABLE customer_attr_plain');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE customer_attr (
      customer_id VARCHAR(36) NOT NULL, path_id INTEGER NOT NULL, pos INTEGER NOT NULL, seq INTEGER NOT NULL,
      v_type TEXT NOT NULL, v BLOB NOT NULL, v_full TEXT NULL,
      PRIMARY KEY (customer_id, path_id, pos, seq)) WITHOUT ROWID`);
    await queryRunner.query(
      'CREATE INDEX customer_attr_value ON customer_attr (path_id, v_type, v)',
    );
    await queryRunner.query(`CREATE TABLE customer_attr_plain (
      customer_id VARCHAR(36) NOT NULL, path_id INTEGER NOT NULL, pos INTEGER NOT NULL, seq INTEGER NOT NULL,
      v_type TEXT NOT NULL, v BLOB NOT NULL, v_full TEXT NULL,
      PRIMARY KEY (customer_id, path_id, pos, seq)) WITHOUT ROWID`);
    await queryRunner.query('DROP TABLE customer_search');
    await rebuildCustomer(queryRunner, false);
    await eachCustomer(queryRunner, 'CustomerTokenIndex (undo)', 'rowid', ({ id, document }) =>
      indexInsertStatements(customerSqlStorage, id, document),
    );
  }
}
