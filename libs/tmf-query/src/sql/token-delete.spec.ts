import { customerSqlStorage } from '@app/tmf-query/testing/customer-schema';
import { generateCustomers } from '@app/tmf-query/testing/customer-fixtures';
import { SqliteCustomerStore } from '@app/tmf-query/testing/sqlite-store';

import { extractTokenRows, SLOTS, tokenDeleteStatements } from './token-entries';

describe('deleting a resource removes exactly its token rows', () => {
  const customers = generateCustomers(60);
  const store = new SqliteCustomerStore(customerSqlStorage);
  store.insertAll(customers);
  afterAll(() => store.db.close());

  const tokenRowIds = (): number[] =>
    (store.db.prepare('SELECT rowid AS r FROM customer_search').all() as { r: number }[]).map(
      (row) => row.r,
    );

  it('leaves no row of a deleted customer and every row of the others', () => {
    const before = tokenRowIds().length;
    const victims = customers.filter((_, i) => i % 3 === 0);
    const seqs = new Map(
      (store.db.prepare('SELECT id, seq FROM customer').all() as { id: string; seq: number }[]).map(
        (row) => [row.id, row.seq],
      ),
    );
    let removed = 0;
    for (const victim of victims) {
      removed += extractTokenRows(victim, customerSqlStorage).length;
      store.delete(victim.id as string);
    }
    const after = tokenRowIds();
    expect(after).toHaveLength(before - removed);
    const deletedSeqs = new Set(victims.map((v) => seqs.get(v.id as string)));
    expect(after.filter((rowid) => deletedSeqs.has(Math.floor(rowid / SLOTS)))).toEqual([]);
  });

  it('deletes by row id, never by a row-id range (FTS5 walks its whole index for a range)', () => {
    const [statement] = tokenDeleteStatements(customerSqlStorage, 7, customers[1]);
    expect(statement.sql).toMatch(/WHERE rowid IN \(\?(, \?)*\)$/);
    expect(statement.params).toEqual(
      extractTokenRows(customers[1], customerSqlStorage).map((row) => 7 * SLOTS + row.slot),
    );
  });
});
