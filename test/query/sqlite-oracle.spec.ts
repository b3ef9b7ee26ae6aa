import {
  buildListStatements,
  compileSql,
  createSortComparator,
  KeysetPosition,
  matches,
  parseQuery,
  ParsedQuery,
  SqlStorage,
} from '@app/tmf-query';
import { walkKeyset } from '@app/tmf-query/testing/keyset-walk';
import { QueryFuzzer } from '@app/tmf-query/testing/query-fuzzer';
import { createRandom } from '@app/tmf-query/testing/random';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BASE_URL, generateCustomers } from '@test/fixtures/generated-customers';
import { SqliteCustomerStore } from '@test/support/query/sqlite-customer-store';

import { evaluatorOrder, evaluatorPage } from './evaluator-oracle';

// The SQL compiler runs on a real SQLite database and must return exactly what the in-memory
// evaluator returns (filter, order, page, total) for every operator and path kind.
const customers = generateCustomers(400);
const store = new SqliteCustomerStore(customerSqlStorage);
store.insertAll(customers);
// Common tokens are counted from the count table, the others from their slot-0 rows.
store.countCommonTokens(5);
const paging = { defaultLimit: 1000, maxLimit: 1000 };

afterAll(() => store.db.close());

const expected = (query: ParsedQuery) => evaluatorPage(query, customers);
const expectedOrder = (query: ParsedQuery) => evaluatorOrder(query, customers);

/**
 * Runs 600 random queries (fuzzer seed `seed`) on `on` and the evaluator, throwing on the first
 * that differs; returns how many matched something.
 */
function agreesOnRandomQueries(on: SqliteCustomerStore, seed: number): number {
  const fuzzer = new QueryFuzzer(customerQuerySchema, customers, seed);
  let nonEmpty = 0;
  for (let i = 0; i < 600; i++) {
    const raw = fuzzer.next();
    const query = parseQuery(raw, customerQuerySchema, { paging });
    const want = expected(query);
    const got = on.list(query);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(
        `Mismatch for '${raw}': SQL ${JSON.stringify(got)} vs ${JSON.stringify(want)}`,
      );
    }
    nonEmpty += want.total > 0 ? 1 : 0;
  }
  return nonEmpty;
}

/**
 * Walks `raw` (with `limit`) on `on` through `next` to the end, then through `prev` back: both in the
 * evaluator's order.
 */
async function expectKeysetWalk(
  on: SqliteCustomerStore,
  raw: string,
  limit: number,
): Promise<void> {
  const query = parseQuery(`${raw}&limit=${limit}`, customerQuerySchema, { paging });
  const want = expectedOrder(query);
  const { forward, backward } = await walkKeyset((p) => on.keysetPage(query, p), limit);
  expect(forward).toEqual(want);
  expect(backward).toEqual(want.slice(0, -1));
}

const PREFIX = encodeURIComponent(
  'https://api.example.com/tmf-api/customerManagement/v4/customer/',
);
const LONG = 'L'.repeat(600);

const cases: Record<string, string[]> = {
  'column string': [
    'name=Moon%20Football%20Club',
    'name.eq=Dup',
    'name!=Dup',
    'name>Moon',
    'name.gte=moon',
    'name<Sun',
    'name.lte=%F0%9F%98%80%20Emoji%20Club',
    'name>%EE%80%80',
    'name*=^Moo',
    'name=~Club$',
    'name.regex=%5E%5BA-Z%5D',
    'name*=o%7B2%7D',
    'status=approved,active',
    'status=approved;status=suspended',
    'status=approved&status=active',
    'status.ne=approved',
    '%40type=VipCustomer',
    'engagedParty.id>=110',
  ],
  'column date-time': [
    'validFor.startDateTime.gt=2024-02-01T00:00:00Z',
    'validFor.startDateTime>=2024-02-01T01:00:00%2B01:00',
    'validFor.startDateTime.lt=2024-01-15',
    'validFor.startDateTime.gte=2024-01-10&validFor.startDateTime.lt=2024-02-10',
    'validFor.endDateTime!=2024-01-01T00:00:00Z',
    'validFor.startDateTime<=2024-03-01T00:00:00.123Z',
  ],
  'id and href': [
    'id=c0001',
    'id=c0001,c0002,c0399',
    'id.gt=c0390',
    `href=${PREFIX}c0005`,
    `href=${PREFIX}c0005,${PREFIX}c0006`,
    'href=https://elsewhere.example/customer/c0005',
    `href!=${PREFIX}c0005`,
    `href>${PREFIX}c0395`,
    'href*=c00%5B0-1%5D5$',
  ],
  'index string': [
    'statusReason=short',
    `statusReason=${LONG}a`,
    `statusReason=${LONG}`,
    `statusReason>${LONG}`,
    `statusReason.gte=${LONG}a`,
    `statusReason<${LONG}b`,
    `statusReason.lte=${LONG}`,
    `statusReason!=${LONG}a`,
    'statusReason*=ab$',
    `statusReason*=^${'L'.repeat(200)}`,
    'engagedParty.name=Alpha',
    'engagedParty.@referredType=Individual',
  ],
  'index in arrays': [
    'contactMedium.mediumType=email',
    'contactMedium.characteristic.emailAddress=a@example.com',
    'contactMedium.characteristic.city=Paris,paris',
    'contactMedium.characteristic.city>Paris',
    'contactMedium.characteristic.street1*=b$',
    'contactMedium.preferred=true',
    'contactMedium.preferred!=true',
    'contactMedium.validFor.startDateTime>2024-02-01',
    'creditProfile.creditScore>=700',
    'creditProfile.creditScore.lt=600',
    'creditProfile.creditRiskRating=0',
    'creditProfile.creditProfileDate<2024-01-20T00:00:00-05:30',
    'relatedParty.role=owner',
    'account.name=Billing',
    'characteristic.name=tier',
  ],
  'same element': [
    'contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=b@example.com',
    'contactMedium.mediumType=phone&contactMedium.preferred=true',
    'contactMedium.mediumType=postal&contactMedium.characteristic.city=Paris',
    'contactMedium.mediumType=email,phone&contactMedium.preferred=false',
    'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700',
    'creditProfile.creditScore=700&creditProfile.creditRiskRating=2',
    'characteristic.name=score&characteristic.value=5',
    'characteristic.name=tags&characteristic.value=gold',
    'relatedParty.role=owner&relatedParty.id=3',
    'contactMedium.mediumType=email;contactMedium.preferred=true&contactMedium.validFor.startDateTime>2024-01-01',
    // Clauses over both search tables (value-indexed and plain), as anchor and as joined clause.
    'contactMedium.preferred=true&contactMedium.characteristic.emailAddress=a@example.com,c@example.com',
    'contactMedium.characteristic.emailAddress=a@example.com;contactMedium.characteristic.city=Paris&contactMedium.preferred=true',
    'contactMedium.mediumType=phone;contactMedium.characteristic.emailAddress=b@example.com&contactMedium.characteristic.phoneNumber!=x;contactMedium.preferred=false',
    'contactMedium.characteristic.phoneNumber*=33;contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=b@example.com',
    'relatedParty.id=3;relatedParty.role=admin&relatedParty.name*=a',
  ],
  'token index alone (counted in the index, paged in its order)': [
    'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2',
    'statusReason=short&engagedParty.name=Alpha',
    'engagedParty.name=Alpha&contactMedium.mediumType=email&characteristic.value=gold',
    'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=800&limit=5',
    'creditProfile.creditScore.gt=650&creditProfile.creditScore.lte=900&creditProfile.creditScore.lt=870',
    'creditProfile.creditScore.gte=800&creditProfile.creditScore.lt=700',
    'creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z&creditProfile.creditProfileDate.lt=2024-02-01T00:00:00Z',
    'creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z&contactMedium.mediumType=email&offset=3&limit=4',
    // Date-time ranges of a day and of minutes: covers down to the 32-bit level (2^20 ms buckets).
    'creditProfile.validFor.startDateTime.gte=2024-02-03T00:00:00Z&creditProfile.validFor.startDateTime.lt=2024-02-04T00:00:00Z',
    'creditProfile.creditProfileDate.gte=2024-02-20T04:50:00Z&creditProfile.creditProfileDate.lt=2024-02-20T05:20:00Z',
    'contactMedium.validFor.startDateTime.gt=2024-02-04T05:29:59.999Z&contactMedium.validFor.startDateTime.lte=2024-02-04T05:47:28.576Z',
    'creditProfile.creditProfileDate.gte=2024-01-10T23:59:59.999%2B01:00&creditProfile.creditProfileDate.lt=2024-01-12T00:00:00.001Z&limit=3',
    'contactMedium.characteristic.city=Paris,Lyon&offset=2&limit=3',
    'contactMedium.characteristic.city=Paris&sort=-id&offset=1&limit=5',
    'characteristic.value.gte=2&characteristic.value.lt=7',
    'contactMedium.mediumType=postal;characteristic.name=tier&limit=5',
  ],
  'clauses on arrays decided on the slot-0 copies (and counted from the count table)': [
    'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2&account.name=Billing',
    'contactMedium.preferred!=true&characteristic.value=gold',
    'contactMedium.characteristic.city=Paris&creditProfile.creditScore.gte=600',
    'contactMedium.characteristic.city=Paris&contactMedium.mediumType=postal&characteristic.value=gold',
    'characteristic.value=5&contactMedium.mediumType=email',
    'engagedParty.@referredType=Individual',
    'engagedParty.@referredType=Individual&contactMedium.mediumType=phone,email&limit=3',
    'contactMedium.mediumType=email;characteristic.name=tier&creditProfile.creditRiskRating=2',
    'status=approved&contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2',
    'contactMedium.characteristic.city=Nowhere',
    'contactMedium.characteristic.city=Paris&offset=3&limit=4',
    'statusReason.gte=m&contactMedium.mediumType=email',
  ],
  'mixed clauses': [
    'contactMedium.mediumType=postal;characteristic.name=tier',
    'status=approved;contactMedium.mediumType=email',
    'status=approved&contactMedium.mediumType=email&characteristic.value=true',
    'name=Zeta;statusReason=short;id=c0003',
  ],
  'any values': [
    'characteristic.value=5',
    'characteristic.value=5.0',
    'characteristic.value=gold',
    'characteristic.value=true',
    'characteristic.value!=true',
    'characteristic.value=false',
    'characteristic.value=1',
    'characteristic.value>0',
    'characteristic.value.lte=5',
    'characteristic.value<gold',
    'characteristic.value*=^go',
    'characteristic.value=2024-01-01T00:00:00Z',
    'characteristic.value!=gold',
  ],
  'sort and paging': [
    'sort=name',
    'sort=-name',
    'sort=name,-validFor.startDateTime',
    'sort=-validFor.endDateTime,status',
    'sort=statusReason',
    'sort=-statusReason,name',
    'sort=engagedParty.name,-%40type',
    'sort=href',
    'sort=-id',
    'status=approved&sort=-name&offset=5&limit=10',
    'sort=name&offset=390&limit=20',
    'offset=0&limit=0',
    'limit=7',
  ],
};

describe('SQL on SQLite equals the in-memory evaluator', () => {
  for (const [kind, queries] of Object.entries(cases)) {
    describe(kind, () => {
      it.each(queries)('%s', (raw) => {
        const query = parseQuery(raw, customerQuerySchema, { paging });
        expect(store.list(query)).toEqual(expected(query));
      });
    });
  }

  it('selects something for most hand-written filters (the data set exercises them)', () => {
    const filters = Object.values(cases)
      .flat()
      .map((raw) => parseQuery(raw, customerQuerySchema, { paging }))
      .filter((q) => q.clauses.length > 0);
    const nonEmpty = filters.filter((q) => expected(q).total > 0);
    expect(nonEmpty.length / filters.length).toBeGreaterThan(0.85);
  });

  it('agrees on 600 random queries', () => {
    expect(agreesOnRandomQueries(store, 7)).toBeGreaterThan(200);
  });
});

describe('SQL on SQLite equals the evaluator when later elements have rows of their own', () => {
  // One marked element per array (ADR 0014): every element after the first is on a row of its
  // own, so same-element groups match on both kinds of rows, counted and paged each customer once.
  const fewMarks: SqlStorage = {
    ...customerSqlStorage,
    tokenIndex: { ...customerSqlStorage.tokenIndex!, oneRow: { markedElements: 1 } },
  };
  const split = new SqliteCustomerStore(fewMarks);
  split.insertAll(customers);
  split.countCommonTokens(5);
  afterAll(() => split.db.close());

  it.each(Object.values(cases).flat())('%s', (raw) => {
    const query = parseQuery(raw, customerQuerySchema, { paging });
    expect(split.list(query)).toEqual(expected(query));
  });

  it('agrees on 600 random queries', () => {
    agreesOnRandomQueries(split, 31);
  });

  it('walks keyset pages in the evaluator order on 100 random sorted queries', async () => {
    const fuzzer = new QueryFuzzer(customerQuerySchema, customers, 37);
    for (let i = 0; i < 100; i++) {
      const raw = fuzzer.nextSorted();
      const limit = 1 + (i % 13) * 4;
      const query = parseQuery(`${raw}&limit=${limit}`, customerQuerySchema, { paging });
      const { forward, backward } = await walkKeyset((p) => split.keysetPage(query, p), limit);
      const want = expectedOrder(query);
      if (JSON.stringify(forward) !== JSON.stringify(want)) {
        throw new Error(`Keyset walk differs for '${raw}' (limit ${limit})`);
      }
      expect(backward).toEqual(want.slice(0, -1));
    }
  });
});

// Sorts over typed columns and document paths, both directions, several keys, NULLs (missing values).
const KEYSET_QUERIES = [
  '',
  'sort=name',
  'sort=-name',
  'sort=-validFor.startDateTime',
  'status=approved&sort=-validFor.startDateTime',
  'status=approved,active&sort=name',
  'sort=status,-validFor.endDateTime,name',
  'sort=-%40type,engagedParty.id',
  'sort=statusReason',
  'sort=-engagedParty.name,validFor.startDateTime',
  'sort=-id',
  'sort=href,name',
  'sort=name,id,status',
  'contactMedium.mediumType=email&sort=-name',
  'statusReason*=o&sort=validFor.endDateTime',
  // Filters the token index answers alone, in id order: read in the index's row order.
  'contactMedium.mediumType=email',
  'characteristic.value=gold&sort=-id',
  'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=800',
  'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2',
  'creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z&sort=-href',
  // Clauses on arrays decided on the slot-0 copies.
  'contactMedium.characteristic.city=Paris&account.name=Billing&sort=-id',
  'engagedParty.@referredType=Individual&contactMedium.mediumType=email,phone',
];

describe('keyset pages on SQLite walk the evaluator order', () => {
  const pager = (raw: string, limit: number) => {
    const query = parseQuery(`${raw}&limit=${limit}`, customerQuerySchema, { paging });
    return { query, page: (position?: KeysetPosition) => store.keysetPage(query, position) };
  };

  it.each(KEYSET_QUERIES)('%s (next to the end, then prev back)', async (raw) => {
    for (const limit of [1, 7, 50]) {
      await expectKeysetWalk(store, raw, limit);
    }
  });

  it('agrees on 150 random sorted queries', async () => {
    const fuzzer = new QueryFuzzer(customerQuerySchema, customers, 23);
    for (let i = 0; i < 150; i++) {
      const raw = fuzzer.nextSorted();
      const limit = 1 + (i % 13) * 4;
      const { query, page } = pager(raw, limit);
      const want = expectedOrder(query);
      const { forward, backward } = await walkKeyset(page, limit);
      if (JSON.stringify(forward) !== JSON.stringify(want)) {
        throw new Error(`Keyset walk differs for '${raw}' (limit ${limit})`);
      }
      expect(backward).toEqual(want.slice(0, -1));
    }
  });

  it('sees every row that stays, once and in order, while rows come and go between pages', async () => {
    const live = new SqliteCustomerStore(customerSqlStorage);
    const docs = new Map(generateCustomers(300, 5).map((c) => [c.id as string, c]));
    live.insertAll([...docs.values()]);
    const extra = generateCustomers(300, 6).map((c) => ({ ...c, id: `n${c.id as string}` }));
    // Documents deleted during a walk (seen before they went).
    const gone = new Map<string, Record<string, unknown>>();
    const remember = live.delete.bind(live);
    live.delete = (id: string) => {
      const doc = docs.get(id);
      if (doc) {
        gone.set(id, doc);
      }
      remember(id);
    };
    const random = createRandom(99);
    try {
      for (const raw of [
        'sort=-validFor.startDateTime',
        'sort=name,-status',
        'sort=statusReason',
        'contactMedium.mediumType=email',
        'characteristic.value=gold&sort=-id',
      ]) {
        const query = parseQuery(`${raw}&limit=9`, customerQuerySchema, { paging });
        const atStart = new Set(docs.keys());
        const removed = new Set<string>();
        const { forward } = await walkKeyset(
          (position) => live.keysetPage(query, position),
          9,
          () => {
            for (let n = 0; n < 3; n++) {
              const doc = extra.pop();
              if (doc) {
                live.insert(doc);
                docs.set(doc.id, doc);
              }
              const ids = [...docs.keys()];
              const victim = ids[Math.floor(random() * ids.length)];
              live.delete(victim);
              docs.delete(victim);
              removed.add(victim);
            }
          },
        );
        // No row twice, every row in the query's order (with the documents as last written).
        expect(new Set(forward).size).toBe(forward.length);
        const seen = forward.map((id) => docs.get(id) ?? gone.get(id));
        expect(seen).toEqual([...seen].sort(createSortComparator(query.sort)));
        // Every row present throughout the walk was seen.
        const stayed = [...atStart].filter(
          (id) => !removed.has(id) && matches(query, docs.get(id)),
        );
        expect(forward).toEqual(expect.arrayContaining(stayed));
      }
    } finally {
      live.db.close();
    }
  });
});

// The server never runs ANALYZE or `PRAGMA optimize` (the plans were chosen without statistics, and
// statistics could move them): these plans are checked as production gets them.
describe('SQLite keyset pages read the sort index', () => {
  const plans = (raw: string, values?: (string | number | null)[]) =>
    store
      .keysetPlans(
        parseQuery(raw, customerQuerySchema, { paging }),
        values && { direction: 'after', values },
      )
      .map((lines) => lines.join('; '));

  it.each([
    ['sort=-validFor.startDateTime', [1706745600000, 'c0100']],
    ['status=approved&sort=-validFor.startDateTime', [1706745600000, 'c0100']],
    ['sort=name', ['Moon', 'c0100']],
    ['', ['c0100']],
    ['sort=name', undefined],
  ] as [string, (string | number | null)[] | undefined][])('%s from %j', (raw, values) => {
    for (const plan of plans(raw, values)) {
      // One seek into an index per statement, never a scan of the customers or a sort of them.
      expect(plan).toMatch(
        /SEARCH c USING (COVERING )?INDEX|SEARCH c USING INTEGER PRIMARY KEY|SCAN c USING (COVERING )?INDEX/,
      );
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY|^SCAN c$/);
    }
  });

  it('sorts only the rows tied on a leading key that no composite index extends', () => {
    const [ties, ...others] = plans('sort=-name,validFor.startDateTime', ['Moon', null, 'c0100']);
    expect(ties).toMatch(/SEARCH c USING INDEX customer_name \(name=\?/);
    for (const plan of others) {
      expect(plan).toMatch(/SEARCH c USING (COVERING )?INDEX customer_name/);
      expect(plan).not.toMatch(/^SCAN c$/);
    }
  });
});

describe('filters the token index answers alone', () => {
  const parse = (raw: string) => parseQuery(raw, customerQuerySchema, { paging });
  const countPlan = (raw: string) => {
    const compiled = compileSql(parse(raw), customerSqlStorage, {
      dialect: 'sqlite',
      baseUrl: BASE_URL,
    });
    const { count } = buildListStatements(compiled, customerSqlStorage, 'c.id');
    compiled.residual?.release();
    return store.db
      .prepare(`EXPLAIN QUERY PLAN ${count.sql}`)
      .all(...count.params)
      .map((row) => String((row as { detail: string }).detail))
      .join('\n');
  };

  it.each([
    'statusReason=short&engagedParty.name=Alpha',
    'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2',
    'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=800',
  ])('%s is counted in the index, without reading a customer', (raw) => {
    const lines = countPlan(raw);
    expect(lines).toMatch(/SCAN customer_search VIRTUAL TABLE/);
    expect(lines).not.toMatch(/\b(SCAN|SEARCH) c\b/);
  });

  it.each(['contactMedium.characteristic.city=Paris', 'engagedParty.name=Alpha'])(
    '%s (one token) is counted by one lookup of the count table (else from its slot-0 rows)',
    (raw) => {
      const lines = countPlan(raw);
      expect(lines).toMatch(/SEARCH customer_token_count USING PRIMARY KEY \(token=\?\)/);
      expect(lines).not.toMatch(/\b(SCAN|SEARCH) c\b/);
    },
  );

  it.each([
    'contactMedium.mediumType=email',
    'contactMedium.mediumType=email&creditProfile.creditRiskRating=2',
    'contactMedium.mediumType=phone&characteristic.name=tier',
  ])(
    '%s: one token on array rows is counted from its first rows (repeat markers), no DISTINCT',
    (raw) => {
      const query = parse(raw);
      // The data set repeats the token: some customer has two such rows.
      const mediumType = raw.split('&')[0].split('=')[1];
      const repeats = customers.filter((c) => {
        const media = (c as { contactMedium?: { mediumType?: string }[] }).contactMedium ?? [];
        return media.filter((m) => m.mediumType === mediumType).length >= 2;
      });
      expect(repeats.length).toBeGreaterThan(0);
      const compiled = compileSql(query, customerSqlStorage, {
        dialect: 'sqlite',
        baseUrl: BASE_URL,
      });
      const { count } = buildListStatements(compiled, customerSqlStorage, 'c.id');
      expect(count.sql).not.toMatch(/DISTINCT/);
      const [{ total }] = store.db.prepare(count.sql).all(...count.params) as { total: number }[];
      expect(total).toBe(expected(query).total);
    },
  );

  it('reads only the customers a range may match at its edges, to count them', () => {
    const lines = countPlan('creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z');
    expect(lines).toMatch(/SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(lines).not.toMatch(/^SCAN c\b/m);
  });

  it.each([
    'contactMedium.characteristic.city=Paris',
    'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=2',
    'characteristic.value=gold&sort=-id',
    'creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z',
  ])('%s: a page in id order streams the index in row order, no sort', (raw) => {
    expect(store.seqOrdered).toBe(true);
    for (const plan of store.keysetPlans(parse(raw), { direction: 'after', values: ['c0100'] })) {
      expect(plan.join('\n')).toMatch(/SCAN customer_search VIRTUAL TABLE INDEX \d+:M/);
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY|^SCAN c\b/m);
    }
  });

  it.each([1, 2, 5, 40])(
    'pages with several parts equal the evaluator whether candidates are probed or read whole (%i probed rows)',
    async (probedRows) => {
      store.probedRows = probedRows;
      try {
        for (const raw of [
          'contactMedium.mediumType=email&creditProfile.creditRiskRating=2',
          'contactMedium.characteristic.city=Paris,Lyon&characteristic.value=gold&sort=-id',
          'engagedParty.name=Alpha&contactMedium.mediumType=email&characteristic.name=tier',
          'creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z&contactMedium.mediumType=email',
        ]) {
          for (const limit of [1, 4, 9]) {
            await expectKeysetWalk(store, raw, limit);
          }
        }
      } finally {
        store.probedRows = undefined;
      }
    },
  );

  it('an interval on one element is covered by its few buckets, not by each end alone', () => {
    const interval = parse('creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=605');
    const lowerOnly = parse('creditProfile.creditScore.gte=600');
    const params = (query: ParsedQuery) =>
      compileSql(query, customerSqlStorage, { dialect: 'sqlite' }).whereParams.join(' ');
    expect(params(interval).split(' ').length).toBeLessThan(params(lowerOnly).split(' ').length);
  });

  describe('when seq order is not id order (customers inserted out of id order)', () => {
    const shuffled = new SqliteCustomerStore(customerSqlStorage);
    const random = createRandom(5);
    shuffled.insertAll(
      customers
        .map((c) => ({ c, k: random() }))
        .sort((a, b) => a.k - b.k)
        .map(({ c }) => c),
    );
    afterAll(() => shuffled.db.close());

    it('is known, and lists and keyset walks still follow the id order', async () => {
      expect(shuffled.seqOrdered).toBe(false);
      for (const raw of [
        'contactMedium.characteristic.city=Paris&offset=2&limit=5',
        'contactMedium.mediumType=email&creditProfile.creditRiskRating=2',
        'creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z&sort=-id',
      ]) {
        const query = parse(raw);
        expect(shuffled.list(query)).toEqual(expected(query));
        const walked = parse(`${raw.replace(/&?(offset|limit)=\d+/g, '')}&limit=7`);
        const { forward } = await walkKeyset((p) => shuffled.keysetPage(walked, p), 7);
        expect(forward).toEqual(expectedOrder(walked));
      }
    });

    it('agrees on 150 random queries', () => {
      const fuzzer = new QueryFuzzer(customerQuerySchema, customers, 11);
      for (let i = 0; i < 150; i++) {
        const raw = fuzzer.next();
        const query = parse(raw);
        expect({ raw, ...shuffled.list(query) }).toEqual({ raw, ...expected(query) });
      }
    });
  });
});

describe('the residual check on SQLite', () => {
  const parse = (raw: string) => parseQuery(raw, customerQuerySchema, { paging });

  it('refuses a filter that would check more documents than its bound (QUERY_TOO_BROAD)', () => {
    const query = parse('statusReason*=o');
    expect(() => store.list(query, 5)).toThrow(
      expect.objectContaining({ code: 'QUERY_TOO_BROAD' }) as Error,
    );
    // The same filter within its bound answers as the evaluator does.
    expect(store.list(query, 10000)).toEqual(expected(query));
  });

  it('checks only the rows the index cannot decide (a range needs its edge buckets only)', () => {
    // Exact: equality and a boolean `ne` need no residual check at all.
    expect(() =>
      store.list(parse('contactMedium.preferred!=true&statusReason=short'), 0),
    ).not.toThrow();
    // A date range at a nested path: the customers in its edge buckets, fewer than its matches.
    const range = parse('creditProfile.creditProfileDate.gte=2024-01-15T10:11:12Z');
    const { total } = expected(range);
    expect(total).toBeGreaterThan(10);
    expect(store.list(range, total - 1)).toEqual(expected(range));
  });
});

describe('SQLite query plans use indexes', () => {
  const plan = (raw: string) => store.plan(parseQuery(raw, customerQuerySchema, { paging }));

  it.each([
    ['status=approved', /SEARCH c USING (COVERING )?INDEX customer_status/],
    ['name=Zeta', /SEARCH c USING (COVERING )?INDEX customer_name/],
    ['name*=^Moo', /SEARCH c USING (COVERING )?INDEX customer_name \(name>\? AND name<\?\)/],
    [`href=${PREFIX}c0001`, /SEARCH c USING .*INDEX sqlite_autoindex_customer_1 \(id=\?\)/],
  ])('%s', (raw, expectedLine) => {
    const lines = plan(raw);
    expect(lines.join('\n')).toMatch(expectedLine);
    // No full scan of either table for an indexed equality / range.
    expect(lines.filter((l) => /^SCAN (c|a\d+)\b/.test(l))).toEqual([]);
  });

  // A one-sided range on a column: without statistics SQLite takes it to keep a quarter of the
  // rows and walks the id order under a LIMIT. The server counts it first and runs the plan the
  // count calls for (`rangePlans`): few matches search the column's index, many walk the id order.
  it.each([
    ['validFor.startDateTime.gt=2024-03-20', 'customer_valid_for_start'],
    ['name.lt=M', 'customer_name'],
  ])('%s: both plans compiled, each as hinted', (raw, index) => {
    const query = parseQuery(raw, customerQuerySchema, { paging });
    expect(compileSql(query, customerSqlStorage, { dialect: 'sqlite' }).rangePlans).toBeDefined();
    try {
      store.rangeHint = 'seek';
      expect(plan(raw).join('\n')).toMatch(new RegExp(`SEARCH c USING (COVERING )?INDEX ${index}`));
      store.rangeHint = 'walk';
      expect(plan(raw).join('\n')).toMatch(
        /SCAN c USING (COVERING )?INDEX sqlite_autoindex_customer_1(?![\s\S]*TEMP B-TREE)/,
      );
    } finally {
      store.rangeHint = undefined;
    }
  });

  it.each(['name=Zeta', 'status=approved', 'name*=^Moo', 'creditProfile.creditScore.gte=900'])(
    '%s: one plan (no one-sided column range)',
    (raw) => {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      expect(
        compileSql(query, customerSqlStorage, { dialect: 'sqlite', baseUrl: BASE_URL }).rangePlans,
      ).toBeUndefined();
    },
  );

  // Every other path: the token index (FTS5) finds the rows, customers are read by their seq.
  it.each([
    'contactMedium.characteristic.emailAddress=a@example.com',
    'contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=a@example.com',
    'status=approved&statusReason=x',
    'creditProfile.creditScore.gte=900',
    'contactMedium.mediumType=email&contactMedium.preferred=true',
    'characteristic.value=5',
    'characteristic.name=score&characteristic.value.gt=3',
    'contactMedium.validFor.startDateTime.lt=2024-01-20',
  ])('%s', (raw) => {
    const lines = plan(raw).join('\n');
    expect(lines).toMatch(/SCAN customer_search VIRTUAL TABLE INDEX (0|64):M/);
    // With a status condition too, the planner may start from the status index instead.
    expect(lines).toMatch(
      /SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)|SEARCH c USING COVERING INDEX customer_status \(status=\?\)/,
    );
    expect(lines).not.toMatch(/^SCAN c\b/m);
  });

  // A regex outside the columns, or a sort key read from the document, walks the customers; the
  // residual check bounds how many documents a regex may test (QUERY_TOO_BROAD beyond).
  it.each(['statusReason*=^short', 'sort=statusReason'])('%s scans', (raw) => {
    expect(plan(raw).join('\n')).toMatch(/^SCAN c\b/m);
  });
});

describe('SQL on SQLite equals the evaluator under each plan of a one-sided column range', () => {
  // The server pages such a range with either plan (`rangePlans`, chosen by its count): both must
  // give the same pages and counts as the evaluator, through offsets and cursors alike.
  const RANGES = [
    'validFor.startDateTime.gt=2024-03-20',
    'validFor.startDateTime.lte=2024-02-01&sort=name',
    'validFor.endDateTime.gte=2024-01-01&status=approved',
    'name.lt=M&sort=-validFor.startDateTime',
    'name.gte=Moon&validFor.startDateTime.lt=2024-06-01',
  ];

  it.each(['seek', 'walk'] as const)(
    '%s: 600 random queries, then cursors both ways',
    async (hint) => {
      store.rangeHint = hint;
      try {
        expect(agreesOnRandomQueries(store, 41)).toBeGreaterThan(200);
        for (const raw of RANGES) {
          for (const limit of [1, 7, 50]) {
            await expectKeysetWalk(store, raw, limit);
          }
          const query = parseQuery(`${raw}&offset=3&limit=5`, customerQuerySchema, { paging });
          expect(store.list(query)).toEqual(expected(query));
        }
      } finally {
        store.rangeHint = undefined;
      }
    },
  );
});
