import {
  copyToken,
  extractTokenRows,
  indexPathId,
  tokenCountRowStatement,
  valueToken,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { MIGRATING_SERVER_ENV, tokenRowsMatching, undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

const creditProfile = [
  {
    creditRiskRating: 2,
    creditProfileDate: '2024-01-01T00:00:00Z',
    validFor: { startDateTime: '2024-01-01T00:00:00Z' },
  },
];

/**
 * The slot-0 copies and the count table (SQLite) on a populated database: done, the slot-0 rows
 * hold the copies and the count table exists (rows for tokens 1,000 customers hold: none here; a
 * row given to a token stays equal to the stored documents' count through POST, PATCH and DELETE);
 * undone, no copy and no table; redone, both are back and the lists' totals exact.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)(
  'token copies and counts migrations (SQLite)',
  () => {
    let app: TestApp;
    const cityPath = 'contactMedium.characteristic.city';
    const lyon = copyToken(valueToken(indexPathId(cityPath), 's', 'Lyon'));

    const postal = (city: string) => ({
      mediumType: 'postalAddress',
      characteristic: { city, contactType: 'home' },
    });

    beforeAll(async () => {
      app = await TestApp.start(MIGRATING_SERVER_ENV);
      for (let i = 0; i < 12; i++) {
        // Lyon for i % 3 === 0, twice for i % 6 === 0 (one copy all the same).
        const contactMedium = [
          postal(i % 3 === 0 ? 'Lyon' : 'Lille'),
          ...(i % 6 === 0 ? [postal('Lyon')] : []),
        ];
        await createCustomer(app, {
          ...minimalCustomer(`Copies ${i}`),
          contactMedium,
          ...(i % 2 === 0 ? { creditProfile } : {}),
        });
      }
    });

    afterAll(async () => {
      await app?.close();
    });

    const rowsMatching = (match: string) => tokenRowsMatching(app.dataSource, match);

    const tableRows = async () =>
      (
        await app.dataSource.query<{ n: number }[]>(
          "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'customer_token_count'",
        )
      )[0].n === 1
        ? app.dataSource.query<{ token: string; n: number }[]>(
            'SELECT token, n FROM customer_token_count',
          )
        : undefined;

    /** Each row of the count table against the counts of the stored documents. */
    async function expectCountsOfDocuments(): Promise<void> {
      const docs = await app.dataSource.query<{ document: string }[]>(
        'SELECT document FROM customer',
      );
      const want = new Map<string, number>();
      for (const { document } of docs) {
        const [first] = extractTokenRows(JSON.parse(document), customerSqlStorage);
        for (const token of first?.slot === 0 ? (first.counted ?? []) : []) {
          want.set(token, (want.get(token) ?? 0) + 1);
        }
      }
      const rows = (await tableRows()) ?? [];
      expect(rows.length).toBeGreaterThan(0);
      for (const { token, n } of rows) {
        expect([token, n]).toEqual([token, want.get(token) ?? 0]);
      }
    }

    /** Gives the Lyon copy a row, as the migration does for a token 1,000 customers hold. */
    async function countLyon(): Promise<void> {
      const statement = tokenCountRowStatement(customerSqlStorage, lyon);
      await app.dataSource.query(statement.sql, statement.params);
      await expectCountsOfDocuments();
    }

    async function expectTotal(query: string, total: number): Promise<void> {
      const res = await app.request('GET', `${CUSTOMER_PATH}?${query}&fields=id&limit=1`);
      expect([200, 206]).toContain(res.status);
      expect(res.headers.get('x-total-count')).toBe(String(total));
    }

    it('copies the arrays’ tokens to slot 0 and counts them; undo takes both out', async () => {
      expect(await rowsMatching(lyon)).toBe(4);
      expect(await tableRows()).toEqual([]);
      await expectTotal(`${cityPath}=Lyon`, 4);
      await countLyon();
      await expectTotal(`${cityPath}=Lyon`, 4);
      await expectTotal(`${cityPath}=Lyon&creditProfile.creditRiskRating=2`, 2);

      await undoAndRedo(app.dataSource, 'CustomerSearchCopies', async () => {
        expect(await rowsMatching(lyon)).toBe(0);
        expect(await tableRows()).toBeUndefined();
      });
      expect(await rowsMatching(lyon)).toBe(4);
      await expectTotal(`${cityPath}=Lyon`, 4);
      await countLyon();
      await expectTotal(`${cityPath}=Lyon&creditProfile.creditRiskRating=2`, 2);
    });

    it('keeps the counts with every write', async () => {
      const created = (await createCustomer(app, {
        ...minimalCustomer('Copies new'),
        contactMedium: [postal('Lyon')],
      })) as { id: string };
      await expectTotal(`${cityPath}=Lyon`, 5);
      await expectCountsOfDocuments();
      const patched = await app.request('PATCH', `${CUSTOMER_PATH}/${created.id}`, {
        body: { contactMedium: [postal('Nice')] },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(patched.status).toBe(200);
      await expectTotal(`${cityPath}=Lyon`, 4);
      await expectTotal(`${cityPath}=Nice`, 1);
      await expectCountsOfDocuments();
      expect((await app.request('DELETE', `${CUSTOMER_PATH}/${created.id}`)).status).toBe(204);
      await expectTotal(`${cityPath}=Nice`, 0);
      await expectCountsOfDocuments();
    });
  },
);
