import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import { GroupWrite, TransactionRunner } from './transaction-runner';

// Group commit on SQLite, on a real database file: units written together commit together, yet
// each succeeds or fails on its own, and after-commit hooks run only for committed units.
describe('TransactionRunner on SQLite (group commit)', () => {
  let dir: string;
  let dataSource: DataSource;
  let tx: TransactionRunner;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tx-runner-'));
    dataSource = new DataSource({ type: 'better-sqlite3', database: join(dir, 'db.sqlite') });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    tx = new TransactionRunner(dataSource);
  });
  afterEach(async () => {
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
    // Requested in the same tick: one group, one transaction.
    expect(transactions).toHaveBeenCalledTimes(1);
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
});
