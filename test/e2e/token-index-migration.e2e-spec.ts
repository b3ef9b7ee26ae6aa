import { extractIndexEntries, extractTokenRows, SLOTS } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { TEST_DB } from '@test/support/test-database';

import { MIGRATING_SERVER_ENV, MigrationCustomers, undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

/**
 * The token-index migration (SQLite) on a database holding customers: done, every customer's token
 * rows are those its document yields; undone, the two search-index tables hold its rows again and
 * `seq` is gone; redone, the token rows are back, and the API finds the same customers throughout.
 */
(TEST_DB === 'sqlite' ? describe : describe.skip)('token-index migration (SQLite)', () => {
  let app: TestApp;
  let customers: MigrationCustomers;

  beforeAll(async () => {
    app = await TestApp.start(MIGRATING_SERVER_ENV);
    customers = new MigrationCustomers(app, 'Tokens', 'tokens.example');
    await customers.create(12);
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

  async function expectTokenRows(): Promise<void> {
    for (const [id, doc] of customers.documents) {
      expect(await tokenRowsOf(id)).toEqual(expectedSlots(doc));
    }
  }

  it('builds the token rows from the documents, and undo brings the search-index tables back', async () => {
    await expectTokenRows();
    await customers.expectSearches();

    await undoAndRedo(app.dataSource, 'CustomerTokenIndex', async () => {
      const tables = await app.dataSource.query<{ name: string }[]>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'customer%' ORDER BY name",
      );
      expect(tables.map((t) => t.name)).toEqual([
        'customer',
        'customer_attr',
        'customer_attr_plain',
      ]);
      const columns = await app.dataSource.query<{ name: string }[]>('PRAGMA table_info(customer)');
      expect(columns.map((c) => c.name)).not.toContain('seq');
      for (const [id, doc] of customers.documents) {
        expect(await customers.searchIndexRows(id)).toBe(
          extractIndexEntries(doc, customerSqlStorage).length,
        );
      }
    });

    await expectTokenRows();
    await customers.expectSearches();
  });
});
