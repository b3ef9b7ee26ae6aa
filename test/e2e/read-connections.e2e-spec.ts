import { existsSync } from 'node:fs';

import { SqliteReaders } from '@server/database/sqlite-readers';
import { TransactionRunner } from '@server/database/transaction-runner';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { createCustomer, CUSTOMER_PATH } from './support/customers';
import { TestApp } from './support/test-app';

/** A write transaction that stays open until `release()`: the test decides when it commits. */
function holdWrite(app: TestApp, id: string, name: string) {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const done = app.app.get(TransactionRunner).write(async (manager) => {
    await manager.query(
      TEST_DB === 'mysql'
        ? "UPDATE customer SET name = ?, document = JSON_SET(document, '$.name', ?) WHERE id = ?"
        : "UPDATE customer SET name = ?, document = json_set(document, '$.name', ?) WHERE id = ?",
      [name, name, id],
    );
    entered();
    await gate;
  });
  return { inside, release, done };
}

describe('reads beside writes', () => {
  let app: TestApp;
  // Released here too, so that a failing test (reads stuck behind the hold) cannot hang the close.
  let hold: ReturnType<typeof holdWrite> | undefined;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    hold?.release();
    await hold?.done;
    await app.close();
  });

  it('a GET and a list with its count complete while a write transaction is held open', async () => {
    const customer = await createCustomer(app, minimalCustomer('Before The Hold'));
    hold = holdWrite(app, customer.id, 'Inside The Hold');
    await hold.inside;
    // The transaction has written and holds the writer; these reads must not wait for it (on one
    // serialized SQLite connection they would wait for ever: the gate opens only after them).
    const [one, list, count] = await Promise.all([
      app.request('GET', `${CUSTOMER_PATH}/${customer.id}`),
      app.request('GET', `${CUSTOMER_PATH}?name=Before%20The%20Hold&limit=1`),
      app.request('GET', `${CUSTOMER_PATH}?name=Inside%20The%20Hold`),
    ]);
    // ...and they see the last committed state, never the open transaction's.
    expect(one.status).toBe(200);
    expect(one.json.name).toBe('Before The Hold');
    expect(list.status).toBe(200);
    expect(list.json.map((c: { id: string }) => c.id)).toEqual([customer.id]);
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(count.json).toEqual([]);
    expect(count.headers.get('x-total-count')).toBe('0');
    hold.release();
    await hold.done;
    const after = await app.request('GET', `${CUSTOMER_PATH}/${customer.id}`);
    expect(after.json.name).toBe('Inside The Hold');
  });

  it('each client reads its own writes at once: POST, PATCH and DELETE, many clients together', async () => {
    const client = async (n: number) => {
      const name = `Own Writes ${n}`;
      const created = await createCustomer(app, minimalCustomer(name));
      const byId = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
      expect(byId.status).toBe(200);
      const listed = await app.request('GET', `${CUSTOMER_PATH}?name=${encodeURIComponent(name)}`);
      expect(listed.json.map((c: { id: string }) => c.id)).toEqual([created.id]);
      expect(listed.headers.get('x-total-count')).toBe('1');
      const patched = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: { status: 'approved' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.status).toBe(200);
      const afterPatch = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
      expect(afterPatch.json.status).toBe('approved');
      const deleted = await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`);
      expect(deleted.status).toBe(204);
      const gone = await app.request('GET', `${CUSTOMER_PATH}/${created.id}`);
      expect(gone.status).toBe(404);
      const none = await app.request('GET', `${CUSTOMER_PATH}?name=${encodeURIComponent(name)}`);
      expect(none.headers.get('x-total-count')).toBe('0');
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => client(n)));
  });
});

(TEST_DB === 'sqlite' ? describe : describe.skip)('SQLite read connections', () => {
  it.each([
    [
      'on worker threads',
      { SQLITE_READ_WORKERS: '1', SQLITE_READ_CONNECTIONS: '1', SQLITE_READ_OFFLOAD_MS: '0' },
    ],
    ['on the event loop', { SQLITE_READ_WORKERS: '0', SQLITE_READ_CONNECTIONS: '2' }],
  ])(
    '%s: are reported in db_pool_connections and closed on shutdown, the writer last',
    async (_where, env) => {
      const app = await TestApp.start(env);
      const file = app.database.url.slice('sqlite:'.length);
      try {
        await createCustomer(app);
        await Promise.all(
          Array.from({ length: 6 }, () => app.request('GET', `${CUSTOMER_PATH}?limit=5`)),
        );
        const metrics = await app.request('GET', '/metrics');
        expect(metrics.text).toMatch(/db_pool_connections\{state="max"\} 2\n/);
        expect(metrics.text).toMatch(/db_pool_connections\{state="total"\} [12]\n/);
        expect(existsSync(`${file}-wal`)).toBe(true);
        await app.app.close();
        // The last connection to close checkpoints and removes the WAL; a read-only one cannot, so
        // a reader left open (or closed after the writer) would leave it behind.
        expect(existsSync(`${file}-wal`)).toBe(false);
        expect(existsSync(file)).toBe(true);
      } finally {
        await app.database.drop();
      }
    },
  );

  it('a read worker that stopped is replaced: the reads after it are served', async () => {
    // Every list on the worker (its measured cost would keep these cheap lists on the event loop).
    const app = await TestApp.start({ SQLITE_READ_WORKERS: '1', SQLITE_READ_OFFLOAD_MS: '0' });
    try {
      const customer = await createCustomer(app);
      // A list runs on a worker (a GET by id on the event loop's connections).
      expect((await app.request('GET', `${CUSTOMER_PATH}?limit=5`)).status).toBe(200);
      const readers = app.app.get(SqliteReaders);
      const [worker] = readers.workerThreads();
      await worker.terminate();
      const [one, list] = await Promise.all([
        app.request('GET', `${CUSTOMER_PATH}/${customer.id}`),
        app.request('GET', `${CUSTOMER_PATH}?limit=5`),
      ]);
      expect(one.status).toBe(200);
      expect(list.status).toBe(200);
      expect(list.headers.get('x-total-count')).toBe('1');
      expect(readers.workerThreads()).toHaveLength(1);
      expect(readers.workerThreads()[0]).not.toBe(worker);
    } finally {
      await app.close();
    }
  });
});
