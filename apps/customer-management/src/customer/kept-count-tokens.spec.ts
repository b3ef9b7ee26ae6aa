import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import type { EntityManager } from 'typeorm';

import { KeptCountTokens } from './kept-count-tokens';

describe('KeptCountTokens', () => {
  let dir: string;
  let writer: Database.Database;
  let other: Database.Database;
  let reads: number;
  let manager: EntityManager;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kept-counts-'));
    writer = new Database(join(dir, 'db.sqlite'));
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE counts (token TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID');
    writer.exec("INSERT INTO counts VALUES ('a', 5)");
    other = new Database(join(dir, 'db.sqlite'));
    reads = 0;
    // What KeptCountTokens uses of a manager: `query`, and the connection behind it.
    manager = {
      connection: { driver: { databaseConnection: writer } },
      query: (sql: string) => {
        if (sql.startsWith('SELECT token')) {
          reads++;
        }
        return Promise.resolve(writer.prepare(sql).all());
      },
    } as unknown as EntityManager;
  });

  afterEach(() => {
    writer.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tokens = async (kept: KeptCountTokens) => [...(await kept.current(manager))].sort();

  it('reads the table once while nothing changes it', async () => {
    const kept = new KeptCountTokens('counts');
    expect(await tokens(kept)).toEqual(['a']);
    // The writes' own UPDATEs of `n` change no row's presence.
    writer.exec("UPDATE counts SET n = n + 1 WHERE token = 'a'");
    expect(await tokens(kept)).toEqual(['a']);
    expect(reads).toBe(1);
  });

  it('reads it again after another connection committed', async () => {
    const kept = new KeptCountTokens('counts');
    await tokens(kept);
    other.exec("INSERT INTO counts VALUES ('b', 1)");
    expect(await tokens(kept)).toEqual(['a', 'b']);
    expect(reads).toBe(2);
  });

  it("reads it again after this connection's own insert or delete", async () => {
    const kept = new KeptCountTokens('counts');
    await tokens(kept);
    writer.exec("INSERT INTO counts VALUES ('c', 1)");
    expect(await tokens(kept)).toEqual(['a', 'c']);
    writer.exec("DELETE FROM counts WHERE token = 'a'");
    expect(await tokens(kept)).toEqual(['c']);
  });

  it('reads it again after the table was re-created (a migration undone and redone)', async () => {
    const kept = new KeptCountTokens('counts');
    await tokens(kept);
    writer.exec('DROP TABLE counts');
    writer.exec('CREATE TABLE counts (token TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID');
    writer.exec("INSERT INTO counts VALUES ('d', 1)");
    expect(await tokens(kept)).toEqual(['d']);
    // Its triggers are back: an own insert is seen again.
    writer.exec("INSERT INTO counts VALUES ('e', 1)");
    expect(await tokens(kept)).toEqual(['d', 'e']);
  });

  it('reads every time through a manager without a connection behind it', async () => {
    const kept = new KeptCountTokens('counts');
    const bare = { query: (sql: string) => manager.query(sql) } as unknown as EntityManager;
    await kept.current(bare);
    await kept.current(bare);
    expect(reads).toBe(2);
  });
});
