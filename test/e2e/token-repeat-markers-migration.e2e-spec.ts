import { indexPathId, repeatMarker, valueToken } from '@app/tmf-query';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import {
  MIGRATING_SERVER_ENV,
  tokenRowsMatching,
  undoAndRedo,
  undoMigrationsThrough,
} from './support/migrations';
import { TestApp } from './support/test-app';

/**
 * The repeat-marker migration (SQLite) on a database holding customers whose contact media repeat a
 * value: done, the rows repeating a token hold its marker and a token's count is read from its first
 * rows; undone, no row holds a marker; redone, they are back and the counts are exact again. The
 * markers belong to the element-row layout: the one-row migration after it (ADR 0014) is undone
 * first, and redone at the end, where the counts stay exact.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)('token repeat-marker migration (SQLite)', () => {
  let app: TestApp;
  let undoneBefore = 0;
  const work = valueToken(indexPathId('contactMedium.characteristic.contactType'), 's', 'work');

  beforeAll(async () => {
    app = await TestApp.start(MIGRATING_SERVER_ENV);
    for (let i = 0; i < 9; i++) {
      // i % 3 work contact media (0, 1 or 2: a customer with two repeats the token).
      const contactMedium = Array.from({ length: i % 3 }, (_, k) => ({
        mediumType: 'email',
        characteristic: { emailAddress: `m${i}.${k}@repeat.example`, contactType: 'work' },
      }));
      await createCustomer(app, {
        ...minimalCustomer(`Repeat ${i}`),
        ...(contactMedium.length > 0 ? { contactMedium } : {}),
      });
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  const rowsMatching = (match: string) => tokenRowsMatching(app.dataSource, match);

  async function expectCount(): Promise<void> {
    const res = await app.request(
      'GET',
      `${CUSTOMER_PATH}?contactMedium.characteristic.contactType=work&name*=^Repeat&fields=id`,
    );
    expect(res.status).toBe(200);
    expect((res.json as unknown[]).length).toBe(6);
    const counted = await app.request(
      'GET',
      `${CUSTOMER_PATH}?contactMedium.characteristic.contactType=work&fields=id&limit=1`,
    );
    expect(counted.headers.get('x-total-count')).toBe('6');
  }

  it('marks the repeated tokens, and undo takes the marks out', async () => {
    undoneBefore = await undoMigrationsThrough(app.dataSource, 'CustomerSearchOneRow');
    // Customers 2, 5 and 8 hold two work rows each: 9 rows, 3 of them repeats.
    expect(await rowsMatching(work)).toBe(9);
    expect(await rowsMatching(repeatMarker(work))).toBe(3);
    await expectCount();

    await undoAndRedo(
      app.dataSource,
      'CustomerSearchRepeatMarkers',
      async () => {
        expect(await rowsMatching(work)).toBe(9);
        expect(await rowsMatching(repeatMarker(work))).toBe(0);
      },
      undoneBefore,
    );
    // The one-row layout again: no element rows, no markers.
    expect(await rowsMatching(repeatMarker(work))).toBe(0);
    await expectCount();
  });
});
