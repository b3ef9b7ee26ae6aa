import { copyToken, extractTokenRows, indexPathId, valueToken } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { TokenCountPromoter } from '@server/customer/token-count-promoter';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { TestApp } from './support/test-app';

const cityPath = 'contactMedium.characteristic.city';
const cityToken = (city: string) => copyToken(valueToken(indexPathId(cityPath), 's', city));
const postal = (city: string) => ({
  mediumType: 'postalAddress',
  characteristic: { city, contactType: 'home' },
});

/**
 * A database that grows after its migrations (here from empty) gets kept counts for the values
 * that become common: a list that counts one value held by TOKEN_COUNT_MIN customers or more gives
 * it a row, which every later write keeps equal to the stored documents' count, writes in flight
 * while the row is made included.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)(
  'kept counts of values that become common',
  () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await TestApp.start({ TOKEN_COUNT_MIN: '3' });
      for (let i = 0; i < 6; i++) {
        await createCustomer(app, {
          ...minimalCustomer(`Promoted ${i}`),
          contactMedium: [postal(i < 4 ? 'Lyon' : 'Nice')],
        });
      }
    });

    afterAll(async () => {
      await app?.close();
    });

    const countRows = async () =>
      new Map(
        (
          await app.dataSource.query<{ token: string; n: number }[]>(
            'SELECT token, n FROM customer_token_count',
          )
        ).map((r) => [r.token, Number(r.n)]),
      );

    /** Each row of the count table against the counts of the stored documents. */
    async function expectCountsOfDocuments(): Promise<void> {
      const want = new Map<string, number>();
      for (const { document } of await app.dataSource.query<{ document: string }[]>(
        'SELECT document FROM customer',
      )) {
        const [first] = extractTokenRows(JSON.parse(document), customerSqlStorage);
        for (const token of first?.slot === 0 ? (first.counted ?? []) : []) {
          want.set(token, (want.get(token) ?? 0) + 1);
        }
      }
      for (const [token, n] of await countRows()) {
        expect([token, n]).toEqual([token, want.get(token) ?? 0]);
      }
    }

    async function total(city: string): Promise<number> {
      const res = await app.request(
        'GET',
        `${CUSTOMER_PATH}?${cityPath}=${city}&fields=id&limit=1`,
      );
      expect([200, 206]).toContain(res.status);
      return Number(res.headers.get('x-total-count'));
    }

    it('gives a row to a value a list finds common, none to a rarer one', async () => {
      expect(await countRows()).toEqual(new Map());
      expect(await total('Nice')).toBe(2);
      expect(await total('Lyon')).toBe(4);
      await app.app.get(TokenCountPromoter).settled();
      const rows = await countRows();
      expect(rows.get(cityToken('Lyon'))).toBe(4);
      expect(rows.has(cityToken('Nice'))).toBe(false);
      expect(await total('Lyon')).toBe(4);
    });

    it('keeps a row made while writes are in flight equal to the documents', async () => {
      // Paris becomes common while POSTs, PATCHes and DELETEs of Paris and Lyon customers run in the
      // same write groups as the promotion.
      const paris = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          createCustomer(app, {
            ...minimalCustomer(`Paris ${i}`),
            contactMedium: [postal('Paris')],
          }),
        ),
      );
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 12; i++) {
        writes.push(
          createCustomer(app, {
            ...minimalCustomer(`Paris more ${i}`),
            contactMedium: [postal(i % 2 === 0 ? 'Paris' : 'Lyon')],
          }),
        );
        if (i === 3) {
          writes.push(total('Paris'));
        }
      }
      writes.push(
        app.request('PATCH', `${CUSTOMER_PATH}/${(paris[0] as { id: string }).id}`, {
          body: { contactMedium: [postal('Lyon')] },
          headers: { 'content-type': 'application/merge-patch+json' },
        }),
        app.request('DELETE', `${CUSTOMER_PATH}/${(paris[1] as { id: string }).id}`),
      );
      await Promise.all(writes);
      await app.app.get(TokenCountPromoter).settled();
      const rows = await countRows();
      expect(rows.has(cityToken('Paris'))).toBe(true);
      await expectCountsOfDocuments();
      expect(await total('Paris')).toBe(4 + 6 - 2);
      expect(await total('Lyon')).toBe(4 + 6 + 1);
    });
  },
);
