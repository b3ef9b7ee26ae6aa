import { bucketTokens, indexPathId } from '@app/tmf-query';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { MIGRATING_SERVER_ENV, tokenRowsMatching, undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

const DAY = 86400000;
const FROM = Date.UTC(2024, 2, 4);

/**
 * The date-time bucket migration (SQLite) on a populated database: done, the rows holding a
 * date-time hold its 32-bit bucket token and one-day ranges are exact; undone, no row holds one;
 * redone, they are back and the ranges' pages and totals exact again.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)('token date-bucket migration (SQLite)', () => {
  let app: TestApp;
  const path = 'creditProfile.validFor.startDateTime';
  // Every 50 minutes from a day before FROM to a day after it: 87 customers, 29 in FROM's day.
  const instants = Array.from({ length: 87 }, (_, i) => FROM - DAY + i * 50 * 60000);
  const inDay = (from: number, to: number) => instants.filter((t) => t >= from && t < to).length;
  const fine = (t: number) => bucketTokens(indexPathId(path), 'd', t).at(-1) as string;

  beforeAll(async () => {
    app = await TestApp.start(MIGRATING_SERVER_ENV);
    for (const [i, t] of instants.entries()) {
      await createCustomer(app, {
        ...minimalCustomer(`Dates ${i}`),
        creditProfile: [
          {
            creditRiskRating: 1 + (i % 5),
            creditProfileDate: '2024-01-01T00:00:00Z',
            validFor: { startDateTime: new Date(t).toISOString() },
          },
        ],
      });
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  const rowsMatching = (match: string) => tokenRowsMatching(app.dataSource, match);

  /** Ranges of a day and of 20 minutes, their ends inside buckets and on them, page and total. */
  async function expectRanges(): Promise<void> {
    const ranges = [
      [FROM, FROM + DAY],
      [FROM + 7 * 60000, FROM + DAY - 13 * 60000],
      [FROM + 2 ** 20, FROM + 5 * 2 ** 20],
      [FROM + 49 * 60000, FROM + 69 * 60000],
    ];
    for (const [from, to] of ranges) {
      const query =
        `${path}.gte=${new Date(from).toISOString()}&${path}.lt=${new Date(to).toISOString()}` +
        '&fields=id&limit=100';
      const res = await app.request('GET', `${CUSTOMER_PATH}?${query}`);
      expect([res.status, (res.json as unknown[]).length]).toEqual([200, inDay(from, to)]);
      expect(res.headers.get('x-total-count')).toBe(String(inDay(from, to)));
    }
  }

  it('adds the 32-bit date-time buckets, and undo takes them out', async () => {
    const distinct = new Set(instants.map(fine));
    let rows = 0;
    for (const token of distinct) {
      rows += await rowsMatching(token);
    }
    expect(rows).toBe(instants.length);
    await expectRanges();

    await undoAndRedo(app.dataSource, 'CustomerSearchDateBuckets', async () => {
      for (const token of distinct) {
        expect(await rowsMatching(token)).toBe(0);
      }
      // The coarser levels stay.
      const [, , , , hours] = bucketTokens(indexPathId(path), 'd', FROM);
      expect(await rowsMatching(hours)).toBeGreaterThan(0);
    });
    rows = 0;
    for (const token of distinct) {
      rows += await rowsMatching(token);
    }
    expect(rows).toBe(instants.length);
    await expectRanges();
  });
});
