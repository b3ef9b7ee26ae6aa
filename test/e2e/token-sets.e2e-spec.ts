import { TokenCountPromoter } from '@server/customer/token-count-promoter';
import { TokenSets } from '@server/customer/token-sets';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { TestApp } from './support/test-app';

const CITIES = ['Lyon', 'Paris'];
const RATINGS = [1, 2];
const PATCH = { 'content-type': 'application/merge-patch+json' };

interface Doc {
  id: string;
  contactMedium?: { characteristic?: { city?: string } }[];
  creditProfile?: { creditRiskRating?: number }[];
}

const customer = (name: string, city: string, rating: number) => ({
  ...minimalCustomer(name),
  contactMedium: [{ mediumType: 'postalAddress', characteristic: { city, contactType: 'home' } }],
  creditProfile: [
    {
      creditProfileDate: '2024-03-01T10:00:00Z',
      creditRiskRating: rating,
      validFor: { startDateTime: '2024-03-01T00:00:00Z' },
    },
  ],
});

const matches = (d: Doc, city: string, rating: number) =>
  d.contactMedium?.some((m) => m.characteristic?.city === city) === true &&
  d.creditProfile?.some((p) => p.creditRiskRating === rating) === true;

/**
 * SQLite: filters that are an AND of kept tokens are counted and paged from the sets held in the
 * server's memory (ADR 0007, "Kept tokens intersected in memory"), which every write group updates
 * after its COMMIT and before answering: each list after a POST, PATCH or DELETE equals the stored
 * documents (with the update left out, the held sets go stale and these fail). With the writer on
 * the event loop and on its thread.
 */
for (const writerThread of ['false', 'true']) {
  (TEST_DB === 'sqlite' ? describe : describe.skip)(
    `kept tokens intersected in memory (SQLite, writer thread ${writerThread})`,
    () => {
      let app: TestApp;

      beforeAll(async () => {
        app = await TestApp.start({ TOKEN_COUNT_MIN: '3', SQLITE_WRITER_THREAD: writerThread });
        for (let i = 0; i < 24; i++) {
          await createCustomer(app, customer(`Seed ${i}`, CITIES[i % 2], RATINGS[(i >> 1) % 2]));
        }
        // Only intersections listed: their tokens, each held by TOKEN_COUNT_MIN customers or
        // more, are counted and given count rows after the lists, so the next lists use the sets.
        for (const [city, rating] of [
          [CITIES[0], RATINGS[0]],
          [CITIES[1], RATINGS[1]],
        ]) {
          const filter = `contactMedium.characteristic.city=${city}&creditProfile.creditRiskRating=${rating}`;
          expect((await app.request('GET', `${CUSTOMER_PATH}?${filter}&limit=1`)).status).toBe(206);
          await app.app.get(TokenCountPromoter).settled();
        }
        expect(app.app.get(TokenSets).keptTokens()?.size).toBe(4);
      });

      afterAll(async () => {
        await app?.close();
      });

      const documents = async (): Promise<Doc[]> =>
        (
          await app.dataSource.query<{ id: string; document: string }[]>(
            'SELECT id, document FROM customer',
          )
        ).map((r) => ({ ...(JSON.parse(r.document) as Doc), id: r.id }));

      async function expected(city: string, rating: number, offset: number, limit: number) {
        const matching = (await documents())
          .filter((d) => matches(d, city, rating))
          .map((d) => d.id)
          .sort();
        return { total: matching.length, ids: matching.slice(offset, offset + limit) };
      }

      async function listed(city: string, rating: number, offset: number, limit: number) {
        const res = await app.request(
          'GET',
          `${CUSTOMER_PATH}?contactMedium.characteristic.city=${city}&creditProfile.creditRiskRating=${rating}&offset=${offset}&limit=${limit}`,
        );
        expect([200, 206]).toContain(res.status);
        const docs = res.json as Doc[];
        return { total: Number(res.headers.get('x-total-count')), docs };
      }

      async function expectListsOfDocuments(): Promise<void> {
        for (const city of CITIES) {
          for (const rating of RATINGS) {
            for (const [offset, limit] of [
              [0, 2],
              [1, 3],
              [0, 50],
            ] as const) {
              const got = await listed(city, rating, offset, limit);
              expect([city, rating, offset, limit, got.total, got.docs.map((d) => d.id)]).toEqual([
                city,
                rating,
                offset,
                limit,
                ...Object.values(await expected(city, rating, offset, limit)),
              ]);
            }
          }
        }
      }

      const held = () => app.app.get(TokenSets).sets!.heldBytes;

      it('answers from the sets, equal to the documents', async () => {
        await expectListsOfDocuments();
        expect(held()).toBeGreaterThan(0);
      });

      it('sees each POST, PATCH and DELETE in the next list', async () => {
        for (let round = 0; round < 4; round++) {
          const created = (await createCustomer(
            app,
            customer(`Round ${round}`, CITIES[round % 2], RATINGS[round % 2]),
          )) as { id: string };
          await expectListsOfDocuments();
          // A PATCH moving an older customer to the other city and rating.
          const [older] = (await documents())
            .sort((x, y) => (x.id < y.id ? -1 : 1))
            .slice(round, round + 1);
          const city = older.contactMedium?.[0]?.characteristic?.city === 'Lyon' ? 'Paris' : 'Lyon';
          const res = await app.request('PATCH', `${CUSTOMER_PATH}/${older.id}`, {
            headers: PATCH,
            body: {
              contactMedium: customer('', city, 1).contactMedium,
              creditProfile: customer('', city, round % 2 === 0 ? 2 : 1).creditProfile,
            },
          });
          expect(res.status).toBe(200);
          await expectListsOfDocuments();
          expect((await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(204);
          await expectListsOfDocuments();
        }
        expect(held()).toBeGreaterThan(0);
      });

      it('answers pages of matching customers only, with writes in flight', async () => {
        let stop = false;
        let writes = 0;
        const worker = async (w: number) => {
          for (let i = 0; !stop; i++) {
            const created = (await createCustomer(
              app,
              customer(`Busy ${w}.${i}`, CITIES[(w + i) % 2], RATINGS[i % 2]),
            )) as { id: string };
            if (i % 3 === 1) {
              const res = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
                headers: PATCH,
                body: { creditProfile: customer('', 'Lyon', RATINGS[(i + 1) % 2]).creditProfile },
              });
              expect(res.status).toBe(200);
            } else if (i % 4 === 2) {
              expect((await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(
                204,
              );
            }
            writes++;
          }
        };
        const reader = async () => {
          for (let i = 0; !stop; i++) {
            const [city, rating] = [CITIES[i % 2], RATINGS[(i >> 1) % 2]];
            const res = await listed(city, rating, 0, 5);
            expect(res.docs.length).toBeLessThanOrEqual(5);
            expect(res.docs.every((d) => matches(d, city, rating))).toBe(true);
          }
        };
        const workers = [...Array.from({ length: 4 }, (_, w) => worker(w)), reader(), reader()];
        while (writes < 60) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        stop = true;
        await Promise.all(workers);
        await expectListsOfDocuments();
      });

      it('reads the kept tokens when it starts again on the database', async () => {
        await app.close(true);
        app = await TestApp.start(
          { TOKEN_COUNT_MIN: '3', SQLITE_WRITER_THREAD: writerThread },
          app.database,
        );
        expect(app.app.get(TokenSets).keptTokens()?.size).toBe(4);
        await expectListsOfDocuments();
        expect(held()).toBeGreaterThan(0);
      });
    },
  );
}
