import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { QueryErrorCode, QueryException } from '@app/tmf-query';

import { asDatabaseUnavailable } from './database-unavailable';
import { SqliteReadWorkers } from './sqlite-read-workers';

// From sources a worker compiles its TypeScript when it starts (ts-node): seconds on a busy machine.
jest.setTimeout(60_000);

const count = 'SELECT COUNT(*) AS n FROM t';
const n = (rows: unknown[] | undefined) => (rows?.[0] as { n: number }).n;

// The read workers on a real WAL database, beside a writer connection of the test's own (and, for
// concurrency, a writer thread).
describe(SqliteReadWorkers.name, () => {
  let dir: string;
  let file: string;
  let writer: Database.Database;
  let sut: SqliteReadWorkers;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-read-workers-'));
    file = join(dir, 'db.sqlite');
    writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    writer.prepare('INSERT INTO t (id) VALUES (?)').run(1);
    sut = new SqliteReadWorkers(file, 2, 100);
  });
  afterEach(async () => {
    await sut.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the committed state while the writer holds an open transaction', async () => {
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
    expect(await sut.one<{ n: number }>(count, [])).toEqual({ n: 1 });
    writer.exec('COMMIT');
    expect(await sut.one<{ n: number }>(count, [])).toEqual({ n: 2 });
    expect(await sut.one('SELECT id FROM t WHERE id = ?', [9])).toBeUndefined();
  });

  it('keeps one snapshot across the batches of a read, and a new one for the next read', async () => {
    const seen = await sut.snapshot(async (batch) => {
      const [before] = await batch([{ sql: count, params: [] }]);
      writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
      const [after] = await batch([{ sql: count, params: [] }]);
      return [n(before), n(after)];
    });
    expect(seen).toEqual([1, 1]);
    expect(
      await sut.snapshot(async (batch) => n((await batch([{ sql: count, params: [] }]))[0])),
    ).toBe(2);
  });

  it('answers a page and its count from one snapshot while another thread keeps writing', async () => {
    // Both workers started first, so that the reads below overlap the writes.
    await Promise.all(
      [1, 2].map(() => sut.snapshot((batch) => batch([{ sql: count, params: [] }]))),
    );
    // A writer thread inserting one row per transaction until told to stop.
    const inserter = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.driver))(workerData.file);
       db.pragma('busy_timeout = 5000');
       const insert = db.prepare('INSERT INTO t (id) VALUES (NULL)');
       let stop = false;
       let left = 50000;
       parentPort.on('message', () => { stop = true; });
       function loop() {
         if (stop || --left === 0) { db.close(); parentPort.close(); return; }
         insert.run();
         setImmediate(loop);
       }
       parentPort.postMessage('started');
       loop();`,
      { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file } },
    );
    const exited = new Promise((resolve) => inserter.once('exit', resolve));
    await new Promise((resolve) => inserter.once('message', resolve));
    try {
      const reads = await Promise.all(
        Array.from({ length: 60 }, () =>
          sut.snapshot(async (batch) => {
            const [page, counted] = await batch([
              { fill: [{ sql: 'SELECT id FROM t ORDER BY id LIMIT ?', params: [] }], limit: 1e9 },
              { sql: count, params: [] },
            ]);
            // A second message of the same read: still the same snapshot.
            const [again] = await batch([{ sql: count, params: [] }]);
            return { page: page!.length, counted: n(counted), again: n(again) };
          }),
        ),
      );
      for (const read of reads) {
        expect(read.counted).toBe(read.page);
        expect(read.again).toBe(read.page);
      }
      // (Which states the reads saw depends on the threads' timing; each saw one.)
    } finally {
      inserter.postMessage('stop');
      await exited;
    }
  });

  it('skips a count when the page is not full, and runs it when it is', async () => {
    writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
    const page = (limit: number) =>
      sut.snapshot((batch) =>
        batch([
          { fill: [{ sql: 'SELECT id FROM t ORDER BY id LIMIT ?', params: [] }], limit },
          { sql: count, params: [], onlyIfFull: { step: 0, limit } },
        ]),
      );
    expect(await page(5)).toEqual([[{ id: 1 }, { id: 2 }], undefined]);
    expect(await page(2)).toEqual([[{ id: 1 }, { id: 2 }], [{ n: 2 }]]);
  });

  it('lets a read wait for a free worker beyond the pool size', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const reading: Promise<void>[] = [];
    const held = [1, 2].map((i) => {
      let read!: () => void;
      reading.push(new Promise((resolve) => (read = resolve)));
      return sut.snapshot(async (batch) => {
        await batch([{ sql: count, params: [] }]);
        read();
        await gate;
        order.push(`held ${i}`);
      });
    });
    const third = sut.one(count, []).then(() => order.push('third'));
    await Promise.all(reading);
    expect(sut.stats()).toEqual({ total: 2, inUse: 2, waiting: 1, max: 2 });
    release();
    await Promise.all([...held, third]);
    // The held reads end in either order (two threads); the waiting one only after one of them.
    expect(order.slice(0, 2).sort()).toEqual(['held 1', 'held 2']);
    expect(order[2]).toBe('third');
    expect(sut.stats()).toEqual({ total: 2, inUse: 0, waiting: 0, max: 2 });
  });

  it('fails the reads of a worker that dies with a 503, and replaces it for the next read', async () => {
    let died!: () => void;
    const dead = new Promise<void>((resolve) => (died = resolve));
    const lost = sut.snapshot(async (batch) => {
      await batch([{ sql: count, params: [] }]);
      const [worker] = sut.workerThreads();
      worker.once('exit', () => died());
      await worker.terminate();
      await dead;
      return batch([{ sql: count, params: [] }]);
    });
    await expect(lost).rejects.toThrow(/connection was lost/);
    const unavailable = asDatabaseUnavailable(await lost.catch((err: unknown) => err));
    expect(unavailable).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(unavailable?.headers['retry-after']).toBeDefined();
    expect(sut.stats().total).toBe(0);
    expect(await sut.one<{ n: number }>(count, [])).toEqual({ n: 1 });
    expect(sut.stats()).toEqual({ total: 1, inUse: 0, waiting: 0, max: 2 });
  });

  it('hands a waiting read a new worker when a busy one dies', async () => {
    const small = new SqliteReadWorkers(file, 1, 100);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reading!: () => void;
      const read = new Promise<void>((resolve) => (reading = resolve));
      const held = small.snapshot(async (batch) => {
        await batch([{ sql: count, params: [] }]);
        reading();
        await gate;
      });
      const waiting = small.one<{ n: number }>(count, []);
      await read;
      await small.workerThreads()[0].terminate();
      expect(await waiting).toEqual({ n: 1 });
      release();
      await held;
    } finally {
      await small.close();
    }
  });

  it('returns driver and query errors as they were raised on the worker', async () => {
    await expect(sut.one('INSERT INTO t (id) VALUES (9) RETURNING id', [])).rejects.toMatchObject({
      code: 'SQLITE_READONLY',
    });
    // The residual check registered on the worker, with a budget of no document.
    const residual = { key: 'test-residual', clauses: [], hrefPrefix: undefined, limit: 0 };
    const tooBroad = sut.snapshot(
      (batch) => batch([{ sql: "SELECT tmf_residual('{}', 'x', ?) AS m", params: [residual.key] }]),
      residual,
    );
    await expect(tooBroad).rejects.toBeInstanceOf(QueryException);
    await expect(tooBroad).rejects.toMatchObject({ code: QueryErrorCode.TooBroad });
    const allowed = { ...residual, key: 'test-residual-2', limit: 1 };
    expect(
      await sut.snapshot(
        (batch) =>
          batch([{ sql: "SELECT tmf_residual('{}', 'x', ?) AS m", params: [allowed.key] }]),
        allowed,
      ),
    ).toEqual([[{ m: 1 }]]);
  });

  it('on close, refuses waiting reads, lets a busy read end, and closes every connection', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reading: Promise<void>[] = [];
    const held = [1, 2].map(() => {
      let read!: () => void;
      reading.push(new Promise((resolve) => (read = resolve)));
      return sut.snapshot(async (batch) => {
        await batch([{ sql: count, params: [] }]);
        read();
        await gate;
        return n((await batch([{ sql: count, params: [] }]))[0]);
      });
    });
    const waiting = sut.one(count, []);
    await Promise.all(reading);
    const closed = sut.close();
    await expect(waiting).rejects.toThrow(/connections are closed/);
    await expect(sut.one(count, [])).rejects.toThrow(/connections are closed/);
    release();
    expect(await Promise.all(held)).toEqual([1, 1]);
    await closed;
    expect(sut.stats()).toEqual({ total: 0, inUse: 0, waiting: 0, max: 2 });
    // The writer, closed last, checkpoints and removes the WAL: no reader holds it any more.
    expect(existsSync(`${file}-wal`)).toBe(true);
    writer.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    writer = new Database(file);
  });
});
