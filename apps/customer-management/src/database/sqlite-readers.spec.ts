import { loadConfig } from '@server/config/app-config';

import { SqliteReaders } from './sqlite-readers';
import {
  COUNT,
  itReadsCommittedSnapshots,
  itStopsStatementsPastTheirTime,
  POOL_STATEMENT_TIMEOUT_MS,
  walReadPool,
} from './testing/wal-read-pool';

// The read connections on the event loop's thread (SQLITE_READ_WORKERS=0) on a real WAL database,
// beside a writer connection of the test's own. On workers: sqlite-read-workers.spec.ts.
describe('SqliteReaders', () => {
  const wal = walReadPool(
    'sqlite-readers-',
    (file) =>
      new SqliteReaders(
        loadConfig({
          DATABASE_URL: `sqlite:${file}`,
          SQLITE_READ_CONNECTIONS: '2',
          SQLITE_READ_WORKERS: '0',
          DB_STATEMENT_TIMEOUT_MS: String(POOL_STATEMENT_TIMEOUT_MS),
        }),
      ),
  );

  itReadsCommittedSnapshots(wal);
  itStopsStatementsPastTheirTime(wal);

  it('lets a read wait for a free connection beyond the pool size, in arrival order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const held = [1, 2].map((n) =>
      wal.pool.snapshot(async (batch) => {
        await batch([{ sql: COUNT, params: [] }]);
        await gate;
        order.push(`held ${n}`);
      }),
    );
    const third = wal.pool.one(COUNT, []).then(() => order.push('third'));
    await Promise.resolve();
    expect(wal.pool.stats()).toEqual({ total: 2, inUse: 2, waiting: 1, max: 2 });
    expect(order).toEqual([]);
    release();
    await Promise.all([...held, third]);
    expect(order).toEqual(['held 1', 'held 2', 'third']);
    expect(wal.pool.stats()).toEqual({ total: 2, inUse: 0, waiting: 0, max: 2 });
  });

  it('refuses writes (read-only connections) and reads once closed', async () => {
    // Matched on the message: better-sqlite3's native part keeps the error class of the first test
    // file that loaded it, which is not an Error of this file's jest context.
    await expect(
      wal.pool.one('INSERT INTO t (id) VALUES (9) RETURNING id', []),
    ).rejects.toMatchObject({ message: expect.stringMatching(/readonly/i) as unknown });
    await wal.pool.close();
    expect(wal.pool.stats().total).toBe(0);
    await expect(wal.pool.one(COUNT, [])).rejects.toThrow(/connections are closed/);
  });

  it('on close, refuses the reads waiting for a connection and closes busy ones when they end', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = [1, 2].map(() => wal.pool.snapshot(() => gate));
    const waiting = wal.pool.one(COUNT, []);
    await Promise.resolve();
    await wal.pool.close();
    await expect(waiting).rejects.toThrow(/connections are closed/);
    release();
    await Promise.all(held);
    expect(wal.pool.stats()).toEqual({ total: 0, inUse: 0, waiting: 0, max: 2 });
  });

  it('is off for an in-memory database', () => {
    expect(new SqliteReaders(loadConfig({ DATABASE_URL: 'sqlite::memory:' })).enabled).toBe(false);
    expect(wal.pool.enabled).toBe(true);
  });
});
