import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { AppConfig } from '@server/config/app-config';

import { nextCheckpointDelay, SqliteCheckpointer } from './sqlite-checkpointer';

describe(nextCheckpointDelay.name, () => {
  const delay = (log: number, checkpointed: number, previous: number) =>
    nextCheckpointDelay({ log, checkpointed }, previous, 100, 4000);

  it('runs the next pass at once while a large WAL keeps getting pages to copy', () => {
    expect(delay(6000, 5000, 1000)).toBe(0);
    expect(delay(17000, 16990, 16980)).toBe(0);
  });

  it('counts from zero again after the WAL restarted', () => {
    expect(delay(5000, 4900, 14000)).toBe(0);
  });

  it('waits the interval for a small WAL, or when a pass found nothing new', () => {
    expect(delay(3000, 2500, 100)).toBe(100);
    expect(delay(300, 200, 14000)).toBe(100);
    expect(delay(16000, 16000, 16000)).toBe(100);
    expect(delay(0, 0, 0)).toBe(100);
  });
});

// The worker runs the function above from its source text: it must start and checkpoint for real.
describe(SqliteCheckpointer.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ckpt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies a written WAL into the database from its worker', async () => {
    const file = join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0'); // only the worker checkpoints
    db.exec('CREATE TABLE t (v BLOB)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (randomblob(4000))');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        insert.run();
      }
    })();
    const checkpointer = new SqliteCheckpointer({
      database: { type: 'sqlite', file },
    } as AppConfig);
    checkpointer.onApplicationBootstrap();
    try {
      // A pass of our own reports how much of the WAL is already in the database.
      let copied = 0;
      for (let i = 0; i < 30 && copied < 3000; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        copied = (db.pragma('wal_checkpoint(NOOP)') as { checkpointed: number }[])[0].checkpointed;
      }
      expect(copied).toBeGreaterThanOrEqual(3000);
    } finally {
      await checkpointer.onApplicationShutdown();
      db.close();
    }
  });
});
