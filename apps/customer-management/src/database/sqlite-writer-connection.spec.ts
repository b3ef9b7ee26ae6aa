import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { openWriter, WAL_SIZE_LIMIT_BYTES } from './sqlite-writer-connection';

// The writer's settings on a real WAL database file.
describe('openWriter', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-writer-connection-'));
    file = join(dir, 'db.sqlite');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts a WAL grown past the limit back once it is checkpointed and written again', () => {
    const writer = openWriter(new Database(file));
    const checkpointer = new Database(file);
    try {
      writer.exec('CREATE TABLE t (x TEXT)');
      // One transaction of ~165 MB of pages, as a migration's batches can leave.
      const insert = writer.prepare('INSERT INTO t (x) VALUES (?)');
      writer.transaction(() => {
        for (let i = 0; i < 40000; i++) {
          insert.run(`${i}`.padEnd(4000, 'x'));
        }
      })();
      const walSize = () => statSync(`${file}-wal`).size;
      expect(walSize()).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
      const [result] = checkpointer.pragma('wal_checkpoint(PASSIVE)') as {
        log: number;
        checkpointed: number;
      }[];
      expect(result.checkpointed).toBe(result.log);
      // The next write starts the WAL again from its beginning, and cuts the file to the limit.
      insert.run('after');
      expect(walSize()).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
      expect(writer.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 40001 });
    } finally {
      checkpointer.close();
      writer.close();
    }
  });
});
