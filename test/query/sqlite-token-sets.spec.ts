import { compileSql, parseQuery, ParsedQuery, SqliteTokenSets, SqlStatement } from '@app/tmf-query';
import { createRandom } from '@app/tmf-query/testing/random';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { generateCustomers } from '@test/fixtures/generated-customers';
import { leafConditions } from '@test/support/query/leaf-conditions';
import { SqliteCustomerStore } from '@test/support/query/sqlite-customer-store';

import { evaluatorPage } from './evaluator-oracle';

// Filters that are an AND of kept tokens, counted and paged from the sets held in memory
// (`SqliteTokenSets`), must answer what the in-memory evaluator answers over the stored documents,
// also when customers are created, patched and deleted between the reads.

/** Tokens held by this many customers get a count row: the kept ones, whose sets are held. */
const KEPT_MIN = 15;
const paging = { defaultLimit: 1000, maxLimit: 1000 };
const random = createRandom(17);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const store = new SqliteCustomerStore(customerSqlStorage);
const docs = new Map(generateCustomers(400).map((c) => [c.id as string, c]));
store.insertAll([...docs.values()]);
store.countCommonTokens(KEPT_MIN);
const kept = new Set(
  (store.db.prepare('SELECT token FROM customer_token_count').all() as { token: string }[]).map(
    (row) => row.token,
  ),
);
const sets = new SqliteTokenSets(customerSqlStorage, () => kept);
/** Whether the store's writes reach the sets (a write group's settle). */
let told = true;
store.onTokenChanges = (changes) => {
  if (told) {
    sets.write(changes).settle(true);
  }
};
const read = (statement: SqlStatement) =>
  Promise.resolve(store.db.prepare(statement.sql).all(...statement.params));

afterAll(() => store.db.close());

/** A random filter of two or three conditions the sets answer (kept tokens), with a random page. */
function randomQuery(): { raw: string; query: ParsedQuery; tokens: string[] } | undefined {
  const conditions = [...new Set(leafConditions(pick([...docs.values()])))];
  const chosen = [
    ...new Set([pick(conditions), pick(conditions), ...(random() < 0.3 ? [pick(conditions)] : [])]),
  ];
  const raw = `${chosen.join('&')}&limit=${pick([1, 3, 20])}&offset=${pick([0, 0, 2, 7])}`;
  let query: ParsedQuery;
  try {
    query = parseQuery(raw, customerQuerySchema, { paging });
  } catch {
    // A leaf the query language does not address (inside a free-form value).
    return undefined;
  }
  const compiled = compileSql(query, customerSqlStorage, { dialect: 'sqlite' });
  compiled.residual?.release();
  const tokens = sets.tokensOf(compiled.tokenSearch);
  return tokens && { raw, query, tokens };
}

/** The page and count as the server reads them from the sets: the first matches' seqs. */
async function list(
  query: ParsedQuery,
  tokens: string[],
): Promise<{ ids: string[]; total: number }> {
  const held = await sets.intersect(tokens, read);
  expect(held).toBeDefined();
  const { offset, limit } = query.page!;
  const seqs = held!.matches.first(offset + limit).slice(offset);
  const rows = (await read({
    sql: `SELECT id FROM customer WHERE seq IN (${seqs.map(() => '?').join(', ')}) ORDER BY seq`,
    params: seqs,
  })) as { id: string }[];
  return { ids: rows.map((r) => r.id), total: held!.matches.total };
}

/** `n` random served queries, each against the evaluator over the stored documents. */
async function expectRandomQueries(n: number): Promise<void> {
  let served = 0;
  for (let tries = 0; served < n && tries < n * 50; tries++) {
    const q = randomQuery();
    if (q) {
      served++;
      expect([q.raw, await list(q.query, q.tokens)]).toEqual([
        q.raw,
        evaluatorPage(q.query, [...docs.values()]),
      ]);
    }
  }
  expect(served).toBe(n);
}

let made = 0;

/** POSTs (ids growing with seq, as server-made ids), PATCHes that take another's document, DELETEs. */
function writeSome(): void {
  const all = () => [...docs.values()];
  for (let i = 0; i < 3; i++) {
    const doc = { ...pick(all()), id: `n${String(made++).padStart(5, '0')}` };
    store.insert(doc);
    docs.set(doc.id, doc);
  }
  for (let i = 0; i < 6; i++) {
    const target = pick(all());
    const doc = { ...pick(all()), id: target.id };
    store.update(doc);
    docs.set(doc.id as string, doc);
  }
  for (let i = 0; i < 4; i++) {
    const id = pick(all()).id as string;
    store.delete(id);
    docs.delete(id);
  }
}

describe('kept tokens intersected in memory on SQLite equal the in-memory evaluator', () => {
  it('holds the kept tokens of two-path filters', () => {
    expect(kept.size).toBeGreaterThan(20);
    const query = parseQuery(
      'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2',
      customerQuerySchema,
      { paging },
    );
    const search = compileSql(query, customerSqlStorage, { dialect: 'sqlite' }).tokenSearch;
    expect(sets.tokensOf(search)).toHaveLength(2);
  });

  it('agrees on 200 random intersections of kept tokens', async () => {
    await expectRandomQueries(200);
    expect(sets.heldBytes).toBeGreaterThan(0);
  });

  it('agrees after POSTs, PATCHes and DELETEs between the reads', async () => {
    for (let round = 0; round < 12; round++) {
      writeSome();
      await expectRandomQueries(20);
    }
  });

  it('serves no read while a write is in flight, and answers stale sets without its settle', async () => {
    const q = (() => {
      for (;;) {
        const found = randomQuery();
        if (found) {
          return found;
        }
      }
    })();
    await list(q.query, q.tokens);
    const inFlight = sets.write([{ rowid: 0, tokens: undefined, counted: [] }]);
    expect(await sets.intersect(q.tokens, read)).toBeUndefined();
    inFlight.settle(false);
    expect(await sets.intersect(q.tokens, read)).toBeDefined();
    // Writes the sets are not told of: some held answer no longer equals the evaluator's.
    told = false;
    let differs = false;
    for (let round = 0; round < 6 && !differs; round++) {
      writeSome();
      for (let i = 0; i < 40 && !differs; i++) {
        const r = randomQuery();
        if (r) {
          const want = evaluatorPage(r.query, [...docs.values()]);
          differs = JSON.stringify(await list(r.query, r.tokens)) !== JSON.stringify(want);
        }
      }
    }
    expect(differs).toBe(true);
  });
});
