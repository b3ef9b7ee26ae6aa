import { extractIndexEntries, extractMysqlTokenRows } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { TEST_DB } from '@test/support/test-database';

import { TokenSweeper } from '@server/customer/token-sweeper';

import { CUSTOMER_PATH } from './support/customers';
import { MigrationCustomers, undoAndRedo } from './support/migrations';
import { TestApp } from './support/test-app';

/**
 * The token-index migration (MySQL/MariaDB) on a database holding customers, some deleted and some
 * patched since: done, every customer's rows in `customer_token` are those its document yields;
 * undone, the two search-index tables hold its rows again and `seq` is gone; redone, the token rows
 * are back, and the API finds the same customers throughout.
 */
(TEST_DB === 'mysql' ? describe : describe.skip)('token-index migration (MySQL/MariaDB)', () => {
  let app: TestApp;
  let customers: MigrationCustomers;
  let documents: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    app = await TestApp.start();
    customers = new MigrationCustomers(app, 'Tokens', 'tokens.example');
    documents = customers.documents;
    await customers.create(14, (body, i) => {
      if (i % 2 === 0) {
        // The same address twice: its second row repeats the first (rep = 1).
        const media = body.contactMedium as Record<string, unknown>[];
        media.push({ ...media[0], preferred: false });
      }
    });
    // Deleted: their rows stay until the sweep. Patched: rows rewritten in place.
    for (const id of [...documents.keys()].slice(12)) {
      expect((await app.request('DELETE', `${CUSTOMER_PATH}/${id}`)).status).toBe(204);
      documents.delete(id);
    }
    const patchedId = [...documents.keys()][1];
    const patched = await app.request('PATCH', `${CUSTOMER_PATH}/${patchedId}`, {
      headers: { 'content-type': 'application/merge-patch+json' },
      body: {
        contactMedium: [
          {
            mediumType: 'email',
            preferred: true,
            characteristic: { emailAddress: 'c0@tokens.example' },
          },
        ],
      },
    });
    expect(patched.status).toBe(200);
    documents.set(patchedId, patched.json as Record<string, unknown>);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function tokenRowsOf(id: string): Promise<string[]> {
    const rows = await app.dataSource.query<
      { token: string; v: string; slot: number; rep: number }[]
    >(
      `SELECT t.token, t.v, t.slot, t.rep FROM customer c JOIN customer_token t ON t.seq = c.seq
       WHERE c.id = ? ORDER BY t.slot, t.token, t.v`,
      [id],
    );
    return rows.map((r) => `${r.slot}:${r.token}:${r.v}:${r.rep}`);
  }

  const expectedRows = (doc: Record<string, unknown>) =>
    extractMysqlTokenRows(doc, customerSqlStorage)
      .map((r) => ({
        key: `${r.slot}:${r.token}:${r.v}:${r.rep}`,
        slot: r.slot,
        token: r.token,
        v: r.v,
      }))
      .sort((a, b) => a.slot - b.slot || a.token - b.token || (BigInt(a.v) < BigInt(b.v) ? -1 : 1))
      .map((r) => r.key);

  async function expectSearches(): Promise<void> {
    // The patched customer is a second one found by both.
    expect((await customers.expectSearches()).length).toBeGreaterThan(1);
  }

  const orphans = async () =>
    Number(
      (
        await app.dataSource.query<{ n: number }[]>(
          'SELECT COUNT(*) AS n FROM customer_token t WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.seq = t.seq)',
        )
      )[0].n,
    );

  it('keeps a deleted customer’s rows out of every answer until the sweep removes them', async () => {
    const [{ n: dead }] = await app.dataSource.query<{ n: number }[]>(
      'SELECT COUNT(*) AS n FROM customer_token_dead',
    );
    expect(Number(dead)).toBe(2);
    expect(await orphans()).toBeGreaterThan(0);
    await expectSearches();
    // Fewer dead keys than an epoch's threshold: only a full pass takes them.
    expect(await app.app.get(TokenSweeper).sweep()).toBe(0);
    expect(await app.app.get(TokenSweeper).sweep(1)).toBe(2);
    expect(await orphans()).toBe(0);
    expect(await app.dataSource.query('SELECT seq FROM customer_token_dead')).toEqual([]);
    await expectSearches();
  });

  it('indexes the customers in id order; undone and redone on the populated table, pages agree', async () => {
    const indexColumns = async () =>
      (
        await app.dataSource.query<{ c: string }[]>(
          `SELECT column_name AS c FROM information_schema.statistics WHERE table_schema = DATABASE()
           AND table_name = 'customer' AND index_name = 'idx_customer_id_seq' ORDER BY seq_in_index`,
        )
      ).map((r) => r.c);
    const offsetPages = async () => {
      const pages: string[][] = [];
      for (const query of ['offset=3&limit=4', 'contactMedium.preferred=true&offset=1&limit=2']) {
        const res = await app.request('GET', `${CUSTOMER_PATH}?${query}&fields=id`);
        expect(res.status).toBe(206);
        pages.push((res.json as { id: string }[]).map((c) => c.id));
      }
      return pages;
    };
    const sorted = [...documents.keys()].sort();
    expect(await indexColumns()).toEqual(['id', 'seq']);
    const before = await offsetPages();
    expect(before[0]).toEqual(sorted.slice(3, 7));
    await undoAndRedo(app.dataSource, 'CustomerIdSeqIndex', async () => {
      expect(await indexColumns()).toEqual([]);
    });
    expect(await indexColumns()).toEqual(['id', 'seq']);
    expect(await offsetPages()).toEqual(before);
  });

  it('builds the token rows from the documents, and undo brings the search-index tables back', async () => {
    for (const [id, doc] of documents) {
      expect(await tokenRowsOf(id)).toEqual(expectedRows(doc));
    }
    await expectSearches();

    await undoAndRedo(app.dataSource, 'CustomerTokenIndex', async () => {
      const tables = await app.dataSource.query<{ name: string }[]>(
        `SELECT table_name AS name FROM information_schema.tables
         WHERE table_schema = DATABASE() AND table_name LIKE 'customer%' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.name)).toEqual([
        'customer',
        'customer_attr',
        'customer_attr_plain',
        'customer_count',
        'customer_v5_extension',
      ]);
      const columns = await app.dataSource.query<{ name: string }[]>(
        `SELECT column_name AS name FROM information_schema.columns
         WHERE table_schema = DATABASE() AND table_name = 'customer'`,
      );
      expect(columns.map((c) => c.name)).not.toContain('seq');
      for (const [id, doc] of documents) {
        expect(await customers.searchIndexRows(id)).toBe(
          extractIndexEntries(doc, customerSqlStorage).length,
        );
      }
    });
    for (const [id, doc] of documents) {
      expect(await tokenRowsOf(id)).toEqual(expectedRows(doc));
    }
    expect(await orphans()).toBe(0);
    await expectSearches();
  });
});
