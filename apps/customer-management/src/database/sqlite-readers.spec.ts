import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { loadConfig } from '@server/config/app-config';

import { SqliteReaders } from './sqlite-readers';

// The read connections on the event loop's thread (SQLITE_READ_WORKERS=0) on a real WAL database,
// beside a writer connection of the test's own. On workers: sqlite-read-workers.spec.ts.
describe('SqliteReaders', () => {
  let dir: string;
  let file: string;
  let writer: Database.Database;
  let readers: SqliteReaders;

  const make = (size: number) =>
    new SqliteReaders(
      loadConfig({
        DATABASE_URL: `sqlite:${file}`,
        SQLITE_READ_CONNECTIONS: String(size),
        SQLITE_READ_WORKERS: '0',
      }),
    );

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-readers-'));
    file = join(dir, 'db.sqlite');
    writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    writer.prepare('INSERT INTO t (id) VALUES (?)').run(1);
    readers = make(2);
  });
  afterEach(async () => {
    await readers.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = 'SELECT COUNT(*) AS n FROM t';

  it('reads the committed state while the writer holds an open transaction', async () => {
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
    expect(await readers.one<{ n: number }>(count, [])).toEqual({ n: 1 });
    writer.exec('COMMIT');
    expect(await readers.one<{ n: number }>(count, [])).toEqual({ n: 2 });
  });

  it('keeps one snapshot for all the statements of a read, and a new one for the next read', async () => {
    const n = (rows: unknown[] | undefined) => (rows?.[0] as { n: number }).n;
    const seen = await readers.snapshot(async (batch) => {
      const [before] = await batch([{ sql: count, params: [] }]);
      writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
      const [after] = await batch([{ sql: count, params: [] }]);
      return [n(before), n(after)];
    });
    expect(seen).toEqual([1, 1]);
    expect(
      await readers.snapshot(async (batch) => n((await batch([{ sql: count, params: [] }]))[0])),
    ).toBe(2);
  });

  it('lets a read wait for a free connection beyond the pool size, in arrival order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const held = [1, 2].map((n) =>
      readers.snapshot(async (batch) => {
        await batch([{ sql: count, params: [] }]);
        await gate;
        order.push(`held ${n}`);
      }),
    );
    const third = readers.one(count, []).then(() => order.push('third'));
    await Promise.resolve();
    expect(readers.stats()).toEqual({ total: 2, inUse: 2, waiting: 1, max: 2 });
    expect(order).toEqual([]);
    release();
    await Promise.all([...held, third]);
    expect(order).toEqual(['held 1', 'held 2', 'third']);
    expect(readers.stats()).toEqual({ total: 2, inUse: 0, waiting: 0, max: 2 });
  });

  it('refuses writes (read-only connections) and reads once closed', async () => {
    // Matched on the message: better-sqlite3's native part keeps the error class of the first test
    // file that loaded it, which is not an Error of this file's jest context.
    await expect(
      readers.one('INSERT INTO t (id) VALUES (9) RETURNING id', []),
    ).rejects.toMatchObject({ message: expect.stringMatching(/readonly/i) as unknown });
    await readers.close();
    expect(readers.stats().total).toBe(0);
    await expect(readers.one(count, [])).rejects.toThrow(/connections are closed/);
  });

  it('on close, refuses the reads waiting for a connection and closes busy ones when they end', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = [1, 2].map(() => readers.snapshot(() => gate));
    const waiting = readers.one(count, []);
    await Promise.resolve();
    await readers.close();
    await expect(waiting).rejects.toThrow(/connections are closed/);
    release();
    await Promise.all(held);
    expect(readers.stats()).toEqual({ total: 0, inUse: 0, waiting: 0, max: 2 });
  });

  it('is off for an in-memory database', () => {
    expect(new SqliteReaders(loadConfig({ DATABASE_URL: 'sqlite::memory:' })).enabled).toBe(false);
    expect(readers.enabled).toBe(true);
  });
});
