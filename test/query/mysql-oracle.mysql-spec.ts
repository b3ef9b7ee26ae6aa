// MySQL / MariaDB tier (not run by `jest` unit runs: the file does not end in `.spec.ts`). Run with
//   npx jest --config jest.config.js --testRegex 'mysql-spec\.ts$'
// against TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306). It creates and drops its own database.
import {
  buildListStatements,
  CompiledSql,
  compileMysqlSql,
  CountDeltas,
  epochOf,
  extractColumnValues,
  KeysetPosition,
  keysetStatements,
  keyValuesOf,
  parseQuery,
  ParsedQuery,
  MYSQL_COUNT_SHARDS,
  mysqlTokenCountDdl,
  mysqlTokenCountRowStatements,
  mysqlTokenCountStatement,
  mysqlTokenDdl,
  mysqlTokenDeleteDeltas,
  mysqlTokenRepeatDdl,
  mysqlTokenDeleteStatement,
  mysqlTokenEpochDdl,
  mysqlTokenInsertStatements,
  mysqlTokenUpdateStatements,
  QueryErrorCode,
  readKeyset,
  SqlStatement,
  tokenSweepStatements,
} from '@app/tmf-query';
import { KeysetRow, walkKeyset } from '@app/tmf-query/testing/keyset-walk';
import { QueryFuzzer } from '@app/tmf-query/testing/query-fuzzer';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BASE_URL, generateCustomers } from '@test/fixtures/generated-customers';
import { indexUpdatePairs } from '@test/support/query/index-update-pairs';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';

import { evaluatorOrder, evaluatorPage } from './evaluator-oracle';

const DATABASE = `tmf_query_lib_test_${process.pid}`;
const customers = generateCustomers(400);
/** Seqs spread over many epochs, so that every lookup walks several. */
const seqOf = (i: number) => 1 + i * 997;
/** Copies of some customers, deleted before the queries: their token rows stay until the sweep. */
const GHOSTS = 40;
/** Keys held by this many customers get kept counts (the ghosts' writes keep them). */
const KEPT_MIN = 20;
const paging = { defaultLimit: 1000, maxLimit: 1000 };
let db: Connection;

jest.setTimeout(120_000);

function customerDdl(collation: string): string {
  const text = (length: number) =>
    `VARCHAR(${length}) CHARACTER SET utf8mb4 COLLATE ${collation} NULL`;
  return `CREATE TABLE customer (
    id VARCHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    seq INT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE,
    name ${text(512)}, status ${text(100)}, at_type ${text(200)}, engaged_party_id ${text(200)},
    valid_for_start BIGINT NULL, valid_for_end BIGINT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INT NOT NULL,
    document LONGTEXT NOT NULL,
    KEY customer_name (name), KEY customer_status (status), KEY customer_at_type (at_type),
    KEY customer_engaged_party_id (engaged_party_id),
    KEY customer_valid_for_start (valid_for_start), KEY customer_valid_for_end (valid_for_end),
    KEY customer_status_start (status, valid_for_start), KEY customer_status_name (status, name),
    KEY idx_customer_id_seq (id, seq)
  ) ENGINE=InnoDB`;
}

beforeAll(async () => {
  const url = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  db = await createConnection(url);
  await db.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4`);
  await db.query(`USE ${DATABASE}`);
  const [rows] = await db.query<RowDataPacket[]>('SELECT VERSION() AS v');
  // Binary and NO PAD, so that 'a ' <> 'a' as in SQLite and JavaScript.
  const mariadb = String(rows[0].v).includes('MariaDB');
  await db.query(customerDdl(mariadb ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin'));
  for (const sql of mysqlTokenDdl(customerSqlStorage)) {
    await db.query(sql);
  }
  await db.query(mysqlTokenRepeatDdl(customerSqlStorage));
  await db.query(mysqlTokenEpochDdl('customer_token_epoch'));
  await db.beginTransaction();
  const insert = async (id: string, seq: number, doc: Record<string, unknown>) => {
    const { id: _id, href: _href, ...stored } = doc;
    const columns = extractColumnValues(doc, customerSqlStorage);
    const names = Object.keys(columns);
    await db.query(
      `INSERT INTO customer (id, seq, ${names.join(', ')}, created_at, updated_at, version, document)
       VALUES (?, ?, ${names.map(() => '?').join(', ')}, 0, 0, 1, ?)`,
      [id, seq, ...Object.values(columns), JSON.stringify(stored)],
    );
    await run(mysqlTokenInsertStatements(customerSqlStorage, seq, doc));
  };
  for (const [i, doc] of customers.entries()) {
    await insert(doc.id as string, seqOf(i), doc);
  }
  await db.query(mysqlTokenCountDdl('customer_token_count'));
  await keepCommonKeys(epochOf(seqOf(customers.length + GHOSTS)) + 1);
  for (let g = 0; g < GHOSTS; g++) {
    const id = `ghost-${g}`;
    const doc = { ...customers[g * 7], id };
    await insert(id, seqOf(customers.length + g), doc);
    const gained: CountDeltas = new Map();
    mysqlTokenDeleteDeltas(customerSqlStorage, doc, gained);
    await run(countStatements(new Map([...gained].map(([k, d]) => [k, -d])), g));
    const lost: CountDeltas = new Map();
    mysqlTokenDeleteDeltas(customerSqlStorage, doc, lost);
    await run([
      mysqlTokenDeleteStatement(customerSqlStorage, {
        sql: 'SELECT seq FROM customer WHERE id = ?',
        params: [id],
      }),
      { sql: 'DELETE FROM customer WHERE id = ?', params: [id] },
      ...countStatements(lost, g + 1),
    ]);
  }
  await db.commit();
  await db.query('ANALYZE TABLE customer, customer_token');
});

/** Gives kept counts to the keys held by at least KEPT_MIN customers. */
async function keepCommonKeys(epochs: number): Promise<void> {
  const [keys] = await db.query<RowDataPacket[]>(
    'SELECT token, v FROM customer_token WHERE rep = 0 GROUP BY token, v HAVING COUNT(*) >= ?',
    [KEPT_MIN],
  );
  expect(keys.length).toBeGreaterThan(10);
  for (const { token, v } of keys) {
    await run(mysqlTokenCountRowStatements(customerSqlStorage, Number(token), String(v), epochs));
  }
}

/** The kept counts' change on a shard picked from `i`. */
function countStatements(deltas: CountDeltas, i: number): SqlStatement[] {
  const statement = mysqlTokenCountStatement(customerSqlStorage, deltas, i % MYSQL_COUNT_SHARDS);
  return statement ? [statement] : [];
}

/** Kept keys whose count is not the number of live customers holding them (none expected). */
async function wrongCounts(): Promise<RowDataPacket[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT k.token, k.v, k.n, (SELECT COUNT(*) FROM customer_token t JOIN customer c ON c.seq = t.seq
       WHERE t.token = k.token AND t.v = k.v AND t.rep = 0) AS live
     FROM (SELECT token, v, SUM(n) AS n FROM customer_token_count GROUP BY token, v) k
     HAVING n <> live`,
  );
  return rows;
}

async function run(statements: SqlStatement[]): Promise<void> {
  for (const s of statements) {
    await db.query(s.sql, s.params);
  }
}

async function read<R>(statement: SqlStatement, prepared = false): Promise<R[]> {
  const [rows] = prepared
    ? await db.execute<RowDataPacket[]>(statement.sql, statement.params)
    : await db.query<RowDataPacket[]>(statement.sql, statement.params);
  return rows as R[];
}

/**
 * `probe`: lookups of single keys tested per candidate customer, the others walked in id order;
 * `walk`: collected matches walked in id order; else collected and sorted; whatever the filter
 * matches.
 */
function compile(
  query: ParsedQuery,
  residualLimit?: number,
  plan: 'collect' | 'probe' | 'walk' = 'collect',
  tokenKeptKeys?: ReadonlySet<string>,
): Promise<CompiledSql> {
  return compileMysqlSql(
    query,
    customerSqlStorage,
    { baseUrl: BASE_URL, residualLimit, tokenKeptKeys },
    (s) => read(s),
    plan === 'probe' ? 0 : Infinity,
    plan === 'collect' ? -1 : Infinity,
  );
}

afterAll(async () => {
  await db.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await db.end();
});

const expected = (query: ParsedQuery) => evaluatorPage(query, customers);

async function list(
  query: ParsedQuery,
  prepared = false,
): Promise<{ ids: string[]; total: number }> {
  const compiled = await compile(query);
  const { page, count } = buildListStatements(compiled, customerSqlStorage, 'c.id');
  const rows = await read<{ id: string }>(page, prepared);
  const totals = await read<{ total: number }>(count, prepared);
  const total = Number(totals[0].total);
  const ids = rows.map((r) => r.id);
  // The count from the token table alone, and the page with per-candidate lookups, agree.
  if (compiled.total !== undefined) {
    expect(compiled.total).toBe(total);
  }
  for (const plan of ['probe', 'walk'] as const) {
    const other = await compile(query, undefined, plan);
    const otherPage = buildListStatements(other, customerSqlStorage, 'c.id').page;
    expect((await read<{ id: string }>(otherPage, prepared)).map((r) => r.id)).toEqual(ids);
  }
  return { ids, total };
}

let keysetPlan: 'collect' | 'probe' | 'walk' = 'collect';

async function keysetPage(query: ParsedQuery, position?: KeysetPosition): Promise<KeysetRow[]> {
  const compiled = await compile(query, undefined, keysetPlan);
  const statements = keysetStatements(compiled, customerSqlStorage, 'mysql', 'c.id', position);
  const rows = await readKeyset(statements, query.page?.limit ?? 20, async (statement) => {
    const [found] = await db.query<RowDataPacket[]>(statement.sql, statement.params);
    return found;
  });
  const page = rows.map((row) => ({ id: row.id as string, values: keyValuesOf(row, compiled) }));
  return position?.direction === 'before' ? page.reverse() : page;
}

const expectedOrder = (query: ParsedQuery) => evaluatorOrder(query, customers);

const PREFIX = encodeURIComponent(`${BASE_URL}/tmf-api/customerManagement/v4/customer/`);
const LONG = 'L'.repeat(600);
const QUERIES = [
  'name=Dup',
  'name=Dup%20',
  'name>Dup',
  'name*=^Moo',
  'name=~Club$',
  'name.lte=%F0%9F%98%80%20Emoji%20Club',
  'name>%EE%80%80',
  'sort=name',
  'sort=-name,status',
  'status=approved,active&sort=-validFor.startDateTime',
  'validFor.startDateTime>=2024-02-01T01:00:00%2B01:00',
  `href=${PREFIX}c0005`,
  `href>${PREFIX}c0395`,
  'href*=c00%5B0-1%5D5$',
  `statusReason=${LONG}a`,
  `statusReason>${LONG}`,
  `statusReason<${LONG}b`,
  'statusReason*=ab$',
  'sort=statusReason,-engagedParty.name',
  'contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=b@example.com',
  'contactMedium.characteristic.city>Paris',
  'contactMedium.characteristic.city=Z%C3%BCrich',
  'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700',
  // Date-time ranges of a day and of minutes at nested paths (SQLite: the 32-bit bucket level).
  'creditProfile.validFor.startDateTime.gte=2024-02-03T00:00:00Z&creditProfile.validFor.startDateTime.lt=2024-02-04T00:00:00Z',
  'creditProfile.creditProfileDate.gte=2024-02-20T04:50:00Z&creditProfile.creditProfileDate.lt=2024-02-20T05:20:00Z',
  'contactMedium.validFor.startDateTime.gt=2024-02-04T05:29:59.999Z&contactMedium.validFor.startDateTime.lte=2024-02-04T05:47:28.576Z',
  'characteristic.name=score&characteristic.value=5',
  'characteristic.value=true',
  'characteristic.value=5.0',
  'characteristic.value>0',
  'characteristic.value*=^go',
  'contactMedium.mediumType=postal;characteristic.name=tier',
  'contactMedium.preferred=true&contactMedium.characteristic.emailAddress=a@example.com,c@example.com',
  'contactMedium.characteristic.emailAddress=a@example.com;contactMedium.characteristic.city=Paris&contactMedium.preferred=true',
  'contactMedium.mediumType=phone;contactMedium.characteristic.emailAddress=b@example.com&contactMedium.characteristic.phoneNumber!=x;contactMedium.preferred=false',
  'status=approved&sort=-name&offset=5&limit=10',
  `name=${encodeURIComponent("' OR 1=1 --")}`,
  `statusReason=${encodeURIComponent('"; DROP TABLE customer; --')}`,
  // One (token, v) that customers hold in several elements: counted once each (rows with rep = 0).
  'contactMedium.mediumType=email',
  'contactMedium.characteristic.city=Paris&limit=3',
];

describe('SQL on MySQL/MariaDB equals the in-memory evaluator', () => {
  it.each(QUERIES)('%s', async (raw) => {
    const query = parseQuery(raw, customerQuerySchema, { paging });
    expect(await list(query)).toEqual(expected(query));
  });

  it('counts a customer holding one value in several elements once', async () => {
    const [[repeated]] = await db.query<RowDataPacket[]>(
      'SELECT COUNT(DISTINCT seq) AS n FROM customer_token WHERE rep = 1',
    );
    expect(Number(repeated.n)).toBeGreaterThan(10);
    const query = parseQuery('contactMedium.mediumType=email', customerQuerySchema, { paging });
    const compiled = await compile(query);
    expect(compiled.tokenCount?.sql).toMatch(/COUNT\(\*\) .* AND a\d+\.rep = 0/);
    expect(compiled.total).toBe(expected(query).total);
  });

  it('keeps the counts of common keys through inserts and deletes, and reads them', async () => {
    const [[kept]] = await db.query<RowDataPacket[]>(
      'SELECT COUNT(DISTINCT token, v) AS n, COUNT(*) AS shards FROM customer_token_count',
    );
    expect(Number(kept.n)).toBeGreaterThan(10);
    expect(Number(kept.shards)).toBe(Number(kept.n) * MYSQL_COUNT_SHARDS);
    expect(await wrongCounts()).toEqual([]);
    // A kept key is read from its rows: a wrong count there would show.
    const query = parseQuery('contactMedium.mediumType=email', customerQuerySchema, { paging });
    const { tokenCount } = await compile(query);
    expect(tokenCount?.sql).toMatch(
      /^SELECT COALESCE\(\(SELECT SUM\(n\) FROM customer_token_count /,
    );
    await db.query('UPDATE customer_token_count SET n = n + 1000 WHERE shard = 3');
    try {
      expect((await compile(query)).total).toBe(expected(query).total + 1000);
    } finally {
      await db.query('UPDATE customer_token_count SET n = n - 1000 WHERE shard = 3');
    }
  });

  it('counts a key the server knows is kept from its count rows alone', async () => {
    const query = parseQuery('contactMedium.mediumType=email', customerQuerySchema, { paging });
    const key = (await compile(query)).keptCountKey!;
    const kept = new Set([`${key.token}:${key.v}`]);
    const compiled = await compile(query, undefined, 'collect', kept);
    expect(compiled.tokenCount?.sql).toBe(
      'SELECT (SELECT SUM(n) FROM customer_token_count WHERE token = ? AND v = ?) AS total',
    );
    expect(compiled.total).toBe(expected(query).total);
    // Another key is counted from its token rows, with their bounds.
    const other = parseQuery('contactMedium.mediumType=phone', customerQuerySchema, { paging });
    const counted = await compile(other, undefined, 'collect', kept);
    expect(counted.tokenCount?.sql).toMatch(/^SELECT COUNT\(\*\) AS total, MIN\(/);
    expect(counted.total).toBe(expected(other).total);
  });

  it('works with server-side prepared statements too', async () => {
    for (const raw of QUERIES.slice(0, 12)) {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      expect(await list(query, true)).toEqual(expected(query));
    }
  });

  it('agrees on 400 random queries', async () => {
    const fuzzer = new QueryFuzzer(customerQuerySchema, customers, 11);
    for (let i = 0; i < 400; i++) {
      const raw = fuzzer.next();
      const query = parseQuery(raw, customerQuerySchema, { paging });
      const got = await list(query);
      const want = expected(query);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new Error(
          `Mismatch for '${raw}': SQL ${JSON.stringify(got)} vs ${JSON.stringify(want)}`,
        );
      }
    }
  });

  it('looks every path up in the token table, one range per epoch', async () => {
    const explain = async (raw: string) => {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      const { page } = buildListStatements(await compile(query), customerSqlStorage, 'c.id');
      const [rows] = await db.query<RowDataPacket[]>(`EXPLAIN ${page.sql}`, page.params);
      return rows.map((r) => `${String(r.table)}:${String(r.type)}:${String(r.key)}`);
    };
    for (const raw of [
      'contactMedium.characteristic.emailAddress=a@example.com',
      'contactMedium.characteristic.city=Paris',
      'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700',
    ]) {
      expect((await explain(raw)).join(' ')).toMatch(/a\d+:range:PRIMARY/);
    }
    expect(await explain('status=approved')).toContain('c:ref:customer_status');
  });

  it('checks what the index does not decide on the documents, within the limit', async () => {
    const query = parseQuery('statusReason*=a', customerQuerySchema, { paging });
    await expect(compile(query, 3)).rejects.toMatchObject({ code: QueryErrorCode.TooBroad });
    expect(await list(query)).toEqual(expected(query));
  });

  it('finds the same after the sweep removed the deleted customers’ rows', async () => {
    const [dead] = await db.query<RowDataPacket[]>('SELECT seq FROM customer_token_dead');
    expect(dead).toHaveLength(GHOSTS);
    const byEpoch = new Map<number, number[]>();
    for (const { seq } of dead) {
      const list = byEpoch.get(epochOf(Number(seq))) ?? [];
      list.push(Number(seq));
      byEpoch.set(epochOf(Number(seq)), list);
    }
    const [[before]] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM customer_token');
    for (const [epoch, seqs] of byEpoch) {
      await run(tokenSweepStatements(customerSqlStorage, epoch, seqs));
    }
    const [[after]] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM customer_token');
    const [[orphans]] = await db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM customer_token t WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.seq = t.seq)',
    );
    expect(Number(orphans.n)).toBe(0);
    expect(Number(after.n)).toBeLessThan(Number(before.n));
    for (const raw of QUERIES.slice(18, 32)) {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      expect(await list(query)).toEqual(expected(query));
    }
  });

  it('reads a count of one or two customers by their seqs, when no deleted customer waits', async () => {
    // Credit profile dates are hours of three months: most are held by one or two customers.
    const dates = customers.flatMap((c) =>
      ((c.creditProfile ?? []) as { creditProfileDate: string }[]).map((p) => p.creditProfileDate),
    );
    const queries = dates.map((d) =>
      parseQuery(`creditProfile.creditProfileDate=${encodeURIComponent(d)}`, customerQuerySchema, {
        paging,
      }),
    );
    // The server knows its kept keys (none of these): a key's count reads its rows' bounds.
    const compileKnown = (query: ParsedQuery) => compile(query, undefined, 'collect', new Set());
    for (const held of [1, 2]) {
      const query = queries.find((q) => expected(q).total === held)!;
      const compiled = await compileKnown(query);
      expect(compiled.where).toBe(held === 1 ? 'c.seq IN (?)' : 'c.seq IN (?, ?)');
      const { page } = buildListStatements(compiled, customerSqlStorage, 'c.id');
      const ids = (await read<{ id: string }>(page)).map((r) => r.id);
      expect({ ids, total: compiled.total }).toEqual(expected(query));
    }
    // Its count is planned from the index statistics (one range per epoch, whatever their sizes).
    const rare = await compileKnown(queries.find((q) => expected(q).total === 1)!);
    expect(rare.tokenCount?.plannedFromStatistics).toBe(true);
    const statistics = `SET STATEMENT eq_range_index_dive_limit = 1 FOR`;
    const [plan] = await db.query<RowDataPacket[]>(
      `${statistics} EXPLAIN ${rare.tokenCount!.sql}`,
      rare.tokenCount!.params,
    );
    expect(plan.map((r) => `${String(r.type)}:${String(r.key)}`)).toEqual(['range:PRIMARY']);
    const [[counted]] = await db.query<RowDataPacket[]>(
      `${statistics} ${rare.tokenCount!.sql}`,
      rare.tokenCount!.params,
    );
    expect(Number(counted.total)).toBe(1);
    // A deleted customer's rows waiting for the sweep stay in the count's bounds: looked up again.
    const query = queries.find((q) => expected(q).total === 2)!;
    await db.query('INSERT INTO customer_token_dead (seq) VALUES (?)', [
      seqOf(customers.length + GHOSTS),
    ]);
    try {
      const compiled = await compileKnown(query);
      expect(compiled.where).toMatch(/customer_token/);
      expect(compiled.tokenCount?.plannedFromStatistics).toBeUndefined();
      const { page } = buildListStatements(compiled, customerSqlStorage, 'c.id');
      const ids = (await read<{ id: string }>(page)).map((r) => r.id);
      expect({ ids, total: compiled.total }).toEqual(expected(query));
    } finally {
      await db.query('DELETE FROM customer_token_dead');
    }
  });
});

describe('keyset pages on MySQL/MariaDB walk the evaluator order', () => {
  const walk = async (raw: string, limit: number) => {
    const query = parseQuery(`${raw}&limit=${limit}`, customerQuerySchema, { paging });
    const result = await walkKeyset((position) => keysetPage(query, position), limit);
    return { ...result, want: expectedOrder(query) };
  };

  it.each([
    '',
    'sort=name',
    'sort=-name',
    'status=approved&sort=-validFor.startDateTime',
    'sort=status,-validFor.endDateTime,name',
    'sort=statusReason',
    'sort=-engagedParty.name,validFor.startDateTime',
    'sort=-validFor.endDateTime,engagedParty.%40referredType',
    'sort=-id',
    'contactMedium.mediumType=email&sort=-name',
  ])('%s (next to the end, then prev back)', async (raw) => {
    for (const limit of [1, 9]) {
      const { forward, backward, want } = await walk(raw, limit);
      expect(forward).toEqual(want);
      expect(backward).toEqual(want.slice(0, -1));
    }
  });

  it('agrees on 60 random sorted queries', async () => {
    const fuzzer = new QueryFuzzer(customerQuerySchema, customers, 29);
    for (let i = 0; i < 60; i++) {
      // A third of them with the lookups tested per candidate customer, a third walked.
      keysetPlan = (['collect', 'probe', 'walk'] as const)[i % 3];
      const raw = fuzzer.nextSorted();
      const limit = 5 + (i % 5) * 10;
      const { forward, backward, want } = await walk(raw, limit);
      if (JSON.stringify(forward) !== JSON.stringify(want)) {
        throw new Error(`Keyset walk differs for '${raw}' (limit ${limit})`);
      }
      expect(backward).toEqual(want.slice(0, -1));
    }
  });

  it('seeks the sort index for each statement of a deep page', async () => {
    const explain = async (raw: string, values: (string | number | null)[]) => {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      const compiled = await compile(query);
      const statements = keysetStatements(compiled, customerSqlStorage, 'mysql', 'c.id', {
        direction: 'after',
        values,
      });
      const plans: string[] = [];
      for (const statement of statements) {
        const [rows] = await db.query<RowDataPacket[]>(`EXPLAIN ${statement.sql}`, [
          ...statement.params,
          20,
        ]);
        plans.push(
          rows
            .map((r) => `${String(r.table)}:${String(r.type)}:${String(r.key)}:${String(r.Extra)}`)
            .join('; '),
        );
      }
      return plans;
    };
    const start = Date.parse('2024-02-01T00:00:00Z');
    for (const plan of await explain('status=approved&sort=-validFor.startDateTime', [
      start,
      'c0100',
    ])) {
      expect(plan).toMatch(/^c:(range|ref):customer_status_start:/);
      expect(plan).not.toMatch(/filesort/);
    }
    for (const plan of await explain('sort=-validFor.startDateTime', [start, 'c0100'])) {
      expect(plan).toMatch(/^c:(range|ref):customer_valid_for_start:/);
      expect(plan).not.toMatch(/filesort/);
    }
    for (const plan of await explain('', ['c0100'])) {
      // The narrow (id, seq) index, not the clustered rows (the documents).
      expect(plan).toMatch(/^c:range:idx_customer_id_seq:.*Using index/);
      expect(plan).not.toMatch(/filesort/);
    }
  });
});

describe('pages in id order on MySQL/MariaDB read narrow indexes, not the documents', () => {
  const explain = async (raw: string, plan: 'collect' | 'probe' | 'walk') => {
    const query = parseQuery(raw, customerQuerySchema, { paging });
    const compiled = await compile(query, undefined, plan);
    const { page } = buildListStatements(compiled, customerSqlStorage, 'c.id', { keys: true });
    const [rows] = await db.query<RowDataPacket[]>(`EXPLAIN ${page.sql}`, page.params);
    return rows
      .filter((r) => r.table === 'c')
      .map((r) => `${String(r.type)}:${String(r.key)}:${String(r.Extra)}`)
      .join('; ');
  };

  it('skips an offset of the unfiltered list on the (id, seq) index', async () => {
    expect(await explain('offset=300&limit=20', 'collect')).toMatch(
      /^index:idx_customer_id_seq:.*Using index/,
    );
  });

  it('walks the (id, seq) index when it tests candidates one by one', async () => {
    expect(
      await explain('contactMedium.characteristic.city=Paris&offset=10&limit=5', 'probe'),
    ).toMatch(/^index:idx_customer_id_seq:.*Using index/);
  });

  it('joins the key of a filter that is one key to each candidate, not a subquery each', async () => {
    const query = parseQuery(
      'contactMedium.characteristic.city=Paris&limit=5',
      customerQuerySchema,
      {
        paging,
      },
    );
    const compiled = await compile(query, undefined, 'probe');
    expect(compiled.tableJoin).toMatch(/^ STRAIGHT_JOIN customer_token a\d+$/);
    const { page } = buildListStatements(compiled, customerSqlStorage, 'c.id');
    const [rows] = await db.query<RowDataPacket[]>(`EXPLAIN ${page.sql}`, page.params);
    expect(rows.map((r) => `${String(r.table)}:${String(r.type)}:${String(r.key)}`)).toEqual([
      'c:index:idx_customer_id_seq',
      expect.stringMatching(/^a\d+:(ref|eq_ref):PRIMARY$/),
    ]);
    // Lookups joined on one element keep their subquery.
    const group = parseQuery(
      'contactMedium.mediumType=postal;contactMedium.characteristic.city=Paris&limit=5',
      customerQuerySchema,
      { paging },
    );
    expect((await compile(group, undefined, 'probe')).tableJoin).toBeUndefined();
  });

  it('walks the (id, seq) index against the matches read once, for ranges and walked pages', async () => {
    for (const [raw, plan] of [
      ['creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700&limit=5', 'walk'],
      // A range is never tested per candidate (its rows in the epoch would be scanned each time).
      ['creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700&limit=5', 'probe'],
      ['contactMedium.characteristic.city=Paris&offset=3&limit=5', 'walk'],
    ] as const) {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      const compiled = await compile(query, undefined, plan);
      expect(compiled.collectsMatches).toBe(true);
      const { page } = buildListStatements(compiled, customerSqlStorage, 'c.id', { keys: true });
      const [rows] = await db.query<RowDataPacket[]>(`EXPLAIN ${page.sql}`, page.params);
      const plans = rows.map((r) => `${String(r.table)}:${String(r.type)}:${String(r.key)}`);
      expect(plans[0]).toBe('c:index:idx_customer_id_seq');
      expect(plans[1]).toMatch(/^<subquery\d+>:eq_ref:distinct_key$/);
    }
  });

  it('sorts collected matches by id on the seq index alone', async () => {
    const raw = 'creditProfile.creditScore.gte=600&creditProfile.creditScore.lt=700&limit=5';
    const query = parseQuery(raw, customerQuerySchema, { paging });
    expect((await compile(query)).collectsMatches).toBe(true);
    // Depending on the table's statistics (InnoDB's purge of deleted rows changes its size) the
    // optimizer may walk the narrow (id, seq) index in order instead: neither reads a document.
    expect(await explain(raw, 'collect')).toMatch(
      /^((eq_ref|range|const):seq|index:idx_customer_id_seq):.*Using index/,
    );
  });

  it('reads the documents of matches read before the query at once when they are few', async () => {
    // Joined lookups read their matches before the query: one customer here, at most two pages'
    // rows, so the page reads its document in its own statement (no ids first).
    const query = parseQuery(
      'contactMedium.characteristic.city=Paris&creditProfile.creditRiskRating=3&limit=5',
      customerQuerySchema,
      { paging },
    );
    const compiled = await compile(query);
    expect(compiled.total).toBeLessThanOrEqual(10);
    expect(compiled.where).toMatch(/^c\.seq IN \(/);
    expect(compiled.collectsMatches).toBe(false);
  });

  it('reads the matches of joined lookups once, for the count and the page', async () => {
    const query = parseQuery(
      'contactMedium.characteristic.city=Paris&creditProfile.creditScore=600&limit=5',
      customerQuerySchema,
      { paging },
    );
    const compiled = await compile(query);
    expect(compiled.tokenSeqs?.sql).toMatch(/^SELECT DISTINCT /);
    expect(compiled.where).not.toMatch(/customer_token/);
    expect(compiled.total).toBe(expected(query).total);
    expect(compiled.total).toBeGreaterThan(0);
  });
});

describe(`${mysqlTokenUpdateStatements.name} on MySQL/MariaDB`, () => {
  it('keeps the counts through a PATCH that changes kept keys', async () => {
    const pairs = indexUpdatePairs(30);
    const [[{ seq }]] = await db.query<RowDataPacket[]>('SELECT MAX(seq) AS seq FROM customer');
    let next = Number(seq) + 1;
    for (const [i, { before, after }] of pairs.entries()) {
      const id = `patched-${i}`;
      const s = next++;
      await db.query(
        `INSERT INTO customer (id, seq, created_at, updated_at, version, document) VALUES (?, ?, 0, 0, 1, '{}')`,
        [id, s],
      );
      const gained: CountDeltas = new Map();
      mysqlTokenDeleteDeltas(customerSqlStorage, before, gained);
      await run([
        ...mysqlTokenInsertStatements(customerSqlStorage, s, before),
        ...countStatements(new Map([...gained].map(([k, d]) => [k, -d])), i),
      ]);
      const deltas: CountDeltas = new Map();
      await run(
        mysqlTokenUpdateStatements(customerSqlStorage, s, before, after, undefined, deltas),
      );
      await run(countStatements(deltas, i + 5));
      expect(await wrongCounts()).toEqual([]);
      // Gone again (its rows too: the ghosts are the sweep's), its keys out of the counts.
      const lost: CountDeltas = new Map();
      mysqlTokenDeleteDeltas(customerSqlStorage, after, lost);
      await run([
        { sql: 'DELETE FROM customer_token WHERE seq = ?', params: [s] },
        { sql: 'DELETE FROM customer WHERE id = ?', params: [id] },
        ...countStatements(lost, i + 9),
      ]);
    }
    expect(await wrongCounts()).toEqual([]);
    for (const raw of QUERIES.slice(18, 32)) {
      const query = parseQuery(raw, customerQuerySchema, { paging });
      expect(await list(query)).toEqual(expected(query));
    }
  });

  it('leaves exactly the rows of a full rewrite', async () => {
    const rowsOf = async (seq: number) =>
      (
        await db.query<RowDataPacket[]>(
          'SELECT token, v, slot, rep FROM customer_token WHERE seq = ? ORDER BY token, v, slot',
          [seq],
        )
      )[0];
    let seq = 5_000_000;
    for (const { before, after } of indexUpdatePairs(120)) {
      const patched = seq++;
      const full = seq++;
      await run(mysqlTokenInsertStatements(customerSqlStorage, patched, before));
      await run(mysqlTokenUpdateStatements(customerSqlStorage, patched, before, after));
      await run(mysqlTokenInsertStatements(customerSqlStorage, full, after));
      expect(await rowsOf(patched)).toEqual(await rowsOf(full));
    }
  });
});
