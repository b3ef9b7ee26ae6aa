// Measures the search-index design: rows and bytes per customer, write cost, query latency.
//   npm run bench:index -- sqlite 100000
//   npm run bench:index -- mysql 50000
// Not part of any test tier. The MySQL run creates and drops its own database.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createConnection, RowDataPacket } from 'mysql2/promise';

import {
  buildListStatements,
  compileSql,
  extractColumnValues,
  extractIndexEntries,
  indexTableDdl,
  indexWriteStatements,
  parseQuery,
  SqlParam,
  sqliteRegexp,
} from '@app/tmf-query';
import { SqliteDatabase } from '@app/tmf-query/testing/sqlite';
import { SQLITE_CUSTOMER_DDL } from '@test/support/query/sqlite-customer-store';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';

const BASE_URL = 'https://api.example.com';
const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'mysql';
const count = Number(process.argv[3] ?? 20000);

/** A customer with about 25 indexed leaf values, close to the team's estimate. */
function customer(i: number): Record<string, unknown> {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    id,
    href: `${BASE_URL}/tmf-api/customerManagement/v4/customer/${id}`,
    name: `Customer ${i}`,
    status: ['approved', 'active', 'suspended'][i % 3],
    '@type': 'Customer',
    engagedParty: {
      id: `org-${i % 5000}`,
      name: `Org ${i % 5000}`,
      '@referredType': 'Organization',
    },
    validFor: { startDateTime: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString() },
    contactMedium: [
      {
        mediumType: 'email',
        preferred: true,
        characteristic: { emailAddress: `user${i}@example.com`, contactType: 'work' },
      },
      {
        mediumType: 'phone',
        preferred: false,
        characteristic: { phoneNumber: `+33 1 ${String(i).padStart(8, '0')}` },
      },
      {
        mediumType: 'postal',
        characteristic: {
          city: ['Paris', 'Berlin', 'Madrid'][i % 3],
          postCode: String(75000 + (i % 20)),
          street1: `${i} Main Street`,
          country: 'FR',
        },
      },
    ],
    characteristic: [
      { name: 'tier', valueType: 'string', value: ['gold', 'silver', 'bronze'][i % 3] },
      { name: 'score', valueType: 'number', value: i % 1000 },
    ],
    creditProfile: [
      {
        creditProfileDate: '2024-01-01T00:00:00Z',
        creditScore: 300 + (i % 550),
        validFor: { startDateTime: '2024-01-01T00:00:00Z' },
      },
    ],
    relatedParty: [{ id: `p-${i}`, role: 'owner', '@referredType': 'Individual' }],
  };
}

const QUERIES = [
  'contactMedium.characteristic.emailAddress=user4242@example.com',
  'contactMedium.mediumType=email&contactMedium.characteristic.emailAddress=user4242@example.com',
  'creditProfile.creditScore.gte=848&limit=20',
  'characteristic.name=score&characteristic.value=999&limit=20',
  'relatedParty.id=p-777',
  'engagedParty.name=Org%20123&limit=20',
  'status=approved&limit=20',
  'name=Customer%20999',
];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const sample = extractIndexEntries(customer(1), customerSqlStorage);
  console.log(`${dialect}: ${count} customers, ${sample.length} index rows each`);
  type Exec = (
    sql: string,
    params: SqlParam[],
  ) => Promise<RowDataPacket[] | Record<string, unknown>[]>;
  let exec: Exec;
  let close: () => Promise<void>;
  let size: () => Promise<string>;
  let begin: () => Promise<void>;
  let commit: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tmfq-'));
    const Database = createRequire(__filename)('better-sqlite3') as new (
      file: string,
    ) => SqliteDatabase;
    const db = new Database(join(dir, 'bench.db'));
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.function('regexp', { deterministic: true }, sqliteRegexp);
    for (const sql of [...SQLITE_CUSTOMER_DDL, ...indexTableDdl(customerSqlStorage, 'sqlite')]) {
      db.exec(sql);
    }
    const cache = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
    const prepare = (sql: string) => {
      let statement = cache.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    };
    exec = (sql, params) => {
      const statement = prepare(sql);
      return Promise.resolve(
        /^\s*(SELECT|EXPLAIN)/i.test(sql)
          ? statement.all(...params)
          : (statement.run(...params), []),
      );
    };
    begin = () => Promise.resolve(db.exec('BEGIN'));
    commit = () => Promise.resolve(db.exec('COMMIT'));
    size = () => {
      const rows = db
        .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
        .all();
      return Promise.resolve(
        rows.map((r) => `${String(r.name)}=${(Number(r.bytes) / 1e6).toFixed(1)}MB`).join(' '),
      );
    };
    close = () => {
      db.close();
      if (!process.env.KEEP_DB) {
        rmSync(dir, { recursive: true });
      } else {
        console.log(`kept ${dir}`);
      }
      return Promise.resolve();
    };
  } else {
    const db = await createConnection(process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
    const database = `tmf_query_bench_${process.pid}`;
    await db.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
    await db.query(`USE ${database}`);
    await db.query(`CREATE TABLE customer (id VARCHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
      name VARCHAR(512) COLLATE utf8mb4_nopad_bin NULL, status VARCHAR(100) COLLATE utf8mb4_nopad_bin NULL,
      at_type VARCHAR(200) COLLATE utf8mb4_nopad_bin NULL, engaged_party_id VARCHAR(200) COLLATE utf8mb4_nopad_bin NULL,
      valid_for_start BIGINT NULL, valid_for_end BIGINT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      version INT NOT NULL, document LONGTEXT NOT NULL, KEY (name), KEY (status), KEY (at_type), KEY (engaged_party_id),
      KEY (valid_for_start), KEY (valid_for_end)) ENGINE=InnoDB`);
    for (const sql of indexTableDdl(customerSqlStorage, 'mysql')) {
      await db.query(sql);
    }
    exec = async (sql, params) => (await db.query<RowDataPacket[]>(sql, params))[0];
    begin = () => db.beginTransaction();
    commit = () => db.commit();
    size = async () => {
      if (process.env.OPTIMIZE) {
        await db.query('OPTIMIZE TABLE customer, customer_attr');
      }
      await db.query('ANALYZE TABLE customer, customer_attr');
      const [rows] = await db.query<RowDataPacket[]>(
        'SELECT table_name AS t, data_length AS d, index_length AS i FROM information_schema.tables WHERE table_schema = ?',
        [database],
      );
      return rows
        .map(
          (r) =>
            `${String(r.t)}: data=${(Number(r.d) / 1e6).toFixed(1)}MB index=${(Number(r.i) / 1e6).toFixed(1)}MB`,
        )
        .join('; ');
    };
    close = async () => {
      await db.query(`DROP DATABASE ${database}`);
      await db.end();
    };
  }

  const writeTimes: number[] = [];
  const batch = 500;
  const started = Date.now();
  for (let start = 0; start < count; start += batch) {
    await begin();
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const doc = customer(i);
      const t0 = performance.now();
      const { id, href: _href, ...stored } = doc;
      const columns = extractColumnValues(doc, customerSqlStorage);
      await exec(
        `INSERT INTO customer (id, ${Object.keys(columns).join(', ')}, created_at, updated_at, version, document) VALUES (?, ${Object.keys(
          columns,
        )
          .map(() => '?')
          .join(', ')}, 0, 0, 1, ?)`,
        [id as string, ...Object.values(columns), JSON.stringify(stored)],
      );
      for (const statement of indexWriteStatements(customerSqlStorage, id as string, doc)) {
        await exec(statement.sql, statement.params);
      }
      writeTimes.push(performance.now() - t0);
    }
    await commit();
  }
  console.log(
    `load: ${((Date.now() - started) / 1000).toFixed(1)} s; per customer write (in batches of ${batch}) p50=${percentile(writeTimes, 50).toFixed(3)} ms p99=${percentile(writeTimes, 99).toFixed(3)} ms`,
  );
  if (dialect === 'sqlite') {
    await exec('ANALYZE', []);
  }
  console.log(`size: ${await size()}`);

  for (const raw of QUERIES) {
    const query = parseQuery(raw, customerQuerySchema, {
      paging: { defaultLimit: 100, maxLimit: 1000 },
    });
    const compiled = compileSql(query, customerSqlStorage, { dialect, baseUrl: BASE_URL });
    const { page, count: total } = buildListStatements(
      compiled,
      customerSqlStorage,
      'c.id, c.document',
    );
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      rows = (await exec(page.sql, page.params)).length;
      await exec(total.sql, total.params);
      times.push(performance.now() - t0);
    }
    console.log(
      `${raw.padEnd(95)} rows=${String(rows).padStart(3)} page+count p50=${percentile(times, 50).toFixed(2)} ms p99=${percentile(times, 99).toFixed(2)} ms`,
    );
  }
  await close();
}

void main();
