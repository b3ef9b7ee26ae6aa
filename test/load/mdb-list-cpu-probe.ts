/**
 * MariaDB CPU of one list request, statement by statement (docs/performance.md, "MariaDB single
 * lookups: where a request's time goes"). Not product code: it compiles a class's query with
 * `compileMysqlSql` and reads the first page as `CustomerRepository.findPage` does (count while
 * compiling, the page, the documents by id), straight through mysql2 on one connection, and reads
 * the CPU time of that connection's server thread from `/proc/<mariadbd>/task/<tid>/schedstat`
 * around each statement: a figure that other work on the machine does not inflate (a statement's
 * tail after its answer is counted in the next one: compare the totals). Variants run on the same
 * query one after the other, each first in turn. Read only (no promotion, no write).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/load/mdb-list-cpu-probe.ts \
 *     [--url mysql://root@127.0.0.1:3318/] [--database tmf_query_bench_1000000] [--requests 60]
 *     [--epochs 62] [--classes email,city,range,date,plain2] [--kept <token:v>,...] [--db-pid <pid>]
 *     [--variants <label substring>,...]
 *
 * `--epochs`: the epoch list every lookup names (the planning cost of a larger database, whose
 * extra epochs are empty here); default: the database's own. `--kept`: keys the "known kept"
 * variant treats as kept (they must have count rows). The "in memory" variant intersects kept keys
 * (all those with count rows) and ordered tokens' ranges in `MysqlTokenBitmaps`, as a server does;
 * its background reads (a second connection) are filled before the measured requests, and the
 * CPU measured is the request's connection only.
 */
import { readFileSync } from 'node:fs';

import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';

import {
  compileMysqlSql,
  KeptIntersections,
  keysetStatements,
  MysqlTokenBitmaps,
  parseQuery,
  readKeyset,
  SqlStatement,
} from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { emailOf, startOf } from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';
import { percentile } from './closed-loop';
import { databaseServerPid } from './cpu-meter';

const URL_ = arg('url', process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3318/');
const DATABASE = arg('database', 'tmf_query_bench_1000000');
const REQUESTS = Number(arg('requests', '60'));
const EPOCHS = Number(arg('epochs', '0'));
const CLASSES = arg('classes', 'email,city,range,date').split(',');
const KEPT = new Set(arg('kept', '').split(',').filter(Boolean));
const DB_PID = Number(arg('db-pid', String(databaseServerPid() ?? 0)));
const ONLY_VARIANTS = arg('variants', '').split(',').filter(Boolean);
const DAY = 86400000;
const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Rome', 'Warsaw', 'Lisbon', 'Vienna'];
const paging = { defaultLimit: 100, maxLimit: 1000 };

type Variant = {
  label: string;
  kept?: ReadonlySet<string>;
  prefix?: (sql: string) => string;
  intersections?: KeptIntersections;
};

const ALL_VARIANTS: Variant[] = [
  { label: 'keys unknown (main)' },
  { label: 'kept keys known', kept: KEPT },
  {
    label: 'kept keys known, eq ranges planned by statistics',
    kept: KEPT,
    prefix: (sql) =>
      /epoch IN \(/.test(sql) && !/ JOIN customer_token /.test(sql)
        ? `SET STATEMENT eq_range_index_dive_limit = 1 FOR ${sql}`
        : sql,
  },
];

const rand = (n: number) => Math.floor(Math.random() * n);

function classQuery(name: string, seeded: number): string {
  switch (name) {
    case 'email':
      return `contactMedium.characteristic.emailAddress=${encodeURIComponent(emailOf(rand(seeded)))}`;
    case 'city':
      return `contactMedium.characteristic.city=${CITIES[rand(CITIES.length)]}&limit=20`;
    case 'range': {
      const from = 300 + rand(546);
      return `creditProfile.creditScore.gte=${from}&creditProfile.creditScore.lt=${from + 5}&limit=20`;
    }
    case 'plain2':
      return `contactMedium.characteristic.city=${CITIES[rand(CITIES.length)]}&creditProfile.creditRiskRating=${1 + rand(5)}&limit=20`;
    case 'date': {
      const from = new Date(Math.floor(startOf(rand(seeded)) / DAY) * DAY);
      const to = new Date(from.getTime() + DAY);
      return `creditProfile.validFor.startDateTime.gte=${from.toISOString()}&creditProfile.validFor.startDateTime.lt=${to.toISOString()}&limit=20`;
    }
    default:
      throw new Error(`unknown class ${name}`);
  }
}

class Meter {
  private tid = 0;
  constructor(private readonly db: Connection) {}
  async init(): Promise<void> {
    const [[row]] = await this.db.query<RowDataPacket[]>(
      'SELECT tid FROM information_schema.processlist WHERE id = CONNECTION_ID()',
    );
    this.tid = Number(row.tid);
  }
  /** CPU time of this connection's server thread, ms. */
  cpu(): number {
    const stat = readFileSync(`/proc/${DB_PID}/task/${this.tid}/schedstat`, 'utf8');
    return Number(stat.split(' ')[0]) / 1e6;
  }
}

const withEpochs = (sql: string) =>
  EPOCHS > 0
    ? sql.replace(/epoch IN \((\d+, )*\d+\)/g, `epoch IN (${[...Array(EPOCHS).keys()].join(', ')})`)
    : sql;

/** One request's statements; returns MariaDB CPU ms per statement kind and the total. */
async function request(
  db: Connection,
  meter: Meter,
  raw: string,
  variant: Variant,
): Promise<{ cpu: Map<string, number>; total: number; statements: string[] }> {
  const cpu = new Map<string, number>();
  const statements: string[] = [];
  const run = async (kind: string, s: SqlStatement) => {
    const sql = (variant.prefix ?? ((x: string) => x))(withEpochs(s.sql));
    statements.push(sql);
    const before = meter.cpu();
    const [rows] = await db.query<RowDataPacket[]>(sql, s.params);
    cpu.set(kind, (cpu.get(kind) ?? 0) + meter.cpu() - before);
    return rows;
  };
  const query = parseQuery(raw, customerQuerySchema, { paging });
  let n = 0;
  const compiled = await compileMysqlSql(
    query,
    customerSqlStorage,
    { tokenKeptKeys: variant.kept },
    async <R>(s: SqlStatement) =>
      (await run(
        n++ === 0
          ? 'state'
          : s.sql.startsWith('SELECT id AS id')
            ? 'first ids'
            : s.sql.startsWith('SELECT seq AS seq') || s.sql.startsWith('SELECT 0 AS k, (SELECT')
              ? 'below'
              : 'count',
        s,
      )) as unknown as R[],
    undefined,
    undefined,
    variant.intersections,
  );
  const deferred = compiled.collectsMatches === true;
  const statements_ = keysetStatements(
    compiled,
    customerSqlStorage,
    'mysql',
    deferred ? 'c.id' : 'c.id, c.version, c.document',
  );
  const limit = query.page?.limit ?? 100;
  const page = await readKeyset(statements_, limit, (s) => run('page', s));
  if (deferred && page.length > 0) {
    await run('documents', {
      sql: `SELECT id, version, document FROM customer WHERE id IN (${page.map(() => '?').join(', ')})`,
      params: page.map((r) => r.id as string),
    });
  }
  return { cpu, total: compiled.total ?? -1, statements };
}

async function main(): Promise<void> {
  const db = await createConnection(`${URL_.replace(/\/$/, '')}/${DATABASE}`);
  const meter = new Meter(db);
  await meter.init();
  const [[{ n }]] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM customer');
  const seeded = Number(n);
  const [keptRows] = await db.query<RowDataPacket[]>(
    'SELECT DISTINCT token, CAST(v AS CHAR) AS v FROM customer_token_count',
  );
  const allKept = new Set(keptRows.map((r) => `${r.token}:${r.v}`));
  const background = await createConnection(`${URL_.replace(/\/$/, '')}/${DATABASE}`);
  const bitmaps = new MysqlTokenBitmaps(
    customerSqlStorage,
    () => allKept,
    undefined,
    async (s) => {
      const [rows] = await background.query<RowDataPacket[]>(s.sql, s.params);
      return rows as never[];
    },
  );
  const keptOnly = new MysqlTokenBitmaps(customerSqlStorage, () => allKept);
  const VARIANTS = [
    ...ALL_VARIANTS,
    { label: 'main server (bitmaps of kept keys)', kept: allKept, intersections: keptOnly },
    { label: 'in memory (bitmaps, ordered tokens)', kept: allKept, intersections: bitmaps },
  ].filter((v) => ONLY_VARIANTS.length === 0 || ONLY_VARIANTS.some((o) => v.label.includes(o)));
  console.log(
    `${DATABASE}: ${seeded} customers; epochs listed: ${EPOCHS || 'own'}; ${REQUESTS} requests per class and variant, alternating; MariaDB thread CPU ms per request\n`,
  );
  for (const name of CLASSES) {
    const results = VARIANTS.map(() => ({
      total: [] as number[],
      kinds: new Map<string, number[]>(),
      sample: [] as string[],
      matches: 0,
    }));
    // Warm: the in-memory variants' first uses read the keys and fill ordered tokens' rows.
    for (let i = 0; i < 40; i++) {
      for (const variant of VARIANTS.filter((v) => v.intersections)) {
        await request(db, meter, classQuery(name, seeded), variant);
      }
      await (bitmaps as { idle?: () => Promise<void> }).idle?.();
    }
    for (let i = 0; i < REQUESTS; i++) {
      const raw = classQuery(name, seeded);
      // Each variant first in turn: the first request of a query reads its pages cold.
      for (let k = 0; k < VARIANTS.length; k++) {
        const v = (i + k) % VARIANTS.length;
        const r = await request(db, meter, raw, VARIANTS[v]);
        const res = results[v];
        res.total.push([...r.cpu.values()].reduce((a, b) => a + b, 0));
        for (const [kind, ms] of r.cpu) {
          res.kinds.set(kind, [...(res.kinds.get(kind) ?? []), ms]);
        }
        res.sample = r.statements;
        res.matches = r.total;
      }
    }
    console.log(`### ${name} (e.g. ${classQuery(name, seeded)})\n`);
    console.log(
      '| variant | total p50 / mean | state | count | first ids | below | page | documents | statements |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const [v, variant] of VARIANTS.entries()) {
      const res = results[v];
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      const kind = (k: string) => {
        const a = res.kinds.get(k);
        return a ? mean(a).toFixed(2) : '';
      };
      console.log(
        `| ${variant.label} | ${percentile(res.total, 50).toFixed(2)} / ${mean(res.total).toFixed(2)} | ${kind('state')} | ${kind('count')} | ${kind('first ids')} | ${kind('below')} | ${kind('page')} | ${kind('documents')} | ${res.sample.length} |`,
      );
    }
    for (const [v, variant] of VARIANTS.entries()) {
      console.log(`\n${variant.label}, last request's statements:`);
      for (const s of results[v].sample) {
        console.log(
          `    ${s.replace(/epoch IN \((\d+, )+\d+\)/g, 'epoch IN (0..n)').slice(0, 300)}`,
        );
      }
    }
    console.log('');
  }
  await db.end();
  await background.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
