import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';

import {
  COUNTED_MIN,
  EPOCH_BITS,
  epochOf,
  MYSQL_COUNT_SHARDS,
  mysqlTokenCountDdl,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BatchProgress } from '@server/database/migrations/shared/batch-progress';

const TABLE = 'customer_token_count';
/** Count rows written per INSERT. */
const BATCH = 1000;

/**
 * MySQL/MariaDB: the kept counts of the token table (ADR 0008, "Kept counts"): per `(token, v)`
 * held by at least `countedMin` live customers, their number, kept by every write group after it
 * (`mysql-token-counts.ts`). A filter that is one such key reads its `X-Total-Count` there.
 *
 * Built in two walks of the token table, epoch by epoch, with progress in the log and memory bound
 * by the common keys only (a million customers hold tens of millions of distinct ids and emails):
 * a key held by `countedMin` customers in all is held by at least `countedMin / epochs` of them in
 * one epoch, so the first walk lists the keys that reach that share in some epoch (a streamed
 * `GROUP BY` in key order); they get a row, and the second walk counts their live rows in every
 * epoch (one range per key, a join on the count table). Keys below `countedMin` are then dropped,
 * and the others get their shards. `down` drops the table.
 */
export class CustomerTokenCounts1796100000000 implements MigrationInterface {
  name = 'CustomerTokenCounts1796100000000';

  /** The least number of customers a key must hold to be kept (tests lower it). */
  static countedMin = COUNTED_MIN;

  public async up(queryRunner: QueryRunner): Promise<void> {
    const { table, deadTable } = customerSqlStorage.mysqlTokenIndex!;
    const min = CustomerTokenCounts1796100000000.countedMin;
    await queryRunner.query(mysqlTokenCountDdl(TABLE));
    const [{ n, maxSeq }] = (await queryRunner.query(
      'SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS maxSeq FROM customer',
    )) as { n: number | string; maxSeq: number | string }[];
    const epochs = epochOf(Number(maxSeq)) + 1;
    const customersIn = async (epoch: number) => {
      const [{ done }] = (await queryRunner.query(
        'SELECT COUNT(*) AS done FROM customer WHERE seq >= ? AND seq < ?',
        [epoch * 2 ** EPOCH_BITS, (epoch + 1) * 2 ** EPOCH_BITS],
      )) as { done: number | string }[];
      return Number(done);
    };

    // Every key reaching its share in some epoch, in key order; 0 on shard 0 for now.
    const share = Math.max(1, Math.ceil(min / epochs));
    const candidates = new Set<string>();
    const listing = new BatchProgress('CustomerTokenCounts (common keys)', Number(n));
    for (let epoch = 0; epoch < epochs; epoch++) {
      const keys = (await queryRunner.query(
        `SELECT token, v FROM ${table} WHERE epoch = ? AND rep = 0 GROUP BY token, v HAVING COUNT(*) >= ?`,
        [epoch, share],
      )) as { token: number | string; v: number | string }[];
      for (const { token, v } of keys) {
        candidates.add(`${token}:${v}`);
      }
      listing.advance(await customersIn(epoch));
    }
    const keys = [...candidates].map((key) => key.split(':'));
    await this.insertRows(
      queryRunner,
      keys.map(([token, v]) => [token, v, 0, 0]),
    );

    // Their live rows counted in every epoch.
    const totals = new Map<string, number>();
    const counting = new BatchProgress('CustomerTokenCounts (counts)', Number(n));
    for (let epoch = 0; epoch < epochs; epoch++) {
      const counted = (await queryRunner.query(
        `SELECT c.token, c.v, COUNT(*) AS n FROM ${TABLE} c JOIN ${table} t ` +
          'ON t.epoch = ? AND t.token = c.token AND t.v = c.v ' +
          `WHERE t.rep = 0 AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.seq = t.seq) ` +
          'GROUP BY c.token, c.v',
        [epoch],
      )) as { token: number | string; v: number | string; n: number | string }[];
      for (const row of counted) {
        const key = `${row.token}:${row.v}`;
        totals.set(key, (totals.get(key) ?? 0) + Number(row.n));
      }
      counting.advance(await customersIn(epoch));
    }

    // The common keys' counts on shard 0, 0 on the other shards; the others dropped.
    await queryRunner.query(`DELETE FROM ${TABLE}`);
    const kept = keys.filter(([token, v]) => (totals.get(`${token}:${v}`) ?? 0) >= min);
    await this.insertRows(
      queryRunner,
      kept.flatMap(([token, v]) =>
        Array.from({ length: MYSQL_COUNT_SHARDS }, (_, shard) => [
          token,
          v,
          shard,
          shard === 0 ? totals.get(`${token}:${v}`)! : 0,
        ]),
      ),
    );
    new Logger('CustomerTokenCounts').log(
      `${kept.length.toLocaleString('en')} keys held by ${min} customers or more kept ` +
        `(${candidates.size.toLocaleString('en')} listed)`,
    );
  }

  private async insertRows(queryRunner: QueryRunner, rows: (string | number)[][]): Promise<void> {
    rows.sort((a, b) => compareKeys(a, b));
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      await queryRunner.query(
        `INSERT INTO ${TABLE} (token, v, shard, n) VALUES ${batch.map(() => '(?, ?, ?, ?)').join(', ')}`,
        batch.flat(),
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${TABLE}`);
  }
}

/** Primary-key order of `[token, v, shard, …]` rows (the build appends). */
function compareKeys(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < 3; i++) {
    const x = BigInt(a[i]);
    const y = BigInt(b[i]);
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
