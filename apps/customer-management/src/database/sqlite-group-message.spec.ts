import { EntityManager } from 'typeorm';

import { AppException } from '@app/tmf-common';

import { STALE_KEY, UNEXPECTED_CHANGES } from './sqlite-write-protocol';
import { writerThreadRunner } from './testing/writer-thread-runner';
import { GroupWrite, KeySequence } from './transaction-runner';

// A write group on the SQLite writer thread as one message: units whose statements are queued
// (`TransactionRunner.queue`, keys from `nextKey`) send nothing until COMMIT; a unit whose queued
// statement fails there fails alone, and the group's statements, which counted on it, run again
// without it; a lost thread acknowledges nothing.
describe('SQLite writer thread: a write group in one message', () => {
  const T: KeySequence = { table: 't', column: 'id' };
  const db = writerThreadRunner('tx-group-message-', [
    'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)',
    'CREATE TABLE tally (n INTEGER NOT NULL, items TEXT NOT NULL)',
  ]);
  // A group write: one row per group in `tally`, counting the items of its committed units.
  const tally: GroupWrite<string> = {
    run: (_manager, items) =>
      Promise.resolve([
        { sql: 'INSERT INTO tally (n, items) VALUES (?, ?)', params: [items.length, items.join()] },
      ]),
  };

  const rows = () =>
    db.dataSource.query<{ id: number; v: string }[]>('SELECT id, v FROM t ORDER BY id');
  const tallies = () => db.dataSource.query<{ n: number; items: string }[]>('SELECT * FROM tally');

  /** A unit that inserts `v` under a key it was handed, all of it queued. */
  const insert = (v: string) =>
    db.tx.write(async (manager: EntityManager) => {
      const id = await db.tx.nextKey(manager, T);
      expect(
        db.tx.queue(manager, [{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', params: [id, v] }]),
      ).toBe(true);
      await db.tx.groupWrite(manager, tally, [v]);
      return id;
    });

  it('sends a group of queued units as one message, with keys above the greatest', async () => {
    await db.dataSource.query("INSERT INTO t (id, v) VALUES (41, 'seeded')");
    expect(await insert('first')).toBe(42);
    const post = jest.spyOn(db.tx.writerThread()!, 'postMessage');
    const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => insert(`v${i}`)));
    expect(keys).toEqual(Array.from({ length: 10 }, (_, i) => 43 + i));
    // BEGIN, the key check, the ten INSERTs, the tally and COMMIT: one message, no savepoint.
    expect(post).toHaveBeenCalledTimes(1);
    const sent = post.mock.calls[0][0] as { ops: { sql: string }[]; commit: boolean };
    expect(sent.commit).toBe(true);
    expect(sent.ops.some((op) => op.sql.includes('SAVEPOINT'))).toBe(false);
    expect((await rows()).map((r) => r.id)).toEqual([41, 42, ...keys]);
  });

  it("a unit's queued statement that fails at COMMIT fails it alone, with the driver's code; the others run again", async () => {
    await db.dataSource.query("INSERT INTO t (id, v) VALUES (1, 'taken')");
    await insert('warm-up');
    await db.dataSource.query('DELETE FROM tally');
    const outcomes = await Promise.allSettled(['a', 'taken', 'b', 'c'].map((v) => insert(v)));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    expect((await rows()).map((r) => r.v)).toEqual(['taken', 'warm-up', 'a', 'b', 'c']);
    // The group's own statement counts the committed units only.
    expect(await tallies()).toEqual([{ n: 3, items: 'a,b,c' }]);
  });

  it('a queued write that changes other rows than its unit counted on fails that unit alone', async () => {
    await insert('x');
    const outcomes = await Promise.allSettled([
      insert('y'),
      db.tx.write((manager) => {
        db.tx.queue(manager, [
          { sql: "UPDATE t SET v = 'z' WHERE id = ?", params: [999], changes: 1 },
        ]);
        return Promise.resolve();
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({
      code: UNEXPECTED_CHANGES,
    });
    expect((await rows()).map((r) => r.v)).toEqual(['x', 'y']);
  });

  it('keys used meanwhile by another connection: the group runs again with keys read anew', async () => {
    expect(await insert('a')).toBe(1);
    // Another writer (a migration, another process) takes the next key.
    await db.dataSource.query("INSERT INTO t (id, v) VALUES (2, 'elsewhere')");
    const keys = await Promise.all([insert('b'), insert('c')]);
    expect(keys).toEqual([3, 4]);
    expect((await rows()).map((r) => r.v)).toEqual(['a', 'elsewhere', 'b', 'c']);
    expect(STALE_KEY).toMatch(/^SQLITE_WRITER_/);
  });

  it('a thread that exits mid-group acknowledges nothing: 503s, nothing stored, the next write starts another', async () => {
    await insert('before');
    const acknowledged: string[] = [];
    const outcomes = await Promise.allSettled(
      ['lost-1', 'lost-2', 'lost-3'].map(async (v) => {
        const written = db.tx.write(async (manager) => {
          const id = await db.tx.nextKey(manager, T);
          db.tx.queue(manager, [{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', params: [id, v] }]);
          if (v === 'lost-2') {
            // The thread goes while the group's statements wait for COMMIT.
            await db.tx.writerThread()!.terminate();
          }
        });
        await written;
        acknowledged.push(v);
      }),
    );
    expect(acknowledged).toEqual([]);
    for (const outcome of outcomes) {
      const reason = (outcome as PromiseRejectedResult).reason as AppException;
      expect(reason).toBeInstanceOf(AppException);
      expect(reason.code).toBe('DATABASE_UNAVAILABLE');
    }
    expect((await rows()).map((r) => r.v)).toEqual(['before']);
    // A new thread reads the keys again.
    expect(await insert('after')).toBe(2);
    expect((await rows()).map((r) => r.v)).toEqual(['before', 'after']);
  });
});
