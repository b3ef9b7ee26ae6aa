import { extractIndexEntries } from '@app/tmf-query';
import { BOTH_TABLES_ROWS } from '@test/support/query/index-update-pairs';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { TEST_DB } from '@test/support/test-database';

import {
  MIGRATING_SERVER_ENV,
  MigrationCustomers,
  undoAndRedo,
  undoMigrationsThrough,
} from './support/migrations';
import { TestApp } from './support/test-app';

type Row = { t: string; path_id: number; pos: number; seq: number; v_type: string };

/**
 * The split migration on a database holding customers: with the later token index undone, each row
 * is in the table its path belongs to; the split undone, every index row is back in customer_attr;
 * all redone, the API finds the same customers through the token table. MySQL/MariaDB only (the
 * token index on each engine: token-index-migration.e2e-spec.ts, mysql-token-index-migration).
 */
(TEST_DB === 'mysql' ? describe : describe.skip)('search-index split migration', () => {
  let app: TestApp;
  let customers: MigrationCustomers;

  beforeAll(async () => {
    app = await TestApp.start(MIGRATING_SERVER_ENV);
    customers = new MigrationCustomers(app, 'Split', 'split.example');
    await customers.create(12);
  });

  afterAll(async () => {
    await app?.close();
  });

  const keysOf = (rows: Row[]) =>
    rows.map((r) => `${r.t}:${Number(r.path_id)}:${Number(r.pos)}:${Number(r.seq)}:${r.v_type}`);

  async function storedKeys(id: string): Promise<string[]> {
    return keysOf(await app.dataSource.query<Row[]>(BOTH_TABLES_ROWS, [id, id]));
  }

  function expectedKeys(doc: Record<string, unknown>, allInValueIndex: boolean): string[] {
    return extractIndexEntries(doc, customerSqlStorage)
      .map((e) => {
        const t = allInValueIndex || e.table === customerSqlStorage.indexTable ? 'i' : 'p';
        return `${t}:${e.pathId}:${e.pos}:${e.seq}:${e.type}`;
      })
      .sort();
  }

  it('moves the rows back on undo and apart again on redo, and the API finds the same customers', async () => {
    // The token index replaced both tables later: its undo rebuilds them as the split left them.
    const tokens = await undoMigrationsThrough(app.dataSource, 'CustomerTokenIndex');
    for (const [id, doc] of customers.documents) {
      expect((await storedKeys(id)).sort()).toEqual(expectedKeys(doc, false));
    }
    // Redone: the split, the migrations after it, and the token index that replaces both tables.
    await undoAndRedo(
      app.dataSource,
      'CustomerSearchIndexSplit',
      async () => {
        for (const [id, doc] of customers.documents) {
          const rows = await app.dataSource.query<Row[]>(
            "SELECT 'i' AS t, path_id, pos, seq, v_type FROM customer_attr WHERE customer_id = ?",
            [id],
          );
          expect(keysOf(rows).sort()).toEqual(expectedKeys(doc, true));
        }
      },
      tokens,
    );
    // A path that was value-indexed, a plain one, and both on one contact medium.
    await customers.expectSearches();
  });
});
