import { MYSQL_COUNT_SHARDS } from '@app/tmf-query';
import { KeptTokenKeys } from '@server/customer/kept-token-keys';
import { CustomerTokenCounts1796100000000 } from '@server/database/migrations/mysql/1796100000000-customer-token-counts';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

/**
 * The kept token counts (MySQL/MariaDB) on a database holding customers, some deleted and not yet
 * swept: the migration gives the common keys their counts (the live customers holding them; a
 * repeated value counted once), undo drops them, redo builds them again; then every write keeps
 * them in its transaction, and a one-key filter's `X-Total-Count` is read from them.
 */
(TEST_DB === 'mysql' ? describe : describe.skip)('kept token counts (MySQL/MariaDB)', () => {
  let app: TestApp;
  const ids: string[] = [];
  const WORK = `${CUSTOMER_PATH}?contactMedium.characteristic.contactType=work&fields=id&limit=1`;
  const PATCH = { 'content-type': 'application/merge-patch+json' };

  /** Contact media of `kind` (two for `twice`: the second repeats the first's values). */
  const media = (i: number, kind: string, twice = false) =>
    Array.from({ length: twice ? 2 : 1 }, (_, k) => ({
      mediumType: 'email',
      characteristic: { emailAddress: `k${i}.${k}@counts.example`, contactType: kind },
    }));

  beforeAll(async () => {
    app = await TestApp.start();
    for (let i = 0; i < 12; i++) {
      const body = {
        ...minimalCustomer(`Counted ${i}`),
        contactMedium: media(i, i % 3 === 0 ? 'home' : 'work', i % 4 === 1),
      };
      ids.push(((await createCustomer(app, body)) as { id: string }).id);
    }
    // Deleted, not swept: their rows stay, and must not be counted.
    for (const id of ids.splice(10)) {
      expect((await app.request('DELETE', `${CUSTOMER_PATH}/${id}`)).status).toBe(204);
    }
  });

  afterAll(async () => {
    CustomerTokenCounts1796100000000.countedMin = 1000;
    await app?.close();
  });

  /** Per kept key: its shards, and whether their sum is its live customers (rep = 0 rows). */
  async function keptKeys(): Promise<{ keys: number; shards: number; wrong: number }> {
    const [row] = await app.dataSource.query<
      { keys: string; shards: string; wrong: string | null }[]
    >(
      `SELECT COUNT(*) AS \`keys\`, SUM(k.shards) AS shards, SUM(k.n <> (
         SELECT COUNT(*) FROM customer_token t JOIN customer c ON c.seq = t.seq
         WHERE t.token = k.token AND t.v = k.v AND t.rep = 0)) AS wrong
       FROM (SELECT token, v, SUM(n) AS n, COUNT(*) AS shards FROM customer_token_count GROUP BY token, v) k`,
    );
    return { keys: Number(row.keys), shards: Number(row.shards), wrong: Number(row.wrong ?? 0) };
  }

  async function workTotal(): Promise<number> {
    const res = await app.request('GET', WORK);
    expect([200, 206]).toContain(res.status);
    return Number(res.headers.get('x-total-count'));
  }

  async function tableExists(): Promise<boolean> {
    const rows = await app.dataSource.query<unknown[]>("SHOW TABLES LIKE 'customer_token_count'");
    return rows.length > 0;
  }

  it('builds the counts of the common keys, and undo drops them', async () => {
    // 10 live customers, 6 of them work ones (i % 3 !== 0 among 0..9).
    expect(await workTotal()).toBe(6);
    CustomerTokenCounts1796100000000.countedMin = 3;
    await undoAndRedo(app.dataSource, 'CustomerTokenCounts', async () => {
      expect(await tableExists()).toBe(false);
    });
    // The server learns the keys the migration kept (it ran them before serving, in production).
    await app.app.get(KeptTokenKeys).reload();
    expect(app.app.get(KeptTokenKeys).get()?.keys.size).toBeGreaterThanOrEqual(2);
    expect(app.app.get(KeptTokenKeys).get()?.paths?.size).toBeGreaterThanOrEqual(1);
    const kept = await keptKeys();
    // work, home, the mediumType, the customers' engaged party (a column: none) ...
    expect(kept.keys).toBeGreaterThanOrEqual(2);
    expect(kept.shards).toBe(kept.keys * MYSQL_COUNT_SHARDS);
    expect(kept.wrong).toBe(0);
    expect(await workTotal()).toBe(6);
    // The total is read from the kept rows.
    await app.dataSource.query(
      'UPDATE customer_token_count SET n = n + 100 WHERE shard = 5 AND (token, v) IN ' +
        '(SELECT token, v FROM (SELECT token, v FROM customer_token_count WHERE shard = 0 AND n = 6) w)',
    );
    expect(await workTotal()).toBe(106);
    // (The shards but the first hold 0 after the build.)
    await app.dataSource.query('UPDATE customer_token_count SET n = 0 WHERE shard = 5');
    expect(await workTotal()).toBe(6);
  });

  it('keeps them through POST, PATCH and DELETE', async () => {
    const before = await keptKeys();
    const created = (await createCustomer(app, {
      ...minimalCustomer('Counted new'),
      contactMedium: media(20, 'work', true),
    })) as { id: string };
    expect(await workTotal()).toBe(7);
    // A home customer becomes a work one, a work one a home one, another keeps work in two media.
    const patch = async (id: string, kind: string, twice = false) => {
      const res = await app.request('PATCH', `${CUSTOMER_PATH}/${id}`, {
        headers: PATCH,
        body: { contactMedium: media(30, kind, twice) },
      });
      expect(res.status).toBe(200);
    };
    await patch(ids[0], 'work');
    expect(await workTotal()).toBe(8);
    await patch(ids[1], 'home');
    expect(await workTotal()).toBe(7);
    await patch(ids[2], 'work', true);
    expect(await workTotal()).toBe(7);
    expect((await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(204);
    expect((await app.request('DELETE', `${CUSTOMER_PATH}/${ids[4]}`)).status).toBe(204);
    expect(await workTotal()).toBe(5);
    const after = await keptKeys();
    expect(after.keys).toBe(before.keys);
    expect(after.wrong).toBe(0);
  });
});
