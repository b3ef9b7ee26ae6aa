import { QueryRunner } from 'typeorm';

/**
 * Fills `customer_count` from the customers (one row per count, shard 0): the total, and per value
 * of `status` and `at_type`. Each is one pass over an index (`status`, `at_type`) or the table.
 */
export async function fillCustomerCounts(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(
    "INSERT INTO customer_count (dim, val, shard, n) SELECT 'total', '', 0, COUNT(*) FROM customer",
  );
  for (const column of ['status', 'at_type']) {
    await queryRunner.query(
      `INSERT INTO customer_count (dim, val, shard, n)
       SELECT '${column}', ${column}, 0, COUNT(*) FROM customer WHERE ${column} IS NOT NULL GROUP BY ${column}`,
    );
  }
}
