import { MysqlTokenBitmaps } from '@app/tmf-query';
import { KeptTokenKeys } from '@server/customer/kept-token-keys';
import { TokenBitmaps } from '@server/customer/token-bitmaps';
import { TokenCountPromoter } from '@server/customer/token-count-promoter';
import { TokenSweeper } from '@server/customer/token-sweeper';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import {
  CITIES,
  cityRatingCustomer as customer,
  expectedPage,
  MERGE_PATCH as PATCH,
  RATINGS,
  storedDocuments,
  withWritesInFlight,
} from './support/kept-keys';
import { undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

/**
 * MySQL/MariaDB: filters of several kept keys are intersected in each server's bitmaps, kept
 * current by the epochs' change counters (ADR 0008, "Kept keys' bitmaps"). Two servers on one
 * database, each holding its own bitmaps: writes through one (POST, PATCH of the keys, DELETE, the
 * sweep) are seen by the other's next list; counts and pages equal the stored documents'.
 */
(TEST_DB === 'mysql' ? describe : describe.skip)(
  'kept keys intersected in memory on two servers (MySQL/MariaDB)',
  () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      a = await TestApp.start({ TOKEN_COUNT_MIN: '3' });
      // The second server writes each request in a transaction of its own (no write groups).
      b = await TestApp.start({ TOKEN_COUNT_MIN: '3', DB_WRITE_GROUPS: '0' }, a.database);
      for (let i = 0; i < 24; i++) {
        await createCustomer(a, customer(`Seed ${i}`, CITIES[i % 2], RATINGS[(i >> 1) % 2]));
      }
      // Only intersections listed: their keys, each held by TOKEN_COUNT_MIN customers or more,
      // are counted and promoted (kept counts) after the lists, so that the next intersections
      // are served from memory; both servers learn the keys.
      for (const [city, rating] of [
        [CITIES[0], RATINGS[0]],
        [CITIES[1], RATINGS[1]],
      ]) {
        const filter = `contactMedium.characteristic.city=${city}&creditProfile.creditRiskRating=${rating}`;
        expect((await a.request('GET', `${CUSTOMER_PATH}?${filter}&limit=1`)).status).toBe(206);
        await a.app.get(TokenCountPromoter).settled();
      }
      for (const app of [a, b]) {
        await app.app.get(KeptTokenKeys).refresh();
        expect(app.app.get(KeptTokenKeys).get()?.keys.size).toBe(4);
      }
    });

    afterAll(async () => {
      await b?.close(true);
      await a?.close();
    });

    const documents = () => storedDocuments(a);
    const expected = (city: string, rating: number, offset: number, limit: number, desc: boolean) =>
      expectedPage(a, city, rating, offset, limit, desc);

    async function listed(
      app: TestApp,
      city: string,
      rating: number,
      offset: number,
      limit: number,
      desc: boolean,
    ) {
      const sort = desc ? '&sort=-id' : '';
      const res = await app.request(
        'GET',
        `${CUSTOMER_PATH}?contactMedium.characteristic.city=${city}&creditProfile.creditRiskRating=${rating}&fields=id&offset=${offset}&limit=${limit}${sort}`,
      );
      expect([200, 206]).toContain(res.status);
      return {
        total: Number(res.headers.get('x-total-count')),
        ids: (res.json as { id: string }[]).map((c) => c.id),
      };
    }

    /** Every intersection, several pages, on both servers, against the documents. */
    async function expectListsOfDocuments(): Promise<void> {
      for (const app of [a, b]) {
        for (const city of CITIES) {
          for (const rating of RATINGS) {
            for (const [offset, limit, desc] of [
              [0, 2, false],
              [1, 3, false],
              [0, 50, false],
              [2, 2, true],
            ] as const) {
              const want = await expected(city, rating, offset, limit, desc);
              expect([
                city,
                rating,
                offset,
                limit,
                desc,
                await listed(app, city, rating, offset, limit, desc),
              ]).toEqual([city, rating, offset, limit, desc, want]);
            }
          }
        }
      }
    }

    const held = (app: TestApp) =>
      (app.app.get(TokenBitmaps).intersections as MysqlTokenBitmaps).heldBytes;

    it('answers from the bitmaps, equal to the documents', async () => {
      await expectListsOfDocuments();
      expect(held(a)).toBeGreaterThan(0);
      expect(held(b)).toBeGreaterThan(0);
    });

    it("sees the other server's POST, PATCH, DELETE and sweep in its next list", async () => {
      let n = 0;
      for (const [writer, reader] of [
        [a, b],
        [b, a],
      ] as const) {
        for (let round = 0; round < 3; round++) {
          // A POST into the newest epoch.
          const created = (await createCustomer(
            writer,
            customer(`Round ${n++}`, CITIES[round % 2], RATINGS[round % 2]),
          )) as { id: string };
          await expectListsOfDocuments();
          // A PATCH moving an older customer to the other city and rating.
          const [older] = (await documents())
            .sort((x, y) => (x.id < y.id ? -1 : 1))
            .slice(round, round + 1);
          const city = older.contactMedium?.[0]?.characteristic?.city === 'Lyon' ? 'Paris' : 'Lyon';
          const res = await writer.request('PATCH', `${CUSTOMER_PATH}/${older.id}`, {
            headers: PATCH,
            body: {
              contactMedium: customer('', city, 1).contactMedium,
              creditProfile: customer('', city, round % 2 === 0 ? 2 : 1).creditProfile,
            },
          });
          expect(res.status).toBe(200);
          await expectListsOfDocuments();
          // A DELETE (its rows wait for the sweep), then the sweep of its epoch.
          expect((await writer.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(
            204,
          );
          await expectListsOfDocuments();
          await reader.app.get(TokenSweeper).sweep(1);
          await expectListsOfDocuments();
        }
      }
    });

    it('migrates a populated database: the counters table undone and made again, empty', async () => {
      const tables = async () =>
        (
          await a.dataSource.query<{ n: string }[]>(
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'customer_token_epoch'",
          )
        )[0].n;
      expect(
        Number(
          (await a.dataSource.query<{ n: string }[]>('SELECT COUNT(*) AS n FROM customer'))[0].n,
        ),
      ).toBeGreaterThan(20);
      await undoAndRedo(a.dataSource, 'CustomerTokenEpochs', async () => {
        expect(Number(await tables())).toBe(0);
      });
      expect(Number(await tables())).toBe(1);
      // Every counter at 0, its rows made ahead of the customers.
      const [made] = await a.dataSource.query<{ n: string; made: string; epochs: string }[]>(
        'SELECT COALESCE(SUM(n), 0) AS n, COUNT(*) AS made, COUNT(DISTINCT epoch) AS epochs FROM customer_token_epoch',
      );
      expect([Number(made.n), Number(made.made), Number(made.epochs)]).toEqual([
        0,
        1025 * 16,
        1025,
      ]);
      // The sweeper makes rows ahead again once half of them are used (here: taken away).
      await a.dataSource.query('DELETE FROM customer_token_epoch WHERE epoch > 100');
      await a.app.get(TokenSweeper).makeEpochRowsAhead();
      const [again] = await a.dataSource.query<{ epochs: string }[]>(
        'SELECT COUNT(DISTINCT epoch) AS epochs FROM customer_token_epoch',
      );
      expect(Number(again.epochs)).toBe(1025);
      // Counters from 0 again: both servers read their held epochs again, then follow writes.
      await expectListsOfDocuments();
      await createCustomer(b, customer('After redo', 'Lyon', 1));
      await expectListsOfDocuments();
    });

    it('stays equal to the documents with writes in flight through both servers', async () => {
      await withWritesInFlight({
        writers: 6,
        readers: 2,
        minWrites: 60,
        appOf: (w, i) => ((w + i) % 2 === 0 ? a : b),
        read: async (i) => {
          const res = await listed(
            i % 2 === 0 ? a : b,
            CITIES[i % 2],
            RATINGS[(i >> 1) % 2],
            0,
            5,
            false,
          );
          expect(res.ids.length).toBeLessThanOrEqual(5);
        },
      });
      await expectListsOfDocuments();
      await a.app.get(TokenSweeper).sweep(1);
      await expectListsOfDocuments();
    });

    /** The page and count of a range of creditScore (and a city) from the stored documents. */
    async function expectedRange(
      from: number,
      to: number,
      city: string | undefined,
      desc: boolean,
    ) {
      const matching = (await documents())
        .filter(
          (d) =>
            d.creditProfile?.some(
              (p) => p.creditScore !== undefined && p.creditScore >= from && p.creditScore < to,
            ) &&
            (city === undefined || d.contactMedium?.some((m) => m.characteristic?.city === city)),
        )
        .map((d) => d.id)
        .sort();
      if (desc) {
        matching.reverse();
      }
      return { total: matching.length, ids: matching.slice(0, 4) };
    }

    async function listedRange(
      app: TestApp,
      from: number,
      to: number,
      city: string | undefined,
      desc: boolean,
    ) {
      const filter =
        `creditProfile.creditScore.gte=${from}&creditProfile.creditScore.lt=${to}` +
        (city ? `&contactMedium.characteristic.city=${city}` : '');
      const res = await app.request(
        'GET',
        `${CUSTOMER_PATH}?${filter}&fields=id&limit=4${desc ? '&sort=-id' : ''}`,
      );
      expect([200, 206]).toContain(res.status);
      return {
        total: Number(res.headers.get('x-total-count')),
        ids: (res.json as { id: string }[]).map((c) => c.id),
      };
    }

    const RANGES = [
      [500, 650],
      [600, 601],
      [640, 800],
      [0, 1000],
    ] as const;

    /** Every range, alone and with each city, on both servers, against the documents. */
    async function expectRangesOfDocuments(): Promise<void> {
      for (const app of [a, b]) {
        for (const [from, to] of RANGES) {
          for (const city of [undefined, ...CITIES]) {
            for (const desc of [false, true]) {
              expect([from, to, city, desc, await listedRange(app, from, to, city, desc)]).toEqual([
                from,
                to,
                city,
                desc,
                await expectedRange(from, to, city, desc),
              ]);
            }
          }
        }
      }
    }

    const settled = async () => {
      for (const app of [a, b]) {
        await (app.app.get(TokenBitmaps).intersections as MysqlTokenBitmaps).idle();
      }
    };

    it('counts and pages ranges from held rows, following writes through both servers', async () => {
      const before = held(a);
      await expectRangesOfDocuments();
      await settled();
      expect(held(a)).toBeGreaterThan(before);
      await expectRangesOfDocuments();
      let n = 0;
      for (const [writer, reader] of [
        [a, b],
        [b, a],
      ] as const) {
        // Rows held first: the writes below move held epochs (the background re-reads a moved
        // epoch at most once a second; the reader answers it from SQL meanwhile).
        await settled();
        const created = (await createCustomer(
          writer,
          customer(`Scored ${n++}`, CITIES[n % 2], 1, 600),
        )) as { id: string };
        await expectRangesOfDocuments();
        const res = await writer.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
          headers: PATCH,
          body: { creditProfile: customer('', 'Lyon', 2, 700).creditProfile },
        });
        expect(res.status).toBe(200);
        await expectRangesOfDocuments();
        expect((await writer.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(204);
        await expectRangesOfDocuments();
        await reader.app.get(TokenSweeper).sweep(1);
        await expectRangesOfDocuments();
      }
    });

    it('stays equal to the documents for ranges with writes in flight through both servers', async () => {
      await withWritesInFlight({
        writers: 6,
        readers: 2,
        minWrites: 60,
        appOf: (w, i) => ((w + i) % 2 === 0 ? a : b),
        created: (w, i) =>
          customer(
            `Ranged ${w}.${i}`,
            CITIES[(w + i) % 2],
            RATINGS[i % 2],
            500 + ((w * 7 + i * 13) % 20) * 25,
          ),
        patched: (i) => ({
          creditProfile: customer('', 'Lyon', 1, 500 + ((i * 11) % 20) * 25).creditProfile,
        }),
        read: async (i) => {
          const [from, to] = RANGES[i % RANGES.length];
          const res = await listedRange(
            i % 2 === 0 ? a : b,
            from,
            to,
            i % 3 === 0 ? 'Lyon' : undefined,
            false,
          );
          expect(res.ids.length).toBeLessThanOrEqual(4);
        },
      });
      await expectRangesOfDocuments();
      await settled();
      await expectRangesOfDocuments();
      await a.app.get(TokenSweeper).sweep(1);
      await expectRangesOfDocuments();
    });
  },
);
