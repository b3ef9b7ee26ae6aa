import { extractMysqlTokenRows } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { KeptTokenKeys } from '@server/customer/kept-token-keys';
import { TokenCountPromoter } from '@server/customer/token-count-promoter';
import { TransactionRunner } from '@server/database/transaction-runner';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { TestApp } from './support/test-app';

const cityPath = 'contactMedium.characteristic.city';
const postal = (city: string) => ({
  mediumType: 'postalAddress',
  characteristic: { city, contactType: 'home' },
});
const PATCH = { 'content-type': 'application/merge-patch+json' };

/**
 * MySQL/MariaDB: a database that grows after its migrations (here from empty) gets kept counts for
 * the keys that become common (ADR 0008, "Keys promoted while serving"): a list that counts one key
 * held by TOKEN_COUNT_MIN customers or more gives it count rows under the kept-count generation's
 * exclusive lock. POSTs, PATCHes and DELETEs in flight through two servers on one database (one
 * promotes and groups its writes, the other never promotes, writes each in a transaction of its
 * own and learns the new key through the generation) leave every kept
 * count equal to the stored documents' count, and the X-Total-Count equal to the documents'.
 */
(TEST_DB === 'mysql' ? describe : describe.skip)(
  'kept counts of keys that become common (MySQL/MariaDB)',
  () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      a = await TestApp.start({ TOKEN_COUNT_MIN: '3' });
      // A second server on the same database that never promotes, each write a transaction of its
      // own (no write groups: the path of read replicas and Galera).
      b = await TestApp.start({ TOKEN_COUNT_MIN: '1000000000', DB_WRITE_GROUPS: '0' }, a.database);
      for (let i = 0; i < 6; i++) {
        await createCustomer(a, {
          ...minimalCustomer(`Promoted ${i}`),
          contactMedium: [postal(i < 4 ? 'Lyon' : 'Nice')],
        });
      }
    });

    afterAll(async () => {
      await b?.close(true);
      await a?.close();
    });

    const gen = async () =>
      Number(
        (
          await a.dataSource.query<{ gen: string }[]>(
            'SELECT gen FROM customer_token_count_gen WHERE id = 0',
          )
        )[0].gen,
      );

    /** Per kept key (`token:v`), the sum of its shards. */
    const keptCounts = async () =>
      new Map(
        (
          await a.dataSource.query<{ token: string; v: string; n: string }[]>(
            'SELECT token, v, SUM(n) AS n FROM customer_token_count GROUP BY token, v',
          )
        ).map((r) => [`${r.token}:${r.v}`, Number(r.n)]),
      );

    /** The stored documents. */
    const documents = async () =>
      (await a.dataSource.query<{ document: string }[]>('SELECT document FROM customer')).map(
        (r) =>
          JSON.parse(r.document) as { contactMedium?: { characteristic?: { city?: string } }[] },
      );

    /** Every kept count against the count of the stored documents holding its key. */
    async function expectCountsOfDocuments(): Promise<number> {
      const want = new Map<string, number>();
      for (const document of await documents()) {
        for (const row of extractMysqlTokenRows(document, customerSqlStorage)) {
          if (row.rep === 0) {
            const key = `${row.token}:${row.v}`;
            want.set(key, (want.get(key) ?? 0) + 1);
          }
        }
      }
      const kept = await keptCounts();
      for (const [key, n] of kept) {
        expect([key, n]).toEqual([key, want.get(key) ?? 0]);
      }
      return kept.size;
    }

    /** The customers whose stored document has a medium in `city` (the evaluator's answer). */
    const holders = async (city: string) =>
      (await documents()).filter((d) =>
        d.contactMedium?.some((m) => m.characteristic?.city === city),
      ).length;

    async function total(app: TestApp, city: string): Promise<number> {
      const res = await app.request(
        'GET',
        `${CUSTOMER_PATH}?${cityPath}=${city}&fields=id&limit=1`,
      );
      expect([200, 206]).toContain(res.status);
      return Number(res.headers.get('x-total-count'));
    }

    it('gives rows to a key a list finds common, none to a rarer one; the other server learns it', async () => {
      expect(await keptCounts()).toEqual(new Map());
      expect(await gen()).toBe(0);
      expect(await total(a, 'Nice')).toBe(2);
      expect(await total(a, 'Lyon')).toBe(4);
      await a.app.get(TokenCountPromoter).settled();
      expect(await gen()).toBe(1);
      const kept = await keptCounts();
      expect([...kept.values()]).toEqual([4]);
      expect(await expectCountsOfDocuments()).toBe(1);
      expect(a.app.get(KeptTokenKeys).get()?.gen).toBe(1);
      // The other server still holds generation 0: its write reads 1, runs again with the key.
      expect(b.app.get(KeptTokenKeys).get()?.gen).toBe(0);
      const retries = b.app.get(TransactionRunner).retryStats.conflictRetries;
      await createCustomer(b, { ...minimalCustomer('Lyon by b'), contactMedium: [postal('Lyon')] });
      expect(b.app.get(TransactionRunner).retryStats.conflictRetries).toBe(retries + 1);
      expect(b.app.get(KeptTokenKeys).get()?.gen).toBe(1);
      expect(b.app.get(KeptTokenKeys).get()?.keys.size).toBe(1);
      await expectCountsOfDocuments();
      expect(await total(a, 'Lyon')).toBe(5);
      expect(await total(b, 'Lyon')).toBe(5);
      // A second list of the key promotes nothing again.
      expect(await total(a, 'Lyon')).toBe(5);
      await a.app.get(TokenCountPromoter).settled();
      expect(await gen()).toBe(1);
    });

    it('keeps rows made while writes are in flight on both servers equal to the documents', async () => {
      // Paris becomes common while POSTs, PATCHes and DELETEs of Paris and Lyon customers run
      // through both servers, many at once, before, during and after the promotion.
      const paris: string[] = [];
      for (let i = 0; i < 2; i++) {
        const created = (await createCustomer(a, {
          ...minimalCustomer(`Paris ${i}`),
          contactMedium: [postal('Paris')],
        })) as { id: string };
        paris.push(created.id);
      }
      let stop = false;
      let writes = 0;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const app = (w + i) % 2 === 0 ? a : b;
          const city = i % 3 === 0 ? 'Lyon' : 'Paris';
          const created = (await createCustomer(app, {
            ...minimalCustomer(`Busy ${w}.${i}`),
            contactMedium: [postal(city), postal(i % 4 === 0 ? 'Paris' : 'Nice')],
          })) as { id: string };
          if (i % 3 === 1) {
            const res = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
              headers: PATCH,
              body: { contactMedium: [postal(i % 2 === 0 ? 'Lyon' : 'Paris')] },
            });
            expect(res.status).toBe(200);
          } else if (i % 5 === 2) {
            expect((await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(
              204,
            );
          }
          writes++;
        }
      };
      const workers = Array.from({ length: 12 }, (_, w) => worker(w));
      // Writes in flight; Paris has passed the threshold (2 + the workers' first POSTs).
      while (writes < 24) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const atList = writes;
      expect(await total(a, 'Paris')).toBeGreaterThanOrEqual(3);
      await a.app.get(TokenCountPromoter).settled();
      const atPromoted = writes;
      // More writes after it, on both servers.
      while (writes < atPromoted + 48) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      stop = true;
      await Promise.all(workers);
      expect(atPromoted).toBeGreaterThan(atList - 1);
      expect(await gen()).toBe(2);
      expect(await expectCountsOfDocuments()).toBe(2);
      for (const app of [a, b]) {
        expect(app.app.get(KeptTokenKeys).get()?.gen).toBe(2);
      }
      for (const city of ['Paris', 'Lyon', 'Nice']) {
        const want = await holders(city);
        expect([city, await total(a, city)]).toEqual([city, want]);
        expect([city, await total(b, city)]).toEqual([city, want]);
      }
      // Nice, held by most of the workers' customers, became common without a list: the list
      // above promotes it once it has answered, and its rows match the documents too.
      await a.app.get(TokenCountPromoter).settled();
      expect(await gen()).toBe(3);
      expect(await expectCountsOfDocuments()).toBe(3);
      expect(a.app.get(KeptTokenKeys).get()?.gen).toBe(3);
      expect(await total(b, 'Nice')).toBe(await holders('Nice'));
    });
  },
);
