import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { STATEMENT_CLOCK_EXPIRED } from '@app/tmf-query';

import { asDatabaseUnavailable } from '@server/database/database-unavailable';
import type { ReadBatch } from '@server/database/read-steps';

/** Counts table `t`'s rows. */
export const COUNT = 'SELECT COUNT(*) AS n FROM t';

/** The `n` of a COUNT step's rows. */
export const counted = (rows: unknown[] | undefined) => (rows?.[0] as { n: number }).n;

/** What the shared cases use of a read pool (SqliteReaders or SqliteReadWorkers). */
export interface ReadPool {
  one<T>(sql: string, params: readonly unknown[]): Promise<T | undefined>;
  snapshot<T>(work: (batch: ReadBatch) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A test's database: its file, the writer connection of the test's own, and the pool on it. */
export interface WalReadPool<P extends ReadPool> {
  file: string;
  writer: Database.Database;
  pool: P;
}

/**
 * Registers, around each test of the calling `describe`: a WAL database in a folder of its own with
 * table `t` holding one row (id 1), a writer connection, and the pool `make` opens on it; after the
 * test, the pool closes, then the writer (which removes the WAL), then the folder goes. The fields
 * are set for each test: read them inside it.
 */
export function walReadPool<P extends ReadPool>(
  prefix: string,
  make: (file: string) => P,
): WalReadPool<P> {
  const context = {} as WalReadPool<P>;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    context.file = join(dir, 'db.sqlite');
    context.writer = new Database(context.file);
    context.writer.pragma('journal_mode = WAL');
    context.writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    context.writer.prepare('INSERT INTO t (id) VALUES (?)').run(1);
    context.pool = make(context.file);
  });
  afterEach(async () => {
    await context.pool.close();
    context.writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return context;
}

/** The cases both read pools answer alike: the committed state, and one snapshot per read. */
export function itReadsCommittedSnapshots(context: WalReadPool<ReadPool>): void {
  it('reads the committed state while the writer holds an open transaction', async () => {
    const { writer, pool } = context;
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
    expect(await pool.one<{ n: number }>(COUNT, [])).toEqual({ n: 1 });
    writer.exec('COMMIT');
    expect(await pool.one<{ n: number }>(COUNT, [])).toEqual({ n: 2 });
    expect(await pool.one('SELECT id FROM t WHERE id = ?', [9])).toBeUndefined();
  });

  it('keeps one snapshot across the statements of a read, and a new one for the next read', async () => {
    const { writer, pool } = context;
    const seen = await pool.snapshot(async (batch) => {
      const [before] = await batch([{ sql: COUNT, params: [] }]);
      writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
      const [after] = await batch([{ sql: COUNT, params: [] }]);
      return [counted(before), counted(after)];
    });
    expect(seen).toEqual([1, 1]);
    expect(
      await pool.snapshot(async (batch) => counted((await batch([{ sql: COUNT, params: [] }]))[0])),
    ).toBe(2);
  });
}

/** The statement timeout the shared case expects its pool made with (DB_STATEMENT_TIMEOUT_MS). */
export const POOL_STATEMENT_TIMEOUT_MS = 100;

/** `n` names, each tested by the regexp function: a regex scan without an index. */
const regexScan = (n: number) =>
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n}) ` +
  "SELECT COUNT(*) AS matched FROM n WHERE ('name ' || i) REGEXP ?";

/**
 * A pool made with a statement timeout of {@link POOL_STATEMENT_TIMEOUT_MS}: a statement past it is
 * stopped by its clock (three million regex tests take seconds), the read fails with
 * `SQLITE_STATEMENT_TIMEOUT` (a 503 naming the timeout), and the pool reads on.
 */
export function itStopsStatementsPastTheirTime(context: WalReadPool<ReadPool>): void {
  it('stops a statement past the statement timeout, and answers the next reads', async () => {
    const { pool } = context;
    const error: unknown = await pool
      .snapshot((batch) => batch([{ sql: regexScan(3_000_000), params: ['7$'] }]))
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toMatchObject({ code: STATEMENT_CLOCK_EXPIRED });
    expect(asDatabaseUnavailable(error)?.message).toMatch(/database statement timeout/);
    expect(await pool.one<{ n: number }>(COUNT, [])).toEqual({ n: 1 });
    expect(
      await pool.snapshot((batch) => batch([{ sql: regexScan(1000), params: ['7$'] }])),
    ).toEqual([[{ matched: 100 }]]);
  });
}
