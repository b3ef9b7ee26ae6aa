import { extractIndexEntries, extractTokenRows, SLOTS } from '@app/tmf-query';
import { fullCustomer } from '@test/fixtures/customers';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { undoMigrationsThrough } from './support/migrations';
import { TestApp } from './support/test-app';

/**
 * The token-index migration (SQLite) on a database holding customers: done, every customer's token
 * rows are those its document yields; undone, the two search-index tables hold its rows again and
 * `seq` is gone; redone, the token rows are back, and the API finds the same customers throughout.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)('token-index migration (SQLite)', () => {
  let app: TestApp;
  const documents = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    app = await TestApp.start();
    for (let i = 0; i < 12; i++) {
      const body = fullCustomer();
      const [email] = body.contactMedium as Record<string, unknown>[];
      body.name = `Tokens ${i}`;
      email.preferred = i % 3 === 0;
      email.characteristic = { emailAddress: `c${i % 4}@tokens.example`, contactType: 'work' };
      const created = (await createCustomer(app, body)) as Record<string, unknown>;
      documents.set(created.id as string, created);
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  async function tokenRowsOf(id: string): Promise<string[]> {
    const rows = await app.dataSource.query<{ slot: number }[]>(
      `SELECT s.rowid - c.seq * ${SLOTS} AS slot FROM customer c
       JOIN customer_search s ON s.rowid BETWEEN c.seq * ${SLOTS} AND c.seq * ${SLOTS} + ${SLOTS - 1}
       WHERE c.id = ? ORDER BY s.rowid`,
      [id],
    );
    return rows.map((r) => String(r.slot));
  }

  const expectedSlots = (doc: Record<string, unknown>) =>
    extractTokenRows(doc, customerSqlStorage).map((r) => String(r.slot));

  const ids = async (query: string) => {
    const res = await app.request('GET', `${CUSTOMER_PATH}?${query}&fields=id&limit=100`);
    expect(res.status).toBe(200);
    return (res.json as { id: string }[]).map((c) => c.id).sort();
  };
  const where = (test: (doc: Record<string, unknown>) => boolean) =>
    [...documents]
      .filter(([, doc]) => test(doc))
      .map(([id]) => id)
      .sort();
  const email = (doc: Record<string, unknown>) =>
    (doc.contactMedium as { characteristic: { emailAddress?: string }; preferred?: boolean }[])[0];

  async function expectSearches(): Promise<void> {
    expect(await ids('contactMedium.characteristic.emailAddress=c1@tokens.example')).toEqual(
      where((doc) => email(doc).characteristic.emailAddress === 'c1@tokens.example'),
    );
    const both = await ids(
      'contactMedium.characteristic.emailAddress=c0@tokens.example&contactMedium.preferred=true',
    );
    expect(both).toEqual(
      where(
        (doc) =>
          email(doc).characteristic.emailAddress === 'c0@tokens.example' &&
          email(doc).preferred === true,
      ),
    );
    expect(both.length).toBeGreaterThan(0);
    expect(await ids('name*=^Tokens')).toEqual([...documents.keys()].sort());
  }

  it('builds the token rows from the documents, and undo brings the search-index tables back', async () => {
    for (const [id, doc] of documents) {
      expect(await tokenRowsOf(id)).toEqual(expectedSlots(doc));
    }
    await expectSearches();

    // The later migrations are undone first, and redone after.
    const undone = await undoMigrationsThrough(app.dataSource, 'CustomerTokenIndex');
    const tables = await app.dataSource.query<{ name: string }[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'customer%' ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['customer', 'customer_attr', 'customer_attr_plain']);
    const columns = await app.dataSource.query<{ name: string }[]>('PRAGMA table_info(customer)');
    expect(columns.map((c) => c.name)).not.toContain('seq');
    for (const [id, doc] of documents) {
      const [{ n }] = await app.dataSource.query<{ n: number }[]>(
        `SELECT (SELECT COUNT(*) FROM customer_attr WHERE customer_id = ?)
              + (SELECT COUNT(*) FROM customer_attr_plain WHERE customer_id = ?) AS n`,
        [id, id],
      );
      expect(n).toBe(extractIndexEntries(doc, customerSqlStorage).length);
    }

    expect(await app.dataSource.runMigrations({ transaction: 'each' })).toHaveLength(undone);
    for (const [id, doc] of documents) {
      expect(await tokenRowsOf(id)).toEqual(expectedSlots(doc));
    }
    await expectSearches();
  });
});
