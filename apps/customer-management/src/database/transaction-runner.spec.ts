import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import { AppException } from '@app/tmf-common';
import type { AppConfig } from '@server/config/app-config';

import { writerThreadRunner } from './testing/writer-thread-runner';
import { GroupWrite, TransactionRunner } from './transaction-runner';

// Group commit on SQLite, on a real database file: units written together commit together, yet
// each succeeds or fails on its own, and after-commit hooks run only for committed units. The same
// with the write connection on the event loop's thread and on a thread of its own.
describe.each([
  ['on the event loop', false],
  ['on the writer thread', true],
])('TransactionRunner on SQLite (group commit), %s', (_, onThread) => {
  let dir: string;
  let dataSource: DataSource;
  let tx: TransactionRunner;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tx-runner-'));
    const file = join(dir, 'db.sqlite');
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: file,
      prepareDatabase: (db: { pragma: (s: string) => unknown }) => {
        db.pragma('journal_mode = WAL');
      },
    });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const config = {
      sqliteWriterThread: onThread,
      database: { type: 'sqlite', file },
    } as unknown as AppConfig;
    tx = new TransactionRunner(dataSource, undefined, undefined, config);
  });
  afterEach(async () => {
    await tx.beforeApplicationShutdown();
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = async () =>
    (await dataSource.query<{ id: number }[]>('SELECT id FROM t ORDER BY id')).map((r) => r.id);

  it('commits concurrent units in fewer transactions, each unit all-or-nothing', async () => {
    const transactions = jest.spyOn(dataSource, 'transaction');
    const hooked: number[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        tx.write(async (manager) => {
          await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'a']);
          await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [1000 + i, 'b']);
          tx.afterCommit(manager, () => hooked.push(i));
          if (i % 3 === 0) {
            throw new Error(`unit ${i} fails after writing`);
          }
          return i;
        }),
      ),
    );
    const expected = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 !== 0);
    outcomes.forEach((outcome, i) => {
      expect(outcome.status).toBe(i % 3 === 0 ? 'rejected' : 'fulfilled');
    });
    expect(await ids()).toEqual([...expected, ...expected.map((i) => 1000 + i)]);
    expect(hooked.sort((a, b) => a - b)).toEqual(expected);
    // Requested in the same tick: one group, one transaction (on the thread: none of TypeORM's).
    expect(transactions).toHaveBeenCalledTimes(onThread ? 0 : 1);
  });

  it('when the group cannot commit, no unit is acknowledged and nothing is stored', async () => {
    // A deferred constraint fails only at COMMIT, after every unit succeeded on its own.
    await dataSource.query(
      'CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    await dataSource.query('PRAGMA foreign_keys = ON');
    const hooked: number[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        tx.write(async (manager) => {
          await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'a']);
          tx.afterCommit(manager, () => hooked.push(i));
          if (i === 2) {
            await manager.query('INSERT INTO child (id, t_id) VALUES (1, 999)');
          }
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('rejected'));
    expect(await ids()).toEqual([]);
    expect(hooked).toEqual([]);
  });

  it('a read never sees a group in progress', async () => {
    const seen: number[][] = [];
    const writes = Array.from({ length: 10 }, (_, i) =>
      tx.write(async (manager) => {
        await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'a']);
      }),
    );
    const reads = Array.from({ length: 10 }, () =>
      tx.read(async (manager) => {
        seen.push((await manager.query<{ id: number }[]>('SELECT id FROM t')).map((r) => r.id));
      }),
    );
    await Promise.all([...writes, ...reads]);
    // Whole groups only: every snapshot is a prefix-free set of committed units, never a partial one.
    for (const snapshot of seen) {
      expect([0, 10]).toContain(snapshot.length);
    }
  });

  it('runs a group write once per group, after its units, with the items of the committed ones', async () => {
    const calls: number[][] = [];
    const appended: GroupWrite<number> = {
      run: async (manager, items) => {
        calls.push(items);
        // One written at once, the others left for the group's closing statements.
        await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [2000 + items[0], 'group']);
        return items.slice(1).map((item) => ({
          sql: 'INSERT INTO t (id, v) VALUES (?, ?)',
          params: [2000 + item, 'group'],
        }));
      },
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        tx.write(async (manager) => {
          await tx.groupWrite(manager, appended, [i]);
          // Left for the group: the unit does not see its own item yet.
          const [{ n }] = await manager.query<{ n: number }[]>(
            'SELECT count(*) AS n FROM t WHERE id = ?',
            [2000 + i],
          );
          if (n !== 0 || i % 4 === 0) {
            throw new Error(`unit ${i} fails`);
          }
        }),
      ),
    );
    const expected = Array.from({ length: 12 }, (_, i) => i).filter((i) => i % 4 !== 0);
    expect(outcomes.map((o) => o.status === 'fulfilled')).toEqual(
      Array.from({ length: 12 }, (_, i) => i % 4 !== 0),
    );
    expect(calls).toEqual([expected]);
    expect(await ids()).toEqual(expected.map((i) => 2000 + i));
  });

  it('a group write marked last runs after the others, whichever unit registered it first', async () => {
    const order: string[] = [];
    const write = (name: string, last?: boolean): GroupWrite<number> => ({
      last,
      run: (_, items) => {
        order.push(`${name}:${items.join(',')}`);
        return Promise.resolve([]);
      },
    });
    const [early, late] = [write('positions', true), write('rows')];
    await Promise.all([
      tx.write(async (manager) => tx.groupWrite(manager, early, [1])),
      tx.write(async (manager) => tx.groupWrite(manager, late, [2])),
      tx.write(async (manager) => tx.groupWrite(manager, late, [3])),
    ]);
    expect(order).toEqual(['rows:2,3', 'positions:1']);
  });

  it('a failing group write fails every unit of its group, and nothing is stored', async () => {
    const failing: GroupWrite<number> = {
      run: () =>
        Promise.resolve([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', params: [1, 'duplicate'] }]),
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        tx.write(async (manager) => {
          await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'a']);
          await tx.groupWrite(manager, failing, [i]);
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array(4).fill('rejected'));
    expect(await ids()).toEqual([]);
  });

  it('outside a write group a group write runs at once', async () => {
    const seen: number[][] = [];
    await tx.groupWrite(
      dataSource.manager,
      {
        run: (_, items) => {
          seen.push(items);
          return Promise.resolve([]);
        },
      },
      [7],
    );
    expect(seen).toEqual([[7]]);
  });

  it("a unit's failing statement fails it alone, with the driver's code", async () => {
    await dataSource.query("INSERT INTO t (id, v) VALUES (1, 'stored')");
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((id) =>
        tx.write((manager) => manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [id, 'new'])),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('answers a counted write with the rows it changed, and RETURNING with its rows', async () => {
    const { affected, rows } = await tx.write(async (manager) => {
      const returned = await manager.query<{ id: number; v: string }[]>(
        "INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b') RETURNING id, v",
      );
      const result = (await manager.queryRunner!.query(
        "UPDATE t SET v = 'c' WHERE id IN (1, 2, 3)",
        [],
        true,
      )) as { affected?: number };
      return { affected: result.affected, rows: returned };
    });
    expect(rows).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ]);
    expect(affected).toBe(2);
  });
});

describe('TransactionRunner on the SQLite writer thread', () => {
  const db = writerThreadRunner('tx-writer-', [
    'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)',
  ]);

  const ids = async () =>
    (await db.dataSource.query<{ id: number }[]>('SELECT id FROM t ORDER BY id')).map((r) => r.id);

  it('a thread that stops fails its group with a 503 and nothing stored; the next write starts another', async () => {
    await db.tx.write((manager) => manager.query("INSERT INTO t (id, v) VALUES (1, 'before')"));
    const outcomes = await Promise.allSettled(
      [2, 3].map((id) =>
        db.tx.write(async (manager) => {
          await manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [id, 'lost']);
          if (id === 3) {
            await db.tx.writerThread()!.terminate();
          }
        }),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as AppException;
      expect(reason).toBeInstanceOf(AppException);
      expect(reason.code).toBe('DATABASE_UNAVAILABLE');
    }
    expect(await ids()).toEqual([1]);
    await db.tx.write((manager) => manager.query("INSERT INTO t (id, v) VALUES (4, 'after')"));
    expect(await ids()).toEqual([1, 4]);
  });

  it('shutdown lets the waiting writes commit, then refuses new ones with a 503', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      db.tx.write((manager) => manager.query('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'a'])),
    );
    await db.tx.beforeApplicationShutdown();
    await Promise.all(writes);
    expect(await ids()).toHaveLength(20);
    await expect(
      db.tx.write((manager) => manager.query("INSERT INTO t (id, v) VALUES (100, 'late')")),
    ).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });
});
