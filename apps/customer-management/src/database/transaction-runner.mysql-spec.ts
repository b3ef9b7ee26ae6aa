// MySQL / MariaDB tier (npm run test:mysql): write transactions run READ COMMITTED, with the level
// set once per pooled connection; real deadlocks are retried, and refusals are 503s.
import { createConnection } from 'mysql2/promise';
import { DataSource, EntityManager } from 'typeorm';
import { MysqlQueryRunner } from 'typeorm/driver/mysql/MysqlQueryRunner';

import { AppException } from '@app/tmf-common';

import { GroupRead, GroupWrite, TransactionRunner } from './transaction-runner';
import { MYSQL_SPEC_URL as URL } from './testing/mysql-guarded-runner';

const DATABASE = `tmf_tx_runner_${process.pid}`;

// Without init the runner knows no server flavour and runs each write alone; after init (as in
// the app) writes are grouped, two groups at once with a pool of ten (DB_WRITE_GROUPS' default).
describe.each([
  { mode: 'one transaction per write', grouped: false },
  { mode: 'write groups', grouped: true },
])('TransactionRunner on MySQL/MariaDB, $mode', ({ grouped }) => {
  let dataSource: DataSource;
  let tx: TransactionRunner;
  const database = `${DATABASE}_${grouped ? 'g' : 's'}`;

  beforeAll(async () => {
    const admin = await createConnection(URL);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    dataSource = new DataSource({
      type: 'mysql',
      url: `${URL}/${database}`,
      poolSize: grouped ? 10 : 3,
      multipleStatements: true, // as the app's: a group's closing statements are one query
    });
    await dataSource.initialize();
    tx = new TransactionRunner(dataSource);
    if (grouped) {
      await tx.onModuleInit();
    }
  });
  afterAll(async () => {
    await dataSource.query(`DROP DATABASE ${database}`);
    await dataSource.destroy();
  });

  it('runs every write transaction READ COMMITTED, on every pooled connection', async () => {
    const levels = await Promise.all(
      Array.from({ length: 12 }, () =>
        tx.write(async (manager) => {
          // tx_isolation on MariaDB < 11.1, transaction_isolation on MySQL 8 and later MariaDB.
          const rows = await manager.query<{ Value: string }[]>(
            "SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_isolation', 'transaction_isolation')",
          );
          return rows[0].Value;
        }),
      ),
    );
    expect(new Set(levels)).toEqual(new Set(['READ-COMMITTED']));
  });

  it('rolls back a failed unit and gives its connection back', async () => {
    await dataSource.query('CREATE TABLE t (id INT PRIMARY KEY)');
    await expect(
      tx.write(async (manager) => {
        await manager.query('INSERT INTO t VALUES (1)');
        throw new Error('fails after writing');
      }),
    ).rejects.toThrow('fails after writing');
    await tx.write((manager) => manager.query('INSERT INTO t VALUES (2)'));
    expect(await dataSource.query('SELECT id FROM t')).toEqual([{ id: 2 }]);
  });

  /**
   * Two writes lock rows 1 and 2 in opposite orders and meet in the middle: InnoDB picks one as the
   * deadlock victim (1213) and rolls it back. Returns each write's outcome.
   */
  async function deadlock(onEach?: () => void): Promise<PromiseSettledResult<string>[]> {
    await dataSource.query('CREATE TABLE IF NOT EXISTS d (id INT PRIMARY KEY, v INT NOT NULL)');
    await dataSource.query('REPLACE INTO d VALUES (1, 0), (2, 0)');
    let bothLocked!: () => void;
    const firstLocks = new Promise<void>((resolve) => (bothLocked = resolve));
    let locked = 0;
    const crossing = (first: number, second: number) => async (manager: EntityManager) => {
      onEach?.();
      await manager.query('UPDATE d SET v = v + 1 WHERE id = ?', [first]);
      if (++locked === 2) {
        bothLocked();
      }
      await firstLocks;
      await manager.query('UPDATE d SET v = v + 1 WHERE id = ?', [second]);
      return `${first}-${second}`;
    };
    return Promise.allSettled([tx.write(crossing(1, 2)), tx.write(crossing(2, 1))]);
  }

  it('runs a deadlock victim again: both writes commit, each once', async () => {
    const before = tx.retryStats.conflictRetries;
    const outcomes = await deadlock();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(tx.retryStats.conflictRetries).toBe(before + 1);
    expect(await dataSource.query('SELECT id, v FROM d ORDER BY id')).toEqual([
      { id: 1, v: 2 },
      { id: 2, v: 2 },
    ]);
  });

  it('answers 503 TRANSACTION_CONFLICT with Retry-After once every attempt lost, writing nothing', async () => {
    tx.retryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
    try {
      const outcomes = await deadlock();
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      const err = failed[0].reason as AppException;
      expect(err).toBeInstanceOf(AppException);
      expect(err.code).toBe('TRANSACTION_CONFLICT');
      expect(err.headers['retry-after']).toBe('1');
      // The winner's two increments only: the victim is absent.
      expect(await dataSource.query('SELECT SUM(v) AS s FROM d')).toEqual([{ s: '2' }]);
    } finally {
      tx.retryPolicy = { attempts: 10, baseDelayMs: 5, maxDelayMs: 400 };
    }
  });

  it('a write refused as read-only (1792) is a 503 DATABASE_UNAVAILABLE, not retried', async () => {
    await dataSource.query('CREATE TABLE IF NOT EXISTS r (id INT PRIMARY KEY)');
    let runs = 0;
    const err = (await tx
      .write(async (manager) => {
        runs++;
        // The runner's transaction ends here; the insert then runs in a read-only one.
        await manager.query('COMMIT');
        await manager.query('START TRANSACTION READ ONLY');
        await manager.query('INSERT INTO r VALUES (1)');
      })
      .catch((e: unknown) => e)) as AppException;
    expect(err).toBeInstanceOf(AppException);
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(runs).toBe(1);
    expect(await dataSource.query('SELECT id FROM r')).toEqual([]);
  });

  it('a COMMIT answered with a Galera error (1180) after the write was applied is not run again: 503, outcome unknown', async () => {
    await dataSource.query('CREATE TABLE IF NOT EXISTS c (id INT AUTO_INCREMENT PRIMARY KEY)');
    let runs = 0;
    const err = (await tx
      .write(async (manager) => {
        runs++;
        await manager.query('INSERT INTO c VALUES ()');
        // What a node cut off mid-commit answers while the nodes keeping the quorum apply the
        // write set: here the real COMMIT runs, and its answer is that error.
        const runner = manager.queryRunner!;
        const commit = runner.commitTransaction.bind(runner);
        runner.commitTransaction = async () => {
          await commit();
          throw Object.assign(new Error('Got error 6 "No such device or address" during COMMIT'), {
            errno: 1180,
            code: 'ER_ERROR_DURING_COMMIT',
          });
        };
      })
      .catch((e: unknown) => e)) as AppException;
    expect(err).toBeInstanceOf(AppException);
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(err.message).toMatch(/may or may not have been applied/);
    expect(runs).toBe(1);
    expect(await dataSource.query('SELECT COUNT(*) AS n FROM c')).toEqual([{ n: '1' }]);
  });

  it('runs a write that timed out waiting for a lock (1205) once more only, then 503 TRANSACTION_CONFLICT', async () => {
    await dataSource.query('CREATE TABLE IF NOT EXISTS w (id INT PRIMARY KEY, v INT NOT NULL)');
    await dataSource.query('REPLACE INTO w VALUES (1, 0)');
    // Another session holds the row for the whole test.
    const holder = await createConnection(`${URL}/${database}`);
    await holder.query('START TRANSACTION');
    await holder.query('UPDATE w SET v = 1 WHERE id = 1');
    let runs = 0;
    try {
      const err = (await tx
        .write(async (manager) => {
          runs++;
          await manager.query('SET SESSION innodb_lock_wait_timeout = 1');
          await manager.query('UPDATE w SET v = 2 WHERE id = 1');
        })
        .catch((e: unknown) => e)) as AppException;
      expect(err).toBeInstanceOf(AppException);
      expect(err.code).toBe('TRANSACTION_CONFLICT');
      expect(runs).toBe(2);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await dataSource.query('SELECT v FROM w')).toEqual([{ v: 0 }]);
  });

  it('commits concurrent writes, undoing only the units that fail (first of a group or not)', async () => {
    await dataSource.query('CREATE TABLE g (id INT PRIMARY KEY)');
    const failing = new Set([3, 4, 12]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        tx.write(async (manager) => {
          await manager.query('INSERT INTO g VALUES (?)', [i]);
          if (failing.has(i)) {
            throw new Error(`unit ${i} fails after writing`);
          }
          // Rows of this write and of the writes before it in its transaction (committed or not).
          const [{ n }] = await manager.query<{ n: string }[]>(
            'SELECT COUNT(*) AS n FROM g WHERE id >= 2',
          );
          return Number(n);
        }),
      ),
    );
    outcomes.forEach((outcome, i) => {
      if (failing.has(i)) {
        expect(outcome).toEqual({
          status: 'rejected',
          reason: new Error(`unit ${i} fails after writing`),
        });
      } else {
        expect(outcome.status).toBe('fulfilled');
      }
    });
    const rows = await dataSource.query<{ id: number }[]>('SELECT id FROM g ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => !failing.has(i)),
    );
    if (grouped) {
      // Writes 0 and 1 each started a group; 2..19 waited and shared the next one's transaction,
      // the last seeing every row of its group (the failed writes' undone).
      const last = outcomes[19] as PromiseFulfilledResult<number>;
      expect(last.value).toBe(15);
    }
  });
  it('runs a group without savepoints, each unit once, while no unit fails after changing rows', async () => {
    await dataSource.query('CREATE TABLE s (id INT PRIMARY KEY)');
    const runs = new Array<number>(20).fill(0);
    const refused = (i: number) => i % 5 === 3;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        tx.write(async (manager) => {
          runs[i]++;
          // A locking read, then the refusal (as a 404 or a 412 would be) before any row changed:
          // a DELETE that found nothing (as a DELETE of a missing customer) changed none.
          await manager.query('SELECT id FROM s WHERE id = ? FOR UPDATE', [i]);
          if (refused(i)) {
            await manager.query('DELETE FROM s WHERE id = ?', [1000 + i]);
            throw new Error(`unit ${i} refused before writing`);
          }
          await manager.query('INSERT INTO s VALUES (?)', [i]);
          const [{ Value }] = await manager.query<{ Value: string }[]>(
            "SHOW SESSION STATUS LIKE 'Com_savepoint'",
          );
          return Number(Value);
        }),
      ),
    );
    expect(runs).toEqual(new Array<number>(20).fill(1));
    outcomes.forEach((outcome, i) =>
      expect(outcome.status).toBe(refused(i) ? 'rejected' : 'fulfilled'),
    );
    const rows = await dataSource.query<{ id: number }[]>('SELECT id FROM s ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => !refused(i)),
    );
    if (grouped) {
      // Writes 2..19 shared one transaction on one connection: no SAVEPOINT between them.
      const savepointsAt = (i: number) => (outcomes[i] as PromiseFulfilledResult<number>).value;
      expect(savepointsAt(19)).toBe(savepointsAt(2));
    }
  });

  it('runs the group again without a unit that failed after writing, the others committed once', async () => {
    await dataSource.query('CREATE TABLE f (id INT PRIMARY KEY, runs INT NOT NULL)');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        tx.write(async (manager) => {
          await manager.query(
            'INSERT INTO f VALUES (?, 1) ON DUPLICATE KEY UPDATE runs = runs + 1',
            [i],
          );
          if (i === 7) {
            throw new Error('unit 7 fails after writing');
          }
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(
      Array.from({ length: 12 }, (_, i) => (i === 7 ? 'rejected' : 'fulfilled')),
    );
    // Each committed once (a rolled-back run leaves no increment), unit 7 not at all.
    expect(await dataSource.query('SELECT id, runs FROM f ORDER BY id')).toEqual(
      Array.from({ length: 12 }, (_, i) => i)
        .filter((i) => i !== 7)
        .map((id) => ({ id, runs: 1 })),
    );
  });

  it('runs a group again with each unit writing its own group items when a group write fails, only the bad unit failing', async () => {
    await dataSource.query('CREATE TABLE gw (id INT PRIMARY KEY)');
    await dataSource.query('INSERT INTO gw VALUES (1005)');
    const statements: string[] = [];
    const rows: GroupWrite<number> = {
      run: async (manager, ids) => {
        statements.push(ids.join(','));
        await manager.query(`INSERT INTO gw VALUES ${ids.map(() => '(?)').join(', ')}`, ids);
        return [];
      },
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        tx.write(async (manager) => {
          // 1005 is taken: that unit's row fails, whichever statement carries it.
          await tx.groupWrite(manager, rows, [1000 + i]);
          return i;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(
      Array.from({ length: 12 }, (_, i) => (i === 5 ? 'rejected' : 'fulfilled')),
    );
    expect((outcomes[5] as PromiseRejectedResult).reason).toMatchObject({ errno: 1062 });
    const stored = await dataSource.query<{ id: number }[]>('SELECT id FROM gw ORDER BY id');
    expect(stored.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => 1000 + i));
    if (grouped) {
      // A group holding 1005 failed its one INSERT and ran again, a statement per unit.
      expect(statements.some((s) => s.includes(',') && s.includes('1005'))).toBe(true);
      expect(statements).toContain('1005');
    }
  });

  it("sends a group's closing statements as one query; a bad one fails its unit only", async () => {
    await dataSource.query('CREATE TABLE ga (id INT PRIMARY KEY)');
    await dataSource.query('CREATE TABLE gb (id INT PRIMARY KEY)');
    const both: GroupWrite<number> = {
      run: (_, ids) =>
        Promise.resolve([
          { sql: `INSERT INTO ga VALUES ${ids.map(() => '(?)').join(', ')}`, params: ids },
          { sql: `INSERT INTO gb VALUES ${ids.map(() => '(?)').join(', ')}`, params: ids },
        ]),
    };
    const sent: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its `this` below
    const query = MysqlQueryRunner.prototype.query;
    const spy = jest.spyOn(MysqlQueryRunner.prototype, 'query').mockImplementation(function (
      this: MysqlQueryRunner,
      sql,
      ...rest
    ) {
      sent.push(sql);
      return query.call(this, sql, ...rest);
    });
    try {
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          tx.write(async (manager) => tx.groupWrite(manager, both, [i])),
        ),
      );
    } finally {
      spy.mockRestore();
    }
    expect(await dataSource.query('SELECT id FROM gb ORDER BY id')).toEqual(
      Array.from({ length: 6 }, (_, id) => ({ id })),
    );
    const closing = sent.filter((sql) => sql.includes('INSERT INTO ga'));
    expect(closing.length).toBeGreaterThan(0);
    if (grouped) {
      closing.forEach((sql) => expect(sql).toMatch(/INSERT INTO ga[^;]*;\s*INSERT INTO gb/));
    }

    // The second statement fails for one unit (a duplicate key): that unit's rows all go, its own
    // included; the others' stay.
    await dataSource.query('INSERT INTO gb VALUES (503)');
    const outcomes = await Promise.allSettled(
      [500, 501, 502, 503, 504].map((id) =>
        tx.write(async (manager) => {
          await manager.query('INSERT INTO ga VALUES (?)', [id + 1000]);
          await tx.groupWrite(manager, both, [id]);
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const stored = await dataSource.query<{ id: number }[]>(
      'SELECT id FROM ga WHERE id >= 500 ORDER BY id',
    );
    expect(stored.map((r) => r.id)).toEqual([500, 501, 502, 504, 1500, 1501, 1502, 1504]);
  });

  it('reads the prefetch keys of a group once for all its units, and again after a rollback', async () => {
    await dataSource.query('CREATE TABLE pf (id INT PRIMARY KEY, v INT NOT NULL)');
    await dataSource.query(
      `INSERT INTO pf VALUES ${Array.from({ length: 12 }, (_, i) => `(${i}, ${i * 10})`).join(', ')}`,
    );
    const reads: number[][] = [];
    const locked: GroupRead<number, number> = {
      run: async (manager, ids) => {
        reads.push(ids);
        const rows = await manager.query<{ id: number; v: number }[]>(
          `SELECT id, v FROM pf WHERE id IN (${ids.map(() => '?').join(', ')}) FOR UPDATE`,
          ids,
        );
        return new Map(rows.map((r) => [r.id, r.v]));
      },
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        tx.write(
          async (manager) => {
            const found = tx.prefetched(manager, locked, i);
            const v =
              found?.value ??
              (
                await manager.query<{ v: number }[]>('SELECT v FROM pf WHERE id = ? FOR UPDATE', [
                  i,
                ])
              )[0].v;
            await manager.query('UPDATE pf SET v = v + 1 WHERE id = ?', [i]);
            if (i === 7) {
              throw new Error('unit 7 fails after writing');
            }
            return { v, prefetched: found !== undefined };
          },
          { read: locked, key: i },
        ),
      ),
    );
    outcomes.forEach((outcome, i) => {
      if (i === 7) {
        expect(outcome.status).toBe('rejected');
      } else {
        expect(outcome).toMatchObject({ status: 'fulfilled', value: { v: i * 10 } });
      }
    });
    expect(await dataSource.query('SELECT id, v FROM pf ORDER BY id')).toEqual(
      Array.from({ length: 12 }, (_, id) => ({ id, v: id * 10 + (id === 7 ? 0 : 1) })),
    );
    if (grouped) {
      // Each group read its units' keys in one statement; the group with unit 7 read again
      // without it after its rollback.
      expect(reads.some((ids) => ids.length > 1)).toBe(true);
      const withSeven = reads.filter((ids) => ids.includes(7));
      expect(withSeven).toHaveLength(1);
      expect(
        reads.some(
          (ids) =>
            ids.length > 1 && !ids.includes(7) && ids.some((id) => withSeven[0].includes(id)),
        ),
      ).toBe(true);
    } else {
      expect(reads).toEqual([]);
    }
  });
});
