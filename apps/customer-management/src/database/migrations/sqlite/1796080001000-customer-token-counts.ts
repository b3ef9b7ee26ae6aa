import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';

import { COUNTED_MIN, ELEMENT_ROWS, extractTokenRows, tokenCountDdl } from '@app/tmf-query';
import { forEachCustomerBatch } from '@server/database/migrations/shared/customer-batches';
import { customerSqlStorage } from '@server/customer/customer.storage';

const TABLE = 'customer_token_count';
const BUILD = 'customer_token_count_build';
const BATCH = 2000;

/**
 * SQLite: the count table of the token index (`TokenIndexMapping.countTable`): per common value
 * token of the slot-0 rows (the attributes outside arrays, and the copies of the arrays' value
 * tokens) held by at least `COUNTED_MIN` customers, the number of customers holding it, kept by
 * every write with the token rows (ADR 0007, "Kept counts"). A filter that is one such token reads
 * its `X-Total-Count` there; any other token is counted from its slot-0 rows.
 *
 * Built with bounded memory whatever the number of distinct values: every customer's counted
 * tokens, read in batches from the documents (progress in the log), become one row of a scratch
 * FTS5 table, which sorts them into its index as it goes (its pending data stays small); its
 * `fts5vocab` then lists each token once, in order, with the number of rows holding it, and the
 * common ones are written to the count table in key order. (A `GROUP BY` would sort in memory: the app's
 * `temp_store` is MEMORY, which a migration's transaction cannot change.) `down` drops the table.
 */
export class CustomerTokenCounts1796080001000 implements MigrationInterface {
  name = 'CustomerTokenCounts1796080001000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(tokenCountDdl(TABLE));
    await queryRunner.query(
      `CREATE VIRTUAL TABLE ${BUILD} USING fts5(tokens, content='', detail=none, tokenize='ascii')`,
    );
    await forEachCustomerBatch(queryRunner, 'CustomerTokenCounts', BATCH, async (batch) => {
      const rows = batch.flatMap(({ key: seq, document }) => {
        const [first] = extractTokenRows(JSON.parse(document), customerSqlStorage, ELEMENT_ROWS);
        const counted = first?.slot === 0 ? first.counted : undefined;
        return counted?.length ? [[seq, counted.join(' ')]] : [];
      });
      if (rows.length > 0) {
        await queryRunner.query(
          `INSERT INTO ${BUILD} (rowid, tokens) VALUES ${rows.map(() => '(?, ?)').join(', ')}`,
          rows.flat(),
        );
      }
    });
    const logger = new Logger('CustomerTokenCounts');
    const started = Date.now();
    await queryRunner.query(
      `CREATE VIRTUAL TABLE temp.${BUILD}_vocab USING fts5vocab(main, ${BUILD}, 'row')`,
    );
    await queryRunner.query(
      `INSERT INTO ${TABLE} (token, n) SELECT term, doc FROM temp.${BUILD}_vocab WHERE doc >= ?`,
      [COUNTED_MIN],
    );
    await queryRunner.query(`DROP TABLE temp.${BUILD}_vocab`);
    await queryRunner.query(`DROP TABLE ${BUILD}`);
    const [{ tokens }] = (await queryRunner.query(`SELECT COUNT(*) AS tokens FROM ${TABLE}`)) as {
      tokens: number;
    }[];
    logger.log(
      `${tokens.toLocaleString('en')} tokens held by ${COUNTED_MIN} customers or more counted in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${TABLE}`);
  }
}
