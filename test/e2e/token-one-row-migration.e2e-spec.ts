import { indexPathId, matches, parseQuery, valueToken } from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { minimalCustomer } from '@test/fixtures/customers';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { MIGRATING_SERVER_ENV, tokenRowsMatching, undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

type Document = Record<string, unknown>;

const CITIES = ['Lyon', 'Lille', 'Nice'];
const nice = valueToken(indexPathId('contactMedium.characteristic.city'), 's', 'Nice');

/** Customer `i`: 1 to 6 postal contact media (more than the 4 marked elements for some). */
function body(i: number): Document {
  const media = 1 + (i % 6);
  return {
    ...minimalCustomer(`OneRow ${i}`),
    contactMedium: Array.from({ length: media }, (_, k) => ({
      mediumType: k % 2 === 0 ? 'postalAddress' : 'email',
      preferred: k === (i % 3) + 3,
      characteristic: { city: CITIES[(i + k) % 3], contactType: 'home' },
    })),
    creditProfile: [
      {
        creditRiskRating: 1 + (i % 4),
        creditScore: 500 + ((i * 37) % 300),
        creditProfileDate: '2024-01-01T00:00:00Z',
        validFor: { startDateTime: '2024-01-01T00:00:00Z' },
      },
    ],
  };
}

// Same-element groups (the marked elements and the later ones' rows), any element, ranges on arrays.
const QUERIES = [
  'contactMedium.mediumType=email&contactMedium.characteristic.city=Nice',
  'contactMedium.preferred=true&contactMedium.characteristic.city=Lyon',
  'contactMedium.preferred=true&contactMedium.mediumType=postalAddress',
  'contactMedium.characteristic.city=Lille',
  'contactMedium.characteristic.city=Nice&creditProfile.creditRiskRating=2',
  'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700',
  'creditProfile.creditScore.gt=750',
];

/**
 * The one-row token index migration (SQLite) on a populated database: done, a customer has one
 * row unless an array holds more than 4 elements (a row per later element); undone, a row per
 * element again, holding the element's tokens unmarked; every search's page and total equal the
 * evaluator's on the stored documents before the undo, after the redo, and through writes.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)('token one-row migration (SQLite)', () => {
  let app: TestApp;
  const documents = new Map<string, Document>();

  beforeAll(async () => {
    app = await TestApp.start(MIGRATING_SERVER_ENV);
    for (let i = 0; i < 36; i++) {
      const created = (await createCustomer(app, body(i))) as Document;
      documents.set(created.id as string, created);
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  const rows = async () =>
    (await app.dataSource.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM customer_search'))[0].n;

  /** Rows the layout gives: one per customer and one per element past the 4th (one row), or
   * one per customer and one per element (element rows: every customer has attributes outside
   * arrays and elements with tokens). */
  const rowsWanted = (oneRow: boolean) =>
    [...documents.values()].reduce((n, doc) => {
      const elements =
        (doc.contactMedium as unknown[]).length + (doc.creditProfile as unknown[]).length;
      const own = oneRow ? Math.max(0, (doc.contactMedium as unknown[]).length - 4) : elements;
      return n + 1 + own;
    }, 0);

  async function expectSearches(): Promise<void> {
    for (const raw of QUERIES) {
      const query = parseQuery(raw, customerQuerySchema, {
        paging: { defaultLimit: 100, maxLimit: 100 },
      });
      const want = [...documents]
        .filter(([, doc]) => matches(query, doc))
        .map(([id]) => id)
        .sort();
      const res = await app.request('GET', `${CUSTOMER_PATH}?${raw}&fields=id&limit=100`);
      expect(res.status).toBe(200);
      const got = (res.json as { id: string }[]).map((c) => c.id).sort();
      expect({ raw, got }).toEqual({ raw, got: want });
      expect({ raw, total: res.headers.get('x-total-count') }).toEqual({
        raw,
        total: String(want.length),
      });
    }
  }

  it('keeps one row per customer (later elements apart), and undo brings the element rows back', async () => {
    expect(await rows()).toBe(rowsWanted(true));
    await expectSearches();

    await undoAndRedo(app.dataSource, 'CustomerSearchOneRow', async () => {
      // The element rows (what the server before it searched), a row per element.
      expect(await rows()).toBe(rowsWanted(false));
      expect(await tokenRowsMatching(app.dataSource, nice)).toBeGreaterThan(0);
    });
    expect(await rows()).toBe(rowsWanted(true));
    await expectSearches();
  });

  it('stays exact through POST, PATCH and DELETE after the migration', async () => {
    const created = (await createCustomer(app, body(5))) as Document;
    documents.set(created.id as string, created);
    const [first] = documents.keys();
    const patch = {
      contactMedium: [
        ...Array.from({ length: 5 }, () => ({
          mediumType: 'email',
          characteristic: { city: 'Nice' },
        })),
      ],
    };
    const patched = await app.request('PATCH', `${CUSTOMER_PATH}/${first}`, {
      body: patch,
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(200);
    documents.set(first, patched.json as Document);
    const [, second] = documents.keys();
    expect((await app.request('DELETE', `${CUSTOMER_PATH}/${second}`)).status).toBe(204);
    documents.delete(second);
    expect(await rows()).toBe(rowsWanted(true));
    await expectSearches();
  });
});
