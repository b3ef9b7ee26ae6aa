import { loadConfig } from '@server/config/app-config';

import { SqliteReaders } from './sqlite-readers';
import { COUNT, walReadPool } from './testing/wal-read-pool';

// From sources a worker compiles its TypeScript when it starts (ts-node): seconds on a busy machine.
jest.setTimeout(60_000);

/** A statement that runs for a few hundred ms whatever the data: a recursive count to 3 million. */
const DEAR = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
  SELECT COUNT(*) AS n FROM c`;

// Where a list runs (`ReadOffload` through `SqliteReaders`), on a real WAL database with real workers.
describe('SqliteReaders: lists moved to the workers by their measured cost', () => {
  const wal = walReadPool(
    'sqlite-read-offload-',
    (file) =>
      new SqliteReaders(
        loadConfig({
          DATABASE_URL: `sqlite:${file}`,
          SQLITE_READ_CONNECTIONS: '1',
          SQLITE_READ_WORKERS: '1',
          SQLITE_READ_OFFLOAD_MS: '5',
        }),
      ),
  );
  const list = (shape: string, sql: string) =>
    wal.pool.snapshot((batch) => batch([{ sql, params: [] }]), undefined, shape);

  it('runs a cheap shape on the event loop for good: no worker starts', async () => {
    for (let i = 0; i < 20; i++) {
      await list('cheap', COUNT);
    }
    expect(wal.pool.workerThreads()).toHaveLength(0);
    expect(wal.pool.offloadedShapes).toBe(0);
  });

  it('moves a dear shape to a worker after three runs on the loop, and keeps a cheap one here', async () => {
    for (let i = 0; i < 3; i++) {
      await list('dear', DEAR);
    }
    expect(wal.pool.workerThreads()).toHaveLength(0);
    expect(wal.pool.offloadedShapes).toBe(1);
    const [rows] = await list('dear', DEAR);
    expect(rows).toEqual([{ n: 3000000 }]);
    expect(wal.pool.workerThreads()).toHaveLength(1);
    // A cheap list while a dear one holds the only worker: answered on the loop, not queued.
    let cheapDone = false;
    const dear = list('dear', DEAR);
    await list('cheap', COUNT).then(() => (cheapDone = true));
    expect(cheapDone).toBe(true);
    expect(wal.pool.stats().inUse).toBe(1);
    await dear;
  });
});
