import {
  countedTokens,
  extractTokenRows,
  SLOTS,
  tokenChangeStatements,
  tokenDeleteStatements,
  TokenRowChange,
  tokenRowChanges,
  tokenRowSlots,
} from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { generateCustomers } from '@test/fixtures/generated-customers';
import { SqliteCustomerStore } from '@test/support/query/sqlite-customer-store';

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

  it("knows the slots of a document's rows without their tokens", () => {
    for (const customer of customers) {
      expect(tokenRowSlots(customer, customerSqlStorage)).toEqual(
        extractTokenRows(customer, customerSqlStorage).map((row) => row.slot),
      );
    }
    // An element whose leaves hold nothing indexable has no row.
    const sparse = { ...customers[0], contactMedium: [{}, { mediumType: 'email' }, {}] };
    expect(tokenRowSlots(sparse, customerSqlStorage)).toEqual(
      extractTokenRows(sparse, customerSqlStorage).map((row) => row.slot),
    );
  });

  it("knows a document's counted tokens without its rows", () => {
    const sparse = { ...customers[0], contactMedium: [{}, { mediumType: 'email' }, {}] };
    for (const customer of [...customers, sparse]) {
      const [first] = extractTokenRows(customer, customerSqlStorage);
      expect(first.slot).toBe(0);
      expect(countedTokens(customer, customerSqlStorage)).toEqual(first.counted);
    }
    // A delete's slot-0 change carries them, as an insert's does.
    const [deleted] = tokenRowChanges(customerSqlStorage, 3, customers[4], undefined);
    expect(deleted).toEqual({
      rowid: 3 * SLOTS,
      tokens: undefined,
      counted: extractTokenRows(customers[4], customerSqlStorage)[0].counted,
    });
  });

  it('deletes by row id, never by a row-id range (FTS5 walks its whole index for a range)', () => {
    const [statement] = tokenDeleteStatements(customerSqlStorage, 7, customers[1]);
    expect(statement.sql).toMatch(/WHERE rowid IN \(\?(, \?)*\)$/);
    expect(statement.params).toEqual(
      extractTokenRows(customers[1], customerSqlStorage).map((row) => 7 * SLOTS + row.slot),
    );
  });
});

describe('a write group applies its token row changes netted per row', () => {
  const customers = generateCustomers(40);
  const store = new SqliteCustomerStore(customerSqlStorage);
  store.insertAll(customers);
  afterAll(() => store.db.close());

  const rowsOf = (seq: number): { r: number }[] =>
    store.db
      .prepare('SELECT rowid AS r FROM customer_search WHERE rowid >= ? AND rowid < ? ORDER BY 1')
      .all(seq * SLOTS, (seq + 1) * SLOTS) as { r: number }[];
  const matches = (token: string): number[] =>
    (
      store.db
        .prepare('SELECT rowid AS r FROM customer_search WHERE customer_search MATCH ?')
        .all(`"${token}"`) as { r: number }[]
    ).map((row) => row.r);
  const apply = (changes: TokenRowChange[]) =>
    store.db.transaction(() => {
      for (const statement of tokenChangeStatements(customerSqlStorage, changes)) {
        store.db.prepare(statement.sql).run(...statement.params);
      }
    })();

  it('ends with exactly the rows of the last state of each resource', () => {
    const seqOf = (i: number) =>
      (
        store.db.prepare('SELECT seq FROM customer WHERE id = ?').get(customers[i].id) as {
          seq: number;
        }
      ).seq;
    const [a, b, c] = [seqOf(1), seqOf(2), seqOf(3)];
    const fresh = 100000;
    // a: updated twice; b: deleted; c: deleted, then its seq reused by a new resource; fresh:
    // created then deleted; fresh + 1: created then updated.
    const changes = [
      ...tokenRowChanges(customerSqlStorage, a, customers[1], customers[5]),
      ...tokenRowChanges(customerSqlStorage, b, customers[2], undefined),
      ...tokenRowChanges(customerSqlStorage, fresh, undefined, customers[6]),
      ...tokenRowChanges(customerSqlStorage, a, customers[5], customers[7]),
      ...tokenRowChanges(customerSqlStorage, c, customers[3], undefined),
      ...tokenRowChanges(customerSqlStorage, fresh + 1, undefined, customers[8]),
      ...tokenRowChanges(customerSqlStorage, fresh, customers[6], undefined),
      ...tokenRowChanges(customerSqlStorage, c, undefined, customers[9]),
      ...tokenRowChanges(customerSqlStorage, fresh + 1, customers[8], customers[10]),
    ];
    const statements = tokenChangeStatements(customerSqlStorage, changes);
    // The counts first (one UPDATE), then one DELETE and one INSERT of token rows: FTS5 keeps
    // the inserted rows in memory until COMMIT.
    expect(statements.map((s) => s.sql.split(' ').slice(0, 3).join(' '))).toEqual([
      'UPDATE customer_token_count SET',
      'DELETE FROM customer_search',
      'INSERT INTO customer_search',
    ]);
    apply(changes);
    const expected = (seq: number, doc: unknown) =>
      extractTokenRows(doc, customerSqlStorage).map((row) => ({ r: seq * SLOTS + row.slot }));
    expect(rowsOf(a)).toEqual(expected(a, customers[7]));
    expect(rowsOf(b)).toEqual([]);
    expect(rowsOf(c)).toEqual(expected(c, customers[9]));
    expect(rowsOf(fresh)).toEqual([]);
    expect(rowsOf(fresh + 1)).toEqual(expected(fresh + 1, customers[10]));
    // The rows hold the last state's tokens, not an earlier one's.
    const [slot0] = extractTokenRows(customers[10], customerSqlStorage);
    for (const token of slot0.tokens.split(' ')) {
      expect(matches(token)).toContain((fresh + 1) * SLOTS + slot0.slot);
    }
  });

  it('names in the counts UPDATE only the tokens known to have a count row', () => {
    const changes = [
      ...tokenRowChanges(customerSqlStorage, 1, undefined, customers[12]),
      ...tokenRowChanges(customerSqlStorage, 2, customers[13], undefined),
    ];
    const all = tokenChangeStatements(customerSqlStorage, changes);
    expect(all[0].params.length).toBeGreaterThan(20);
    const gone = new Set(extractTokenRows(customers[13], customerSqlStorage)[0].counted);
    const own = extractTokenRows(customers[12], customerSqlStorage)[0].counted!.find(
      (token) => !gone.has(token),
    )!;
    const [update] = tokenChangeStatements(customerSqlStorage, changes, new Set([own, 'nobody']));
    expect(update.sql).toMatch(/^UPDATE customer_token_count .* \(VALUES \(\?, \?\)\) d /);
    expect(update.params).toEqual([own, 1]);
    // None kept: no UPDATE at all.
    expect(
      tokenChangeStatements(customerSqlStorage, changes, new Set()).map((s) => s.sql.split(' ')[0]),
    ).toEqual(['DELETE', 'INSERT']);
  });

  it('changes nothing when the changed attributes feed no token', () => {
    const before = customers[11];
    expect(
      tokenRowChanges(customerSqlStorage, 1, before, { ...before, status: 'x' }, ['status']),
    ).toEqual([]);
  });
});
