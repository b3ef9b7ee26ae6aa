import { TokenCountPromoter } from '@server/customer/token-count-promoter';
import { TokenSets } from '@server/customer/token-sets';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import {
  CITIES,
  CityRatingDoc as Doc,
  cityRatingCustomer as customer,
  expectedPage,
  matchesCityRating as matches,
  MERGE_PATCH as PATCH,
  RATINGS,
  storedDocuments,
  withWritesInFlight,
} from './support/kept-keys';
import { TestApp } from './support/test-app';

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

      const documents = () => storedDocuments(app);
      const expected = (city: string, rating: number, offset: number, limit: number) =>
        expectedPage(app, city, rating, offset, limit);

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
        await withWritesInFlight({
          writers: 4,
          readers: 2,
          minWrites: 60,
          appOf: () => app,
          read: async (i) => {
            const [city, rating] = [CITIES[i % 2], RATINGS[(i >> 1) % 2]];
            const res = await listed(city, rating, 0, 5);
            expect(res.docs.length).toBeLessThanOrEqual(5);
            expect(res.docs.every((d) => matches(d, city, rating))).toBe(true);
          },
        });
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
