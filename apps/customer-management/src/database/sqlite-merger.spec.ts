import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { AppConfig } from '@server/config/app-config';

import { decodeFts5Structure } from './fts5-structure';
import { nextMergePause, shouldResumeMerging, SqliteMerger } from './sqlite-merger';
import { SqliteWriteTurn } from './sqlite-write-turn';

describe(nextMergePause.name, () => {
  it('doubles the pause while write groups wait for passes, up to the longest', () => {
    expect(nextMergePause(20, true, 20, 2000)).toBe(40);
    expect(nextMergePause(1500, true, 20, 2000)).toBe(2000);
    expect(nextMergePause(2000, true, 20, 2000)).toBe(2000);
  });

  it('halves it back to the configured pause when no write waited', () => {
    expect(nextMergePause(2000, false, 20, 2000)).toBe(1000);
    expect(nextMergePause(30, false, 20, 2000)).toBe(20);
    expect(nextMergePause(20, false, 20, 2000)).toBe(20);
  });
});

describe(shouldResumeMerging.name, () => {
  it('merges again once the index has gained the configured number of segments', () => {
    expect(shouldResumeMerging(7, 4, 4)).toBe(false);
    expect(shouldResumeMerging(8, 4, 4)).toBe(true);
    expect(shouldResumeMerging(1, 4, 1)).toBe(false);
  });
});

const TABLE = `CREATE VIRTUAL TABLE customer_search USING fts5(tokens, content='', contentless_delete=1, detail=none, tokenize='ascii')`;

function segmentsOf(db: Database.Database) {
  const row = db.prepare('SELECT block FROM customer_search_data WHERE id = 10').get() as {
    block: Buffer;
  };
  return decodeFts5Structure(row.block);
}

describe(decodeFts5Structure.name, () => {
  it('reads the segments of each level of a contentless-delete table', () => {
    const db = new Database(':memory:');
    db.exec(TABLE);
    const insert = db.prepare('INSERT INTO customer_search (rowid, tokens) VALUES (?, ?)');
    // One segment per transaction; automerge merges four of a level into one of the next.
    for (let t = 0; t < 6; t++) {
      db.transaction(() => {
        for (let i = 0; i < 50; i++) {
          insert.run(t * 1000 + i, `a${i} b${i % 7}`);
        }
      })();
    }
    const before = segmentsOf(db);
    expect(before.segments).toBe(before.levels.reduce((sum, level) => sum + level.segments, 0));
    expect(before.segments).toBeGreaterThan(1);
    db.exec(`INSERT INTO customer_search (customer_search) VALUES ('optimize')`);
    const after = segmentsOf(db);
    expect(after.segments).toBe(1);
    expect(after.levels.filter((l) => l.segments > 0)).toHaveLength(1);
    expect(after.levels.reduce((sum, l) => sum + l.pages, 0)).toBeGreaterThan(0);
    db.close();
  });
});

// The worker runs the functions above from their source text: it must start and merge for real,
// while write transactions that read before they write keep succeeding in the writer's turn.
describe(SqliteMerger.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'merge-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges the token index down while deferred write transactions keep committing', async () => {
    const file = join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(TABLE);
    db.exec('CREATE TABLE n (k INTEGER PRIMARY KEY, v INTEGER)');
    db.exec('INSERT INTO n VALUES (1, 0)');
    const insert = db.prepare('INSERT INTO customer_search (rowid, tokens) VALUES (?, ?)');
    // Automerge off while filling: one segment per transaction, all on level 0.
    db.exec(`INSERT INTO customer_search (customer_search, rank) VALUES ('automerge', 0)`);
    for (let t = 0; t < 12; t++) {
      db.transaction(() => {
        for (let i = 0; i < 400; i++) {
          insert.run(t * 1000 + i, `tok${i % 40} t${t}`);
        }
      })();
    }
    db.exec(`INSERT INTO customer_search (customer_search, rank) VALUES ('automerge', 4)`);
    expect(segmentsOf(db).segments).toBe(12);
    const count = db.prepare(
      'SELECT COUNT(*) AS n FROM customer_search WHERE customer_search MATCH ?',
    );
    const tok7 = (count.get('tok7') as { n: number }).n;

    const turn = new SqliteWriteTurn();
    const merger = new SqliteMerger(
      {
        database: { type: 'sqlite', file },
        sqliteMerge: { pages: 4, pauseMs: 1, resumeSegments: 4 },
      } as AppConfig,
      turn,
    );
    merger.onApplicationBootstrap();
    let writes = 0;
    try {
      // A deferred transaction reads, yields to the event loop, then writes: outside the turn, a
      // merge pass committed in between would fail its write at once (SQLITE_BUSY_SNAPSHOT).
      const read = db.prepare('SELECT v FROM n WHERE k = 1');
      const write = db.prepare('UPDATE n SET v = ? WHERE k = 1');
      // Back to back, as under a steady load: the merger must still get turns (it asks for one).
      for (
        let i = 0;
        i < 5000 && (writes < 20 || merger.stats.merging || !merger.stats.passes);
        i++
      ) {
        await turn.hold(async () => {
          db.exec('BEGIN');
          const { v } = read.get() as { v: number };
          await new Promise((resolve) => setTimeout(resolve, 5));
          write.run(v + 1);
          db.exec('COMMIT');
        });
        writes++;
      }
      expect(merger.stats.merging).toBe(false);
      expect(merger.stats.passes).toBeGreaterThan(1);
    } finally {
      await merger.beforeApplicationShutdown();
    }
    expect((read(db) as { v: number }).v).toBe(writes);
    // usermerge 2: one segment per level.
    const merged = segmentsOf(db);
    expect(merged.segments).toBeLessThan(4);
    expect(merged.levels.every((l) => l.segments <= 1)).toBe(true);
    expect((count.get('tok7') as { n: number }).n).toBe(tok7);
    db.close();
  }, 60_000);
});

function read(db: Database.Database): unknown {
  return db.prepare('SELECT v FROM n WHERE k = 1').get();
}
