import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A narrow index of the customers in id order, `(id, seq)` (ADR 0008, "Pages"): an `offset` page
 * skips its entries there instead of walking the clustered index (the documents; `offset=500000`
 * read ~650 MB of them at 1,000,000 customers), and a filter tested candidate by candidate in id
 * order reads each one's `seq` there. Built online (reads and writes go on); on MariaDB the build's
 * progress is logged from the server's own estimate.
 */
export class CustomerIdSeqIndex1796000000000 implements MigrationInterface {
  name = 'CustomerIdSeqIndex1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const logger = new Logger(this.name);
    const [{ n }] = (await queryRunner.query('SELECT COUNT(*) AS n FROM customer')) as {
      n: number | string;
    }[];
    logger.log(`indexing ${Number(n).toLocaleString('en')} customers in id order`);
    const started = Date.now();
    const [{ id }] = (await queryRunner.query('SELECT CONNECTION_ID() AS id')) as {
      id: number | string;
    }[];
    const watch = setInterval(() => {
      void logProgress(queryRunner, Number(id), started, logger);
    }, 5000);
    try {
      await queryRunner.query(
        'ALTER TABLE customer ADD INDEX idx_customer_id_seq (id, seq), ALGORITHM=INPLACE, LOCK=NONE',
      );
    } finally {
      clearInterval(watch);
    }
    logger.log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE customer DROP INDEX idx_customer_id_seq');
  }
}

/** MariaDB reports an ALTER's progress in its process list (MySQL does not: nothing is logged). */
async function logProgress(
  queryRunner: QueryRunner,
  connection: number,
  started: number,
  logger: Logger,
): Promise<void> {
  try {
    const rows = await queryRunner.connection.query<{ p: number | string | null }[]>(
      'SELECT PROGRESS AS p FROM information_schema.PROCESSLIST WHERE ID = ?',
      [connection],
    );
    const percent = Number(rows[0]?.p ?? 0);
    if (percent > 0) {
      const seconds = (Date.now() - started) / 1000;
      const left = (seconds * (100 - percent)) / percent;
      logger.log(`${percent.toFixed(1)} % built, about ${Math.ceil(left)} s left`);
    }
  } catch {
    // MySQL has no PROGRESS column: the build goes on without progress lines.
  }
}
