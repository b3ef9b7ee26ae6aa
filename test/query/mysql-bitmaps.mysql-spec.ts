// MySQL / MariaDB tier (not run by `jest` unit runs: the file does not end in `.spec.ts`). Run with
//   npx jest --config test/jest/unit.config.js --testRegex 'mysql-spec\.ts$' test/query/mysql-bitmaps
// against TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306). It creates and drops its own database.
import {
  buildListStatements,
  compileMysqlSql,
  compileSql,
  epochOf,
  epochsOfSeqs,
  extractColumnValues,
  MysqlTokenBitmaps,
  mysqlTokenCountDdl,
  mysqlTokenCountRowStatements,
  mysqlTokenDdl,
  mysqlTokenDeadStatements,
  mysqlTokenEpochBumpStatement,
  mysqlTokenEpochDdl,
  mysqlTokenInsertStatements,
  mysqlTokenRepeatDdl,
  mysqlTokenUpdateStatements,
  parseQuery,
  ParsedQuery,
  SqlStatement,
  tokenSweepStatements,
} from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { BASE_URL, generateCustomers } from '@test/fixtures/generated-customers';
import { leafConditions } from '@test/support/query/leaf-conditions';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';

import { evaluatorPage } from './evaluator-oracle';

const DATABASE = `tmf_query_bitmaps_test_${process.pid}`;
/** Keys held by this many customers get kept counts: those intersected in memory. */
const KEPT_MIN = 15;
const paging = { defaultLimit: 1000, maxLimit: 1000 };
/** Seqs spread over many epochs (16,384 seqs each). */
const SPREAD = 613;
let db: Connection;
/** The background reads' connection (ordered tokens' rows), apart from the writes' transactions. */
let bg: Connection;
/** The stored customers (full documents with their id), by id; and their seqs. */
const docs = new Map<string, Record<string, unknown>>();
const seqs = new Map<string, number>();
let nextSeq = 1;
let kept = new Set<string>();
async function backgroundRead<R>(statement: SqlStatement): Promise<R[]> {
  const [rows] = await bg.query<RowDataPacket[]>(statement.sql, statement.params);
  return rows as R[];
}
/** Ordered tokens' epochs read again in the background after every move (no delay). */
const bitmaps = new MysqlTokenBitmaps(customerSqlStorage, () => kept, undefined, backgroundRead, 0);
/** A bound too small to hold any ordered token: every range answered from SQL. */
const tiny = new MysqlTokenBitmaps(customerSqlStorage, () => kept, 2048, backgroundRead, 0);

jest.setTimeout(300_000);

/** A tiny deterministic random source (the queries and writes repeat from run to run). */
function randomOf(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}
const random = randomOf(7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

async function run(statements: (SqlStatement | undefined)[]): Promise<void> {
  for (const s of statements) {
    if (s) {
      await db.query(s.sql, s.params);
    }
  }
}

async function read<R>(statement: SqlStatement): Promise<R[]> {
  const [rows] = await db.query<RowDataPacket[]>(statement.sql, statement.params);
  return rows as R[];
}

/** A new customer row, its token rows and its epoch's counter, as a POST's transaction has them. */
async function insert(doc: Record<string, unknown>, seq = nextSeq): Promise<void> {
  nextSeq = Math.max(nextSeq, seq) + SPREAD;
  const { id, href: _href, ...stored } = doc;
  const columns = extractColumnValues(doc, customerSqlStorage);
  const names = Object.keys(columns);
  await db.beginTransaction();
  await db.query(
    `INSERT INTO customer (id, seq, ${names.join(', ')}, created_at, updated_at, version, document)
     VALUES (?, ?, ${names.map(() => '?').join(', ')}, 0, 0, 1, ?)`,
    [id, seq, ...Object.values(columns), JSON.stringify(stored)],
  );
  await run([
    ...mysqlTokenInsertStatements(customerSqlStorage, seq, doc),
    mysqlTokenEpochBumpStatement(customerSqlStorage, epochsOfSeqs([seq]), seq % 16),
  ]);
  await db.commit();
  docs.set(id as string, doc);
  seqs.set(id as string, seq);
}

/** A PATCH that replaces the document: the rows that differ, and its epoch's counter. */
async function patch(id: string, after: Record<string, unknown>): Promise<void> {
  const seq = seqs.get(id)!;
  const rewrites = mysqlTokenUpdateStatements(customerSqlStorage, seq, docs.get(id), after);
  const { id: _id, href: _href, ...stored } = after;
  await db.beginTransaction();
  const columns = extractColumnValues(after, customerSqlStorage);
  await db.query(
    `UPDATE customer SET ${Object.keys(columns)
      .map((c) => `${c} = ?, `)
      .join('')}document = ? WHERE id = ?`,
    [...Object.values(columns), JSON.stringify(stored), id],
  );
  await run([
    ...rewrites,
    ...(rewrites.length > 0
      ? [mysqlTokenEpochBumpStatement(customerSqlStorage, [epochOf(seq)], seq % 16)]
      : []),
  ]);
  await db.commit();
  docs.set(id, after);
}

/** A DELETE: the row goes, its seq waits in the dead table, its token rows for the sweep. */
async function remove(id: string): Promise<void> {
  await db.beginTransaction();
  await db.query('DELETE FROM customer WHERE id = ?', [id]);
  await run(mysqlTokenDeadStatements(customerSqlStorage, [seqs.get(id)!]));
  await db.commit();
  docs.delete(id);
}

/** The sweep of every epoch with dead keys (rows, keys and counter in one transaction each). */
async function sweep(): Promise<void> {
  const dead = await read<{ seq: number }>({
    sql: 'SELECT seq FROM customer_token_dead',
    params: [],
  });
  const byEpoch = new Map<number, number[]>();
  for (const { seq } of dead) {
    byEpoch.set(epochOf(seq), [...(byEpoch.get(epochOf(seq)) ?? []), seq]);
  }
  for (const [epoch, list] of byEpoch) {
    await db.beginTransaction();
    await run(tokenSweepStatements(customerSqlStorage, epoch, list, epoch % 16));
    await db.commit();
  }
}

beforeAll(async () => {
  const url = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  db = await createConnection(url);
  bg = await createConnection(url);
  await db.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4`);
  await db.query(`USE ${DATABASE}`);
  await bg.query(`USE ${DATABASE}`);
  const [[version]] = await db.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const collation = String(version.v).includes('MariaDB')
    ? 'utf8mb4_nopad_bin'
    : 'utf8mb4_0900_bin';
  const text = (length: number) =>
    `VARCHAR(${length}) CHARACTER SET utf8mb4 COLLATE ${collation} NULL`;
  await db.query(`CREATE TABLE customer (
    id VARCHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    seq INT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE,
    name ${text(512)}, status ${text(100)}, at_type ${text(200)}, engaged_party_id ${text(200)},
    valid_for_start BIGINT NULL, valid_for_end BIGINT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INT NOT NULL,
    document LONGTEXT NOT NULL,
    KEY idx_customer_id_seq (id, seq)
  ) ENGINE=InnoDB`);
  for (const sql of mysqlTokenDdl(customerSqlStorage)) {
    await db.query(sql);
  }
  await db.query(mysqlTokenRepeatDdl(customerSqlStorage));
  await db.query(mysqlTokenCountDdl('customer_token_count'));
  await db.query(mysqlTokenEpochDdl('customer_token_epoch'));
  for (const doc of generateCustomers(400)) {
    await insert(doc);
  }
  const [keys] = await db.query<RowDataPacket[]>(
    'SELECT token, v FROM customer_token WHERE rep = 0 GROUP BY token, v HAVING COUNT(*) >= ?',
    [KEPT_MIN],
  );
  for (const { token, v } of keys) {
    await run(
      mysqlTokenCountRowStatements(
        customerSqlStorage,
        Number(token),
        String(v),
        epochOf(nextSeq) + 1,
      ),
    );
  }
  kept = new Set(keys.map((k) => `${k.token}:${k.v}`));
  expect(kept.size).toBeGreaterThan(20);
});

afterAll(async () => {
  await bitmaps.idle();
  await tiny.idle();
  await db.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await db.end();
  await bg?.end();
});

/** A random filter of two or three kept keys (held by one customer), with a random page. */
function randomQuery(): { raw: string; query: ParsedQuery } | undefined {
  const conditions = [...new Set(leafConditions(pick([...docs.values()])))];
  const chosen = [
    pick(conditions),
    pick(conditions),
    ...(random() < 0.3 ? [pick(conditions)] : []),
  ];
  const page = `limit=${pick([1, 3, 20])}&offset=${pick([0, 0, 2, 7])}${pick(['', '', '&sort=-id', '&sort=name'])}`;
  const raw = `${[...new Set(chosen)].join('&')}&${page}`;
  let query: ParsedQuery;
  try {
    query = parseQuery(raw, customerQuerySchema, { paging });
  } catch {
    // A leaf the query language does not address (inside a free-form value).
    return undefined;
  }
  const keys = compileSql(query, customerSqlStorage, { dialect: 'mysql' }).tokenKeys;
  return keys && bitmaps.serves(keys) ? { raw, query } : undefined;
}

/** Ordered paths of the generated customers and values around theirs. */
const ORDERED: readonly { path: string; value: () => string }[] = [
  { path: 'creditProfile.creditScore', value: () => String(450 + Math.floor(random() * 24) * 25) },
  { path: 'creditProfile.validFor.startDateTime', value: () => randomInstant() },
  { path: 'creditProfile.creditProfileDate', value: () => randomInstant() },
  { path: 'validFor.startDateTime', value: () => randomInstant() },
  { path: 'validFor.endDateTime', value: () => randomInstant() },
  { path: 'contactMedium.validFor.startDateTime', value: () => randomInstant() },
];

function randomInstant(): string {
  const day = 1 + Math.floor(random() * 28);
  const hour = Math.floor(random() * 24);
  const month = 1 + Math.floor(random() * 3);
  return encodeURIComponent(
    `2024-0${month}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:${pick(['00', '30'])}:00${pick(['Z', '+01:00', '-05:30'])}`,
  );
}

/**
 * A random range of an ordered path (one bound, or a window of two), alone or with one or two kept
 * keys of a stored customer, with a random page; undefined when not served from memory.
 */
function randomRangeQuery(): { raw: string; query: ParsedQuery } | undefined {
  const { path, value } = pick(ORDERED);
  const [a, b] = [value(), value()];
  const bounds =
    random() < 0.5
      ? [`${path}.${pick(['gt', 'gte', 'lt', 'lte'])}=${a}`]
      : [
          `${path}.${pick(['gt', 'gte'])}=${a < b ? a : b}`,
          `${path}.${pick(['lt', 'lte'])}=${a < b ? b : a}`,
        ];
  const conditions = [...new Set(leafConditions(pick([...docs.values()])))];
  const more =
    random() < 0.4
      ? []
      : random() < 0.7
        ? [pick(conditions)]
        : [pick(conditions), pick(conditions)];
  const page = `limit=${pick([1, 3, 20])}&offset=${pick([0, 0, 2, 7])}${pick(['', '', '&sort=-id', '&sort=name'])}`;
  const raw = `${[...bounds, ...new Set(more)].join('&')}&${page}`;
  let query: ParsedQuery;
  try {
    query = parseQuery(raw, customerQuerySchema, { paging });
  } catch {
    return undefined;
  }
  const ranges = compileSql(query, customerSqlStorage, { dialect: 'mysql' }).tokenRanges;
  if (!ranges) {
    return undefined;
  }
  const keys = ranges.filter((r) => r.from === r.to).map((r) => ({ token: r.token, v: r.from }));
  const served = bitmaps.servesRanges(
    keys,
    ranges.filter((r) => r.from !== r.to),
  );
  return served ? { raw, query } : undefined;
}

/** The page and count through the bitmaps (the first page from the first matches' ids always, or by the rule). */
async function list(
  query: ParsedQuery,
  through: MysqlTokenBitmaps = bitmaps,
): Promise<{ ids: string[]; total: number }> {
  const compiled = await compileMysqlSql(
    query,
    customerSqlStorage,
    { baseUrl: BASE_URL },
    read,
    undefined,
    undefined,
    through,
    random() < 0.5 ? Infinity : undefined,
  );
  const { page } = buildListStatements(compiled, customerSqlStorage, 'c.id');
  const rows = await read<{ id: string }>(page);
  expect(compiled.total).toBeDefined();
  return { ids: rows.map((r) => r.id), total: compiled.total! };
}

/**
 * `n` random served queries, each against the evaluator over the stored documents. Ranges: with
 * the background reads sometimes settled (epochs held), sometimes under way.
 */
async function expectRandomQueries(n: number, ranges = false): Promise<number> {
  let served = 0;
  for (let tries = 0; served < n && tries < n * 50; tries++) {
    const q = ranges ? randomRangeQuery() : randomQuery();
    if (q) {
      served++;
      const want = evaluatorPage(q.query, [...docs.values()]);
      expect([q.raw, await list(q.query)]).toEqual([q.raw, want]);
      if (ranges) {
        if (random() < 0.5) {
          await bitmaps.idle();
        }
        if (random() < 0.2) {
          expect([q.raw, await list(q.query, tiny)]).toEqual([q.raw, want]);
        }
      }
    }
  }
  expect(served).toBe(n);
  return served;
}

describe('kept keys intersected in memory on MySQL/MariaDB equal the in-memory evaluator', () => {
  it('agrees on 200 random intersections of kept keys', async () => {
    await expectRandomQueries(200);
    expect(bitmaps.heldBytes).toBeGreaterThan(0);
  });

  it('agrees after POSTs, PATCHes, DELETEs and sweeps between the reads', async () => {
    const all = () => [...docs.values()];
    for (let round = 0; round < 12; round++) {
      // New customers: copies of others, in the newest epoch; one with a smaller id than all
      // (ids out of seq order), one at a seq of an older epoch.
      for (let i = 0; i < 3; i++) {
        await insert({ ...pick(all()), id: `n${round}-${i}` });
      }
      await insert({ ...pick(all()), id: `a${round}` });
      await insert({ ...pick(all()), id: `o${round}` }, 2 + round * 20011);
      await expectRandomQueries(15);
      // PATCHes: a customer takes another's document.
      for (let i = 0; i < 6; i++) {
        const target = pick(all());
        await patch(target.id as string, { ...pick(all()), id: target.id });
      }
      await expectRandomQueries(15);
      // DELETEs: the rows stay until the sweep.
      for (let i = 0; i < 5; i++) {
        await remove(pick(all()).id as string);
      }
      await expectRandomQueries(15);
      if (round % 2 === 1) {
        await sweep();
        await expectRandomQueries(15);
      }
    }
  });
});

describe('ranges of ordered tokens held in memory on MySQL/MariaDB equal the in-memory evaluator', () => {
  it('agrees on 200 random ranges, alone and with kept keys', async () => {
    await expectRandomQueries(200, true);
    await bitmaps.idle();
    expect(bitmaps.heldBytes).toBeGreaterThan(0);
    expect(tiny.heldBytes).toBeLessThanOrEqual(2048);
  });

  it('agrees after POSTs, PATCHes, DELETEs and sweeps between the reads', async () => {
    const all = () => [...docs.values()];
    for (let round = 0; round < 10; round++) {
      // Held epochs first, so that the writes below move epochs held in memory.
      await bitmaps.idle();
      for (let i = 0; i < 3; i++) {
        await insert({ ...pick(all()), id: `rn${round}-${i}` });
      }
      await insert({ ...pick(all()), id: `ra${round}` });
      await insert({ ...pick(all()), id: `ro${round}` }, 3 + round * 20011);
      await expectRandomQueries(15, true);
      await bitmaps.idle();
      for (let i = 0; i < 6; i++) {
        const target = pick(all());
        await patch(target.id as string, { ...pick(all()), id: target.id });
      }
      await expectRandomQueries(15, true);
      await bitmaps.idle();
      for (let i = 0; i < 5; i++) {
        await remove(pick(all()).id as string);
      }
      await expectRandomQueries(15, true);
      if (round % 2 === 1) {
        await sweep();
        await expectRandomQueries(15, true);
      }
    }
  });
});
