import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQLite: whether `customer.seq` grows with the id, kept in `customer_count` as `seq_disorder` (the
 * number of customers inserted after one with a greater id; 0: seq order is id order). A list in id
 * order whose filter the token index answers alone is then read in the index's row order, which is
 * seq order, and stops after its page. Counted here over the id index: adjacent ids out of seq order.
 */
export class CustomerSeqOrder1795970000000 implements MigrationInterface {
  name = 'CustomerSeqOrder1795970000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO customer_count (dim, val, shard, n)
       SELECT 'seq_disorder', '', 0, COUNT(*)
       FROM (SELECT seq, LAG(seq) OVER (ORDER BY id) AS previous FROM customer)
       WHERE previous > seq`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DELETE FROM customer_count WHERE dim = 'seq_disorder'");
  }
}
