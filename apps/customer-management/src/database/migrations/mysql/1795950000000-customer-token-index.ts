import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  epochOf,
  EPOCH_BITS,
  extractMysqlTokenRows,
  indexInsertStatements,
  mysqlTokenDdl,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BatchProgress } from '@server/database/migrations/shared/batch-progress';

/** Customers read per statement. */
const BATCH = 2000;
/** Token rows per INSERT. */
const ROWS_PER_INSERT = 2000;

const ATTR_COLUMNS = `customer_id VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  path_id INT NOT NULL,
  pos INT NOT NULL,
  seq INT NOT NULL,
  v_type CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  v VARBINARY(512) NOT NULL,
  v_full MEDIUMBLOB NULL,
  PRIMARY KEY (customer_id, path_id, pos, seq)`;

/**
 * MySQL/MariaDB: the search index becomes the token table `customer_token` (ADR 0008), keyed by a
 * new stable integer key `customer.seq` (AUTO_INCREMENT, unique), built from the stored documents
 * one epoch at a time, each epoch's rows sorted by key before they are written (appends, not random
 * inserts), with progress in the log; the two search-index tables go. `down` rebuilds them from the
 * documents.
 */
export class CustomerTokenIndex1795950000000 implements MigrationInterface {
  name = 'CustomerTokenIndex1795950000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE customer ADD COLUMN seq INT UNSIGNED NOT NULL AUTO_INCREMENT, ADD UNIQUE KEY idx_customer_seq (seq)',
    );
    for (const sql of mysqlTokenDdl(customerSqlStorage)) {
      await queryRunner.query(sql);
    }
    const progress = new BatchProgress('CustomerTokenIndex', await countCustomers(queryRunner));
    const [{ maxSeq }] = (await queryRunner.query(
      'SELECT COALESCE(MAX(seq), 0) AS maxSeq FROM customer',
    )) as { maxSeq: number | string }[];
    for (let epoch = 0; epoch <= epochOf(Number(maxSeq)); epoch++) {
      await buildEpoch(queryRunner, epoch, progress);
    }
    await queryRunner.query('DROP TABLE customer_attr');
    await queryRunner.query('DROP TABLE customer_attr_plain');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE customer_attr (${ATTR_COLUMNS}, KEY customer_attr_value (path_id, v_type, v)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`CREATE TABLE customer_attr_plain (${ATTR_COLUMNS}) ENGINE=InnoDB`);
    const progress = new BatchProgress(
      'CustomerTokenIndex (undo)',
      await countCustomers(queryRunner),
    );
    for (let last = ''; ;) {
      const batch = (await queryRunner.query(
        `SELECT id, document FROM customer WHERE id > ? ORDER BY id LIMIT ${BATCH}`,
        [last],
      )) as { id: string; document: string }[];
      if (batch.length === 0) {
        break;
      }
      for (const customer of batch) {
        const document = JSON.parse(customer.document) as Record<string, unknown>;
        for (const statement of indexInsertStatements(customerSqlStorage, customer.id, document)) {
          await queryRunner.query(statement.sql, statement.params);
        }
      }
      last = batch[batch.length - 1].id;
      progress.advance(batch.length);
    }
    await queryRunner.query('DROP TABLE customer_token_dead');
    await queryRunner.query('DROP TABLE customer_token');
    await queryRunner.query('ALTER TABLE customer DROP INDEX idx_customer_seq, DROP COLUMN seq');
  }
}

async function countCustomers(queryRunner: QueryRunner): Promise<number> {
  const [{ total }] = (await queryRunner.query('SELECT COUNT(*) AS total FROM customer')) as {
    total: number | string;
  }[];
  return Number(total);
}

/** One epoch's rows: read its customers in batches, sort every row by key, write in key order. */
async function buildEpoch(
  queryRunner: QueryRunner,
  epoch: number,
  progress: BatchProgress,
): Promise<void> {
  const first = epoch * 2 ** EPOCH_BITS;
  const end = first + 2 ** EPOCH_BITS;
  const rows: { token: number; v: bigint; seq: number; slot: number }[] = [];
  for (let last = first - 1; ;) {
    const batch = (await queryRunner.query(
      `SELECT seq, document FROM customer WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ${BATCH}`,
      [last, end],
    )) as { seq: number; document: string }[];
    if (batch.length === 0) {
      break;
    }
    for (const customer of batch) {
      const seq = Number(customer.seq);
      for (const row of extractMysqlTokenRows(JSON.parse(customer.document), customerSqlStorage)) {
        rows.push({ token: row.token, v: BigInt(row.v), seq, slot: row.slot });
      }
    }
    last = Number(batch[batch.length - 1].seq);
    progress.advance(batch.length);
  }
  rows.sort(
    (a, b) =>
      a.token - b.token || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) || a.seq - b.seq || a.slot - b.slot,
  );
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    await queryRunner.query(
      `INSERT INTO customer_token (epoch, token, v, seq, slot) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((r) => [epoch, r.token, r.v.toString(), r.seq, r.slot]),
    );
  }
}
