import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import { buildDataSourceOptions } from './data-source-options';
import { CustomerSearchDeleteMerge1795980000000 } from './migrations/sqlite/1795980000000-customer-search-delete-merge';

// The connection settings the write path's cost depends on (docs/performance.md), read back from
// a real SQLite connection opened with the app's options.
describe('SQLite connection settings', () => {
  let dir: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dso-'));
    dataSource = new DataSource(
      buildDataSourceOptions({ type: 'sqlite', file: join(dir, 'db.sqlite') }),
    );
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const pragma = async (name: string) =>
    Object.values((await dataSource.query<Record<string, unknown>[]>(`PRAGMA ${name}`))[0])[0];

  it('journals in WAL mode without a sync per commit', async () => {
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(1); // NORMAL
  });

  it('keeps savepoint sub-journals in memory, not in a temporary file', async () => {
    expect(await pragma('temp_store')).toBe(2); // MEMORY
  });

  it("keeps the writer's page cache at 8 MiB, half better-sqlite3's default", async () => {
    expect(await pragma('cache_size')).toBe(-8192);
  });

  it('enforces foreign keys', async () => {
    expect(await pragma('foreign_keys')).toBe(1);
  });

  it("the token index merges a segment away at 50 % of its rows deleted; undone, at FTS5's 10 %", async () => {
    const setting = async () =>
      (
        await dataSource.query<{ v: number }[]>(
          "SELECT v FROM customer_search_config WHERE k = 'deletemerge'",
        )
      )[0]?.v;
    await dataSource.runMigrations();
    expect(await setting()).toBe(50);
    const migration = new CustomerSearchDeleteMerge1795980000000();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      expect(await setting()).toBe(10);
      await migration.up(runner);
      expect(await setting()).toBe(50);
    } finally {
      await runner.release();
    }
  });
});
