import {
  bucketTokens,
  buildListStatements,
  compileSql,
  copyToken,
  ELEMENT_ROWS,
  extractTokenRows,
  indexPathId,
  matches,
  parseQuery,
  valueToken,
} from '@app/tmf-query';
import { createRandom } from '@app/tmf-query/testing/random';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BASE_URL, generateCustomers } from '@test/fixtures/generated-customers';
import { SqliteCustomerStore } from '@test/support/query/sqlite-customer-store';

const paging = { defaultLimit: 1000, maxLimit: 1000 };
const parse = (raw: string) => parseQuery(raw, customerQuerySchema, { paging });

/** The count table's rows as a map. */
function countsIn(store: SqliteCustomerStore): Map<string, number> {
  const rows = store.db.prepare('SELECT token, n FROM customer_token_count').all() as {
    token: string;
    n: number;
  }[];
  return new Map(rows.map((row) => [row.token, row.n]));
}

/** The counts worked out from the stored documents: per counted token, the customers holding it. */
function recount(docs: Iterable<unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const doc of docs) {
    const slot0 = extractTokenRows(doc, customerSqlStorage).find((row) => row.slot === 0);
    for (const token of slot0?.counted ?? []) {
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  }
  return counts;
}

describe('slot-0 copies of the arrays’ value tokens', () => {
  const city = valueToken(indexPathId('contactMedium.characteristic.city'), 's', 'Paris');

  it('are held once by the slot-0 row, whatever the number of elements holding the token', () => {
    const customer = {
      contactMedium: [
        { mediumType: 'postal', characteristic: { city: 'Paris' } },
        { mediumType: 'postal', characteristic: { city: 'Paris' } },
      ],
    };
    const rows = extractTokenRows(customer, customerSqlStorage);
    // One row per customer (ADR 0014): no attribute outside arrays, yet a slot-0 row.
    expect(rows.map((row) => row.slot)).toEqual([0]);
    const slot0 = rows[0].tokens.split(' ');
    expect(slot0.filter((t) => t === copyToken(city))).toHaveLength(1);
    // The token itself only marked with its element, once per element holding it.
    expect(slot0).not.toContain(city);
    expect(slot0.filter((t) => t.startsWith(city) && /y\d$/.test(t))).toEqual([
      `${city}y0`,
      `${city}y1`,
    ]);
    // Counted: each copy once.
    expect(rows[0].counted?.filter((t) => t === copyToken(city))).toHaveLength(1);
    // The element-row layout: element rows keep the token itself, and no copy.
    const elementRows = extractTokenRows(customer, customerSqlStorage, ELEMENT_ROWS);
    expect(elementRows.map((row) => row.slot)).toEqual([0, 1, 2]);
    expect(elementRows[1].tokens.split(' ')).toContain(city);
    expect(elementRows.slice(1).some((row) => row.tokens.includes(copyToken(city)))).toBe(false);
  });

  it("sit beside the elements' bucket tokens on the one row (ranges need no element row)", () => {
    const customer = { creditProfile: [{ creditScore: 700 }] };
    const score = indexPathId('creditProfile.creditScore');
    const [slot0, ...others] = extractTokenRows(customer, customerSqlStorage);
    expect(others).toEqual([]);
    const buckets = bucketTokens(score, 'n', 700);
    expect(slot0.tokens.split(' ')).toEqual([
      copyToken(valueToken(score, 'n', 700)),
      ...buckets,
      ...[valueToken(score, 'n', 700), ...buckets].map((t) => `${t}y0`),
    ]);
    // The element-row layout: copies of value tokens only, the buckets on the element row.
    const [old0, element] = extractTokenRows(customer, customerSqlStorage, ELEMENT_ROWS);
    expect(old0.tokens.split(' ')).toEqual([copyToken(valueToken(score, 'n', 700))]);
    expect(element.tokens.split(' ').length).toBeGreaterThan(1);
  });

  it('are left out on request (the element-row format before them)', () => {
    const customer = { contactMedium: [{ mediumType: 'email' }] };
    const rows = extractTokenRows(customer, customerSqlStorage, {
      ...ELEMENT_ROWS,
      copies: false,
    });
    expect(rows.map((row) => row.slot)).toEqual([1]);
  });
});

describe('filters on arrays that need no shared element', () => {
  const store = new SqliteCustomerStore(customerSqlStorage);
  const customers = generateCustomers(300, 8);
  store.insertAll(customers);
  afterAll(() => store.db.close());

  const statements = (raw: string) => {
    const compiled = compileSql(parse(raw), customerSqlStorage, {
      dialect: 'sqlite',
      baseUrl: BASE_URL,
    });
    compiled.residual?.release();
    return buildListStatements(compiled, customerSqlStorage, 'c.id', { seqOrdered: true });
  };

  it.each([
    ['contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2', 2, 0],
    ['contactMedium.mediumType=email&account.name=Billing&engagedParty.name=Alpha', 2, 1],
    ['contactMedium.characteristic.city=Paris,Lyon&characteristic.value=gold', 3, 0],
  ])('%s: one FTS5 lookup on the slot-0 rows, counted without DISTINCT', (raw, copies, plain) => {
    const { count, page } = statements(raw);
    expect(count.sql.match(/MATCH/g)).toHaveLength(1);
    expect(count.sql).not.toMatch(/DISTINCT/);
    expect(page.sql.match(/MATCH/g)).toHaveLength(1);
    const words = (count.params[0] as string).replace(/[()]/g, '').split(' ');
    // The arrays' tokens as their copies, the attribute outside arrays as itself.
    expect(words.filter((w) => /^[0-9a-v]{13}x$/.test(w))).toHaveLength(copies);
    expect(words.filter((w) => /^[0-9a-v]{13}$/.test(w))).toHaveLength(plain);
  });

  it('a same-element group is an OR over the element marks, the later elements last', () => {
    const raw = 'contactMedium.mediumType=postal&contactMedium.characteristic.city=Paris';
    const { count, page } = statements(raw);
    const pair = (mark: string) => `\\([0-9a-v]{13}${mark} AND [0-9a-v]{13}${mark}\\)`;
    const rows = [0, 1, 2, 3].map((k) => pair(`y${k}`)).join(' OR ');
    // The page reads both kinds of rows in one lookup.
    expect(page.params).toContainEqual(
      expect.stringMatching(new RegExp(`^${rows} OR ${pair('z')}$`)),
    );
    // The count: the customers' rows by COUNT(*), the later elements' rows apart (DISTINCT), less
    // the customers their rows already counted.
    expect(count.params).toEqual([
      expect.stringMatching(new RegExp(`^${rows}$`)),
      expect.stringMatching(new RegExp(`^${pair('z')}$`)),
      count.params[0],
    ]);
    expect(count.sql).toMatch(/^SELECT \(SELECT COUNT\(\*\) FROM customer_search WHERE/);
    const total = (store.db.prepare(count.sql).get(...count.params) as { total: number }).total;
    expect(total).toBe(customers.filter((c) => matches(parse(raw), c)).length);
    expect(total).toBeGreaterThan(0);
  });

  it('a range on an array, alone or as an interval on one path, is a lookup of the one row', () => {
    for (const raw of [
      'creditProfile.creditScore.gte=600',
      'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=650',
    ]) {
      const { count } = statements(raw);
      expect(count.sql).not.toMatch(/DISTINCT/);
      expect(count.params.join(' ')).not.toMatch(/y\d|z\b/);
    }
  });

  it('reads a token that has a row from the count table, any other from its slot-0 rows', () => {
    const raw = 'contactMedium.characteristic.city=Paris';
    const { count } = statements(raw);
    const total = () =>
      (store.db.prepare(count.sql).get(...count.params) as { total: number }).total;
    const want = customers.filter((c) => matches(parse(raw), c)).length;
    expect(total()).toBe(want);
    const token = count.params[0] as string;
    store.countTokens([token]);
    expect(countsIn(store).get(token)).toBe(want);
    // The row is what is read: a wrong row would show.
    store.db.prepare('UPDATE customer_token_count SET n = n + 1000 WHERE token = ?').run(token);
    expect(total()).toBe(want + 1000);
    store.db.prepare('DELETE FROM customer_token_count WHERE token = ?').run(token);
    expect(total()).toBe(want);
  });

  it.each([
    ['contactMedium.characteristic.city=Paris', true],
    ['engagedParty.name=Alpha', true],
    ['characteristic.value=gold', true],
    ['contactMedium.preferred!=true', true],
    // Two tokens (the string and the number 5), a range, two clauses: counted in the index.
    ['characteristic.value=5', false],
    ['creditProfile.creditScore.gte=600', false],
    ['contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2', false],
    ['contactMedium.characteristic.city=Paris,Lyon', false],
  ])('%s: counted from the count table: %s', (raw, counted) => {
    const { count } = statements(raw);
    expect(count.sql.includes('customer_token_count')).toBe(counted);
    const total = (store.db.prepare(count.sql).get(...count.params) as { total: number }).total;
    expect(total).toBe(customers.filter((c) => matches(parse(raw), c)).length);
    expect(total).toBeGreaterThan(0);
  });
});

describe('the count table', () => {
  it('equals the counts of the stored documents after random inserts, updates and deletes', () => {
    const store = new SqliteCustomerStore(customerSqlStorage);
    try {
      const docs = new Map(generateCustomers(200, 3).map((c) => [c.id as string, c]));
      store.insertAll([...docs.values()]);
      // Every counted token of the data set has a row (the app: the common ones).
      store.countCommonTokens(1);
      expect(countsIn(store)).toEqual(recount(docs.values()));
      const pool = generateCustomers(400, 4);
      const random = createRandom(17);
      let fresh = 0;
      for (let step = 0; step < 300; step++) {
        const ids = [...docs.keys()];
        const r = random();
        if (r < 0.35 || ids.length === 0) {
          const doc = { ...pool[fresh % pool.length], id: `n${fresh++}` };
          store.insert(doc);
          docs.set(doc.id, doc);
        } else if (r < 0.7) {
          const id = ids[Math.floor(random() * ids.length)];
          const doc = { ...pool[Math.floor(random() * pool.length)], id };
          store.update(doc);
          docs.set(id, doc);
        } else {
          const id = ids[Math.floor(random() * ids.length)];
          store.delete(id);
          docs.delete(id);
        }
      }
      // The rows are kept (a token no customer holds any more keeps its row, at 0); new tokens
      // get none.
      const counts = countsIn(store);
      const want = recount(docs.values());
      expect(counts.size).toBeGreaterThan(100);
      for (const [token, n] of counts) {
        expect([token, n]).toEqual([token, want.get(token) ?? 0]);
      }
      // The lists' totals read from it agree with the evaluator.
      for (const raw of [
        'contactMedium.characteristic.city=Paris',
        'contactMedium.mediumType=email',
        'engagedParty.@referredType=Individual',
        'characteristic.value=gold',
      ]) {
        const query = parse(raw);
        expect(store.list(query).total).toBe(
          [...docs.values()].filter((c) => matches(query, c)).length,
        );
      }
    } finally {
      store.db.close();
    }
  });
});
