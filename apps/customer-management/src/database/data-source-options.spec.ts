import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import { buildDataSourceOptions } from './data-source-options';

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

  it('enforces foreign keys', async () => {
    expect(await pragma('foreign_keys')).toBe(1);
  });
});
