import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';

import { parseDatabaseUrl } from '@server/config/database-url';
import { buildDataSourceOptions } from '@server/database/data-source-options';
import { guardPool, mysqlPool } from '@server/database/pool-guard';
import { TransactionRunner } from '@server/database/transaction-runner';

/** `TEST_MYSQL_URL` without a trailing slash: a database name is appended. */
export const MYSQL_SPEC_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(
  /\/+$/,
  '',
);

/** A MySQL/MariaDB spec's database, its one-connection guarded pool and a runner on it. */
export interface MysqlGuardedRunner {
  dataSource: DataSource;
  tx: TransactionRunner;
}

/**
 * Registers, around the calling `describe`: database `database` with the tables of `schema` (run
 * outside the timed pool: schema changes may take longer than its timeout), a data source of one
 * connection (a reused connection would be the one a test timed out, and its session counters are
 * the runner's) with `statementTimeoutMs`, its pool guarded (`guardPool`, leak watch at `leakMs`), and
 * a `TransactionRunner`; after all, the database is dropped. The fields are set in `beforeAll`.
 */
export function mysqlGuardedRunner(
  database: string,
  schema: readonly string[],
  statementTimeoutMs: number,
  leakMs: number,
): MysqlGuardedRunner {
  const fixture = {} as MysqlGuardedRunner;
  beforeAll(async () => {
    const admin = await createConnection(MYSQL_SPEC_URL);
    await admin.query(`CREATE DATABASE ${database}`);
    for (const sql of schema) {
      await admin.query(sql);
    }
    await admin.end();
    fixture.dataSource = new DataSource(
      buildDataSourceOptions(
        parseDatabaseUrl(`${MYSQL_SPEC_URL}/${database}`),
        1,
        statementTimeoutMs,
      ),
    );
    await fixture.dataSource.initialize();
    guardPool(mysqlPool(fixture.dataSource)!, leakMs);
    fixture.tx = new TransactionRunner(fixture.dataSource);
  });
  afterAll(async () => {
    await fixture.dataSource.destroy();
    const admin = await createConnection(MYSQL_SPEC_URL);
    await admin.query(`DROP DATABASE ${database}`);
    await admin.end();
  });
  return fixture;
}
