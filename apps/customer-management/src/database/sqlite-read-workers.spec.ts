import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { QueryErrorCode, QueryException } from '@app/tmf-query';

import { asDatabaseUnavailable } from './database-unavailable';
import { SqliteReadWorkers } from './sqlite-read-workers';
import {
  COUNT,
  counted,
  itReadsCommittedSnapshots,
  itStopsStatementsPastTheirTime,
  POOL_STATEMENT_TIMEOUT_MS,
  walReadPool,
} from './testing/wal-read-pool';

// From sources a worker compiles its TypeScript when it starts (ts-node): seconds on a busy machine.
jest.setTimeout(60_000);

// The read workers on a real WAL database, beside a writer connection of the test's own (and, for
// concurrency, a writer thread).
describe(SqliteReadWorkers.name, () => {
  const wal = walReadPool(
    'sqlite-read-workers-',
    (file) => new SqliteReadWorkers(file, 2, 100, POOL_STATEMENT_TIMEOUT_MS),
  );

  itReadsCommittedSnapshots(wal);
  itStopsStatementsPastTheirTime(wal);

  it('answers a page and its count from one snapshot while another thread keeps writing', async () => {
    // Both workers started first, so that the reads below overlap the writes.
    await Promise.all(
      [1, 2].map(() => wal.pool.snapshot((batch) => batch([{ sql: COUNT, params: [] }]))),
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
      { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file: wal.file } },
    );
    const exited = new Promise((resolve) => inserter.once('exit', resolve));
    await new Promise((resolve) => inserter.once('message', resolve));
    try {
      const reads = await Promise.all(
        Array.from({ length: 60 }, () =>
          wal.pool.snapshot(async (batch) => {
            const [page, total] = await batch([
              { fill: [{ sql: 'SELECT id FROM t ORDER BY id LIMIT ?', params: [] }], limit: 1e9 },
              { sql: COUNT, params: [] },
            ]);
            // A second message of the same read: still the same snapshot.
            const [again] = await batch([{ sql: COUNT, params: [] }]);
            return { page: page!.length, total: counted(total), again: counted(again) };
          }),
        ),
      );
      for (const read of reads) {
        expect(read.total).toBe(read.page);
        expect(read.again).toBe(read.page);
      }
      // (Which states the reads saw depends on the threads' timing; each saw one.)
    } finally {
      inserter.postMessage('stop');
      await exited;
    }
  });

  it('skips a count when the page is not full, and runs it when it is', async () => {
    wal.writer.prepare('INSERT INTO t (id) VALUES (?)').run(2);
    const page = (limit: number) =>
      wal.pool.snapshot((batch) =>
        batch([
          { fill: [{ sql: 'SELECT id FROM t ORDER BY id LIMIT ?', params: [] }], limit },
          { sql: COUNT, params: [], onlyIfFull: { step: 0, limit } },
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
      return wal.pool.snapshot(async (batch) => {
        await batch([{ sql: COUNT, params: [] }]);
        read();
        await gate;
        order.push(`held ${i}`);
      });
    });
    const third = wal.pool.one(COUNT, []).then(() => order.push('third'));
    await Promise.all(reading);
    expect(wal.pool.stats()).toEqual({ total: 2, inUse: 2, waiting: 1, max: 2 });
    release();
    await Promise.all([...held, third]);
    // The held reads end in either order (two threads); the waiting one only after one of them.
    expect(order.slice(0, 2).sort()).toEqual(['held 1', 'held 2']);
    expect(order[2]).toBe('third');
    expect(wal.pool.stats()).toEqual({ total: 2, inUse: 0, waiting: 0, max: 2 });
  });

  it('fails the reads of a worker that dies with a 503, and replaces it for the next read', async () => {
    let died!: () => void;
    const dead = new Promise<void>((resolve) => (died = resolve));
    const lost = wal.pool.snapshot(async (batch) => {
      await batch([{ sql: COUNT, params: [] }]);
      const [worker] = wal.pool.workerThreads();
      worker.once('exit', () => died());
      await worker.terminate();
      await dead;
      return batch([{ sql: COUNT, params: [] }]);
    });
    await expect(lost).rejects.toThrow(/connection was lost/);
    const unavailable = asDatabaseUnavailable(await lost.catch((err: unknown) => err));
    expect(unavailable).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(unavailable?.headers['retry-after']).toBeDefined();
    expect(wal.pool.stats().total).toBe(0);
    expect(await wal.pool.one<{ n: number }>(COUNT, [])).toEqual({ n: 1 });
    expect(wal.pool.stats()).toEqual({ total: 1, inUse: 0, waiting: 0, max: 2 });
  });

  it('hands a waiting read a new worker when a busy one dies', async () => {
    const small = new SqliteReadWorkers(wal.file, 1, 100);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reading!: () => void;
      const read = new Promise<void>((resolve) => (reading = resolve));
      const held = small.snapshot(async (batch) => {
        await batch([{ sql: COUNT, params: [] }]);
        reading();
        await gate;
      });
      const waiting = small.one<{ n: number }>(COUNT, []);
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
    await expect(
      wal.pool.one('INSERT INTO t (id) VALUES (9) RETURNING id', []),
    ).rejects.toMatchObject({
      code: 'SQLITE_READONLY',
    });
    // The residual check registered on the worker, with a budget of no document.
    const residual = { key: 'test-residual', clauses: [], hrefPrefix: undefined, limit: 0 };
    const tooBroad = wal.pool.snapshot(
      (batch) => batch([{ sql: "SELECT tmf_residual('{}', 'x', ?) AS m", params: [residual.key] }]),
      residual,
    );
    await expect(tooBroad).rejects.toBeInstanceOf(QueryException);
    await expect(tooBroad).rejects.toMatchObject({ code: QueryErrorCode.TooBroad });
    const allowed = { ...residual, key: 'test-residual-2', limit: 1 };
    expect(
      await wal.pool.snapshot(
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
      return wal.pool.snapshot(async (batch) => {
        await batch([{ sql: COUNT, params: [] }]);
        read();
        await gate;
        return counted((await batch([{ sql: COUNT, params: [] }]))[0]);
      });
    });
    const waiting = wal.pool.one(COUNT, []);
    await Promise.all(reading);
    const closed = wal.pool.close();
    await expect(waiting).rejects.toThrow(/connections are closed/);
    await expect(wal.pool.one(COUNT, [])).rejects.toThrow(/connections are closed/);
    release();
    expect(await Promise.all(held)).toEqual([1, 1]);
    await closed;
    expect(wal.pool.stats()).toEqual({ total: 0, inUse: 0, waiting: 0, max: 2 });
    // The writer, closed last, checkpoints and removes the WAL: no reader holds it any more.
    expect(existsSync(`${wal.file}-wal`)).toBe(true);
    wal.writer.close();
    expect(existsSync(`${wal.file}-wal`)).toBe(false);
    wal.writer = new Database(wal.file);
  });
});
