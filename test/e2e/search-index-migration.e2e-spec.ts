import { extractIndexEntries } from '@app/tmf-query';
import { BOTH_TABLES_ROWS } from '@test/support/query/index-update-pairs';
import { fullCustomer } from '@test/fixtures/customers';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, createCustomer } from './support/customers';
import { undoMigrationsThrough } from './support/migrations';
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
  const documents = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    app = await TestApp.start();
    for (let i = 0; i < 12; i++) {
      const body = fullCustomer();
      const [email, postal, phone] = body.contactMedium as Record<string, unknown>[];
      body.name = `Split ${i}`;
      email.preferred = i % 3 === 0;
      email.characteristic = { emailAddress: `c${i % 4}@split.example`, contactType: 'work' };
      const created = (await createCustomer(app, body)) as Record<string, unknown>;
      documents.set(created.id as string, created);
      expect(postal && phone).toBeTruthy();
    }
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
    for (const [id, doc] of documents) {
      expect((await storedKeys(id)).sort()).toEqual(expectedKeys(doc, false));
    }
    // The later migrations are undone first, and redone after.
    const undone = await undoMigrationsThrough(app.dataSource, 'CustomerSearchIndexSplit');
    for (const [id, doc] of documents) {
      const rows = await app.dataSource.query<Row[]>(
        "SELECT 'i' AS t, path_id, pos, seq, v_type FROM customer_attr WHERE customer_id = ?",
        [id],
      );
      expect(keysOf(rows).sort()).toEqual(expectedKeys(doc, true));
    }
    // Redone: the split, the migrations after it, and the token index that replaces both tables.
    expect(await app.dataSource.runMigrations({ transaction: 'each' })).toHaveLength(
      undone + tokens,
    );

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
      (
        doc.contactMedium as { characteristic: { emailAddress?: string }; preferred?: boolean }[]
      )[0];
    // A path that was value-indexed, a plain one, and both on one contact medium.
    expect(await ids('contactMedium.characteristic.emailAddress=c1@split.example')).toEqual(
      where((doc) => email(doc).characteristic.emailAddress === 'c1@split.example'),
    );
    expect(await ids('name*=^Split&contactMedium.preferred=true')).toEqual(
      where((doc) => email(doc).preferred === true),
    );
    const both = await ids(
      'contactMedium.characteristic.emailAddress=c0@split.example&contactMedium.preferred=true',
    );
    expect(both).toEqual(
      where(
        (doc) =>
          email(doc).characteristic.emailAddress === 'c0@split.example' &&
          email(doc).preferred === true,
      ),
    );
    expect(both.length).toBeGreaterThan(0);
  });
});
