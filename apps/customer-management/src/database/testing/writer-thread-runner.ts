import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import type { AppConfig } from '@server/config/app-config';
import { TransactionRunner } from '@server/database/transaction-runner';

/** A test's WAL database and a `TransactionRunner` whose writes run on the SQLite writer thread. */
export interface WriterThreadRunner {
  dataSource: DataSource;
  tx: TransactionRunner;
}

/**
 * Registers, around each test of the calling `describe`: a WAL database in a folder of its own with
 * the tables of `schema` (statements run in order), and a runner on the writer thread over it; after
 * each, the runner stops (its thread with it) and the folder is removed. The fixture's fields are set
 * in `beforeEach`.
 */
export function writerThreadRunner(prefix: string, schema: readonly string[]): WriterThreadRunner {
  const fixture = {} as WriterThreadRunner;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const file = join(dir, 'db.sqlite');
    fixture.dataSource = new DataSource({ type: 'better-sqlite3', database: file });
    await fixture.dataSource.initialize();
    await fixture.dataSource.query('PRAGMA journal_mode = WAL');
    for (const sql of schema) {
      await fixture.dataSource.query(sql);
    }
    const config = {
      sqliteWriterThread: true,
      database: { type: 'sqlite', file },
    } as unknown as AppConfig;
    fixture.tx = new TransactionRunner(fixture.dataSource, undefined, undefined, config);
  });
  afterEach(async () => {
    await fixture.tx.beforeApplicationShutdown();
    await fixture.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}
