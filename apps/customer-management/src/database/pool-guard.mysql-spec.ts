// MySQL / MariaDB tier (npm run test:mysql): a statement that outlives DB_STATEMENT_TIMEOUT_MS fails
// at once, its connection is replaced rather than reused, and a write it was part of is absent; a
// wait for a free connection gives up after DB_ACQUIRE_TIMEOUT_MS. `SELECT SLEEP(n)` stands for a
// node that does not answer.
import { createConnection } from 'mysql2/promise';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import { AppException, ErrorKind } from '@app/tmf-common';

import type { AppConfig } from '@server/config/app-config';
import { parseDatabaseUrl } from '@server/config/database-url';

import { buildDataSourceOptions } from './data-source-options';
import { classifyDatabaseError, driverErrorCode, POOL_ACQUIRE_TIMEOUT } from './database-errors';
import { MigrationService } from './migration.service';
import { guardPool, mysqlPool, poolGuardStats, queryPool } from './pool-guard';
import { mysqlGuardedRunner, MYSQL_SPEC_URL } from './testing/mysql-guarded-runner';
import { TransactionRunner } from './transaction-runner';

const URL = MYSQL_SPEC_URL;
const DATABASE = `tmf_pool_guard_${process.pid}`;
const STATEMENT_TIMEOUT_MS = 1000;

describe('guarded MySQL/MariaDB pool', () => {
  const db = mysqlGuardedRunner(
    DATABASE,
    [`CREATE TABLE ${DATABASE}.t (id INT PRIMARY KEY)`],
    STATEMENT_TIMEOUT_MS,
    1000,
  );

  const connectionId = async () =>
    Number((await db.dataSource.query<{ id: number }[]>('SELECT CONNECTION_ID() AS id'))[0].id);

  it('fails a statement with no answer in time and replaces its connection', async () => {
    const before = await connectionId();
    const discarded = poolGuardStats(mysqlPool(db.dataSource))!.discarded;
    const err = await db.dataSource.query<unknown>('SELECT SLEEP(3)').catch((e: unknown) => e);
    expect(classifyDatabaseError(err)).toBe('unreachable');
    // The next statement gets a fresh connection, not the one still sleeping.
    expect(await connectionId()).not.toBe(before);
    expect(poolGuardStats(mysqlPool(db.dataSource))!.discarded).toBe(discarded + 1);
  });

  it('the raw read path (queryPool) is bounded and replaces the connection too', async () => {
    const pool = mysqlPool(db.dataSource)!;
    const before = await connectionId();
    const err = await queryPool(pool, 'SELECT SLEEP(3)', [], STATEMENT_TIMEOUT_MS).catch(
      (e: unknown) => e,
    );
    expect(classifyDatabaseError(err)).toBe('unreachable');
    expect(await connectionId()).not.toBe(before);
    // A server error is an answer: that connection stays.
    const kept = await connectionId();
    await expect(queryPool(pool, 'SELECT * FROM missing_table', [], 1000)).rejects.toThrow();
    expect(await connectionId()).toBe(kept);
  });

  it('a list statement is stopped by MariaDB itself before the client timeout, on a connection kept', async () => {
    const tx = new TransactionRunner(db.dataSource);
    await tx.onModuleInit();
    const [{ v }] = await db.dataSource.query<{ v: string }[]>('SELECT VERSION() AS v');
    const before = await connectionId();
    const discarded = poolGuardStats(mysqlPool(db.dataSource))!.discarded;
    const err = await tx
      .readRows((query) => query('SELECT SLEEP(3) AS s', []))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    expect((err as AppException).code).toBe('DATABASE_UNAVAILABLE');
    if (!/mariadb/i.test(v)) {
      // MySQL 8: the client's timeout alone (its connection replaced).
      return;
    }
    // max_statement_time at 90 % of the timeout: the server's answer (1969), not the client giving
    // up, so the connection was not replaced.
    expect((err as AppException).message).toMatch(/ran longer than the database statement timeout/);
    expect(await connectionId()).toBe(before);
    expect(poolGuardStats(mysqlPool(db.dataSource))!.discarded).toBe(discarded);
    // A list statement within the bound answers.
    expect(await tx.readRows((query) => query('SELECT SLEEP(0.1) AS s', []))).toEqual([{ s: 0 }]);
  });

  it('a write whose statement times out answers 503 DATABASE_UNAVAILABLE and is absent', async () => {
    const err = await db.tx
      .write(async (manager) => {
        await manager.query('INSERT INTO t VALUES (1)');
        await manager.query('SELECT SLEEP(3)');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    expect((err as AppException).kind).toBe(ErrorKind.ServiceUnavailable);
    expect((err as AppException).code).toBe('DATABASE_UNAVAILABLE');
    expect((err as AppException).headers['retry-after']).toBe('5');
    // Its connection was closed, so the server rolled the INSERT back; the next write commits.
    await db.tx.write((manager) => manager.query('INSERT INTO t VALUES (2)'));
    expect(await db.dataSource.query('SELECT id FROM t')).toEqual([{ id: 2 }]);
  });

  it('a wait for a free connection gives up after the acquire timeout', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect(); // holds the pool's only connection
    try {
      const err = await db.dataSource.query<unknown>('SELECT 1').catch((e: unknown) => e);
      expect(driverErrorCode(err)).toBe(POOL_ACQUIRE_TIMEOUT);
      expect(classifyDatabaseError(err)).toBe('unreachable');
    } finally {
      await runner.release();
    }
    // The connection that came free is back in the pool and serves.
    expect(await db.dataSource.query('SELECT 1 AS x')).toEqual([{ x: 1 }]);
  });

  it('runs migrations without the statement timeout, and restores it after', async () => {
    class SlowIndexBuild1000000000000 implements MigrationInterface {
      async up(runner: QueryRunner): Promise<void> {
        await runner.query('SELECT SLEEP(1.5)');
      }
      async down(): Promise<void> {}
    }
    const migrating = new DataSource({
      ...buildDataSourceOptions(parseDatabaseUrl(`${URL}/${DATABASE}`), 2, STATEMENT_TIMEOUT_MS),
      migrations: [SlowIndexBuild1000000000000],
    });
    await migrating.initialize();
    try {
      await new MigrationService(migrating, { migrationsRun: true } as AppConfig).onModuleInit();
      expect(await migrating.showMigrations()).toBe(false);
      const err = await migrating.query<unknown>('SELECT SLEEP(3)').catch((e: unknown) => e);
      expect(classifyDatabaseError(err)).toBe('unreachable');
    } finally {
      await migrating.destroy();
    }
  });

  it('a failed migrations check gives its connection back (probes during an outage do not empty the pool)', async () => {
    const probing = new DataSource(
      buildDataSourceOptions(parseDatabaseUrl(`${URL}/${DATABASE}`), 2, STATEMENT_TIMEOUT_MS),
    );
    await probing.initialize();
    guardPool(mysqlPool(probing)!, 1000);
    const migrations = new MigrationService(probing, { migrationsRun: true } as AppConfig);
    const answer = await migrations.upToDate();
    // The migrations table write-locked elsewhere: the check's read gets no answer in time.
    const locker = await createConnection(`${URL}/${DATABASE}`);
    try {
      await locker.query('LOCK TABLES migrations WRITE');
      for (let probe = 0; probe < 4; probe++) {
        const err = await migrations.upToDate().catch((e: unknown) => e);
        expect(classifyDatabaseError(err)).toBe('unreachable');
      }
      await locker.query('UNLOCK TABLES');
      // Four failed probes on a pool of two: a kept connection would leave none for this one.
      expect(await migrations.upToDate()).toBe(answer);
    } finally {
      await locker.end();
      await probing.destroy();
    }
  });
});

describe('guarded pool: leak detection', () => {
  /** A pool of two whose leak watch reports a connection held 300 ms or more. */
  async function watchedPool() {
    const { createPool } = await import('mysql2');
    const pool = createPool({ uri: URL, connectionLimit: 2 });
    const reports: { heldMs: number; takenAt: string }[] = [];
    guardPool(pool, 1000, {
      afterMs: 300,
      report: (heldMs, takenAt) => reports.push({ heldMs, takenAt }),
    });
    return { pool, reports };
  }

  it('reports a connection held past DB_LEAK_DETECTION_MS once, with the stack that took it; not one given back', async () => {
    const { pool, reports } = await watchedPool();
    const take = () =>
      new Promise<import('mysql2').PoolConnection>((resolve, reject) =>
        pool.getConnection((err, connection) => (err ? reject(err) : resolve(connection))),
      );
    async function holdsOneConnection() {
      return take();
    }
    try {
      const given = await take();
      given.release();
      const held = await holdsOneConnection();
      const deadline = Date.now() + 10_000;
      while (reports.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // A few more passes of the watch: still one report.
      await new Promise((r) => setTimeout(r, 400));
      expect(reports).toHaveLength(1);
      expect(reports[0].heldMs).toBeGreaterThanOrEqual(300);
      expect(reports[0].takenAt).toContain('holdsOneConnection');
      held.release();
    } finally {
      await new Promise<void>((resolve) => pool.end(() => resolve()));
    }
  });

  it('describes a connection held by one queryPool statement by its SQL, with no stack captured', async () => {
    const { pool, reports } = await watchedPool();
    try {
      await queryPool(pool, 'SELECT SLEEP(1) AS held', [], undefined);
      expect(reports).toHaveLength(1);
      expect(reports[0].takenAt).toBe('one statement: SELECT SLEEP(1) AS held');
    } finally {
      await new Promise<void>((resolve) => pool.end(() => resolve()));
    }
  });
});
