/**
 * Query-language benchmark at scale: seeds realistic customers (default 1,000,000) into SQLite and/or
 * MariaDB through the app's repository, then measures each query class over HTTP on 127.0.0.1
 * (p50/p99 from autocannon, a few connections so it measures latency, not saturation).
 *
 *   npm run bench:query -- [--db sqlite,mysql] [--seed 1000000] [--duration 8] [--connections 4]
 *                          [--keep] (keep the seeded databases for another run: --reuse)
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { validateDocument } from '@app/tmf-common';
import { CustomerCreateDto } from '@server/customer/dto/customer-create.dto';
import { adminQuery, TEST_MYSQL_URL } from '@test/support/test-database';
import { REPO_ROOT, ServerProcess } from '@test/support/server-process';
import {
  emailOf,
  nameOf,
  realisticCustomer,
  seededId,
  startOf,
} from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';
import { seedCustomers } from './seed-customers';

type Db = 'sqlite' | 'mysql';

const DBS = arg('db', 'sqlite,mysql').split(',') as Db[];
const SEED = Number(arg('seed', '1000000'));
const DURATION = Number(arg('duration', '8'));
const CONNECTIONS = Number(arg('connections', '4'));
const REUSE = process.argv.includes('--reuse');
const MYSQL_URL = TEST_MYSQL_URL.replace(/\/$/, '');
const DATA_DIR = join(REPO_ROOT, 'test', 'load', 'results');
const PATH = '/tmf-api/customerManagement/v4/customer';
const DAY = 86400000;

const rand = (n: number) => Math.floor(Math.random() * n);
const enc = encodeURIComponent;

/** Query classes: each request draws a fresh random seeded customer to build its query. */
const CLASSES: Array<[string, () => string]> = [
  ['GET by id (reference)', () => `${PATH}/${seededId(rand(SEED))}`],
  ['by name', () => `${PATH}?name=${enc(nameOf(rand(SEED)))}&limit=20`],
  [
    'by status, sorted, page of 20',
    () => `${PATH}?status=suspended&sort=-validFor.startDateTime&limit=20`,
  ],
  ['by engagedParty.id', () => `${PATH}?engagedParty.id=party-${rand(SEED)}`],
  [
    'by email in contactMedium',
    () => `${PATH}?contactMedium.characteristic.emailAddress=${enc(emailOf(rand(SEED)))}`,
  ],
  [
    'by date range (1 day), page of 20',
    () => {
      const from = new Date(Math.floor(startOf(rand(SEED)) / DAY) * DAY);
      const to = new Date(from.getTime() + DAY);
      return `${PATH}?validFor.startDateTime.gte=${from.toISOString()}&validFor.startDateTime.lt=${to.toISOString()}&limit=20`;
    },
  ],
  // Paths without a value index (customer_attr_plain): probed per candidate customer.
  [
    'email + a plain path on the same contact medium',
    () =>
      `${PATH}?contactMedium.characteristic.emailAddress=${enc(emailOf(rand(SEED)))}&contactMedium.mediumType=email`,
  ],
  [
    'status + a plain path, page of 20',
    () => `${PATH}?status=suspended&contactMedium.preferred=true&limit=20`,
  ],
  [
    'a plain path alone, page of 20',
    () => `${PATH}?contactMedium.characteristic.city=Lyon&limit=20`,
  ],
  [
    'deep paging (offset 500,000)',
    () => `${PATH}?offset=${Math.min(500000, Math.floor(SEED / 2))}&limit=20`,
  ],
];

async function sizeMb(db: Db, sqliteFile: string): Promise<string> {
  if (db === 'sqlite') {
    const bytes = ['', '-wal']
      .map((s) => (existsSync(sqliteFile + s) ? statSync(sqliteFile + s).size : 0))
      .reduce((a, b) => a + b, 0);
    return `${Math.round(bytes / 1048576)} MB (file + WAL)`;
  }
  const rows = await adminQuery<Array<{ t: string; d: number; i: number }>>(
    "SELECT table_name AS t, data_length AS d, index_length AS i FROM information_schema.tables WHERE table_schema = 'tmf_query_bench'",
  );
  return rows
    .map((r) => `${r.t} ${Math.round((Number(r.d) + Number(r.i)) / 1048576)} MB`)
    .join(', ');
}

async function benchDb(db: Db): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const sqliteFile = join(DATA_DIR, `query-bench-${SEED}.sqlite`);
  const url = db === 'sqlite' ? `sqlite:${sqliteFile}` : `${MYSQL_URL}/tmf_query_bench`;
  process.stdout.write(`\n## ${db}: ${SEED.toLocaleString('en')} customers\n`);
  if (!REUSE) {
    if (db === 'mysql') {
      await adminQuery('DROP DATABASE IF EXISTS tmf_query_bench');
      await adminQuery('CREATE DATABASE tmf_query_bench CHARACTER SET utf8mb4');
    } else {
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(sqliteFile + suffix)) {
          rmSync(sqliteFile + suffix);
        }
      }
    }
    const ms = await seedCustomers(url, SEED, (i) => ({
      id: seededId(i),
      document: realisticCustomer(i),
    }));
    process.stdout.write(
      `seeding: ${(ms / 1000).toFixed(0)} s (${Math.round(SEED / (ms / 1000))} customers/s)\n`,
    );
    if (db === 'mysql') {
      await adminQuery('ANALYZE TABLE tmf_query_bench.customer, tmf_query_bench.customer_attr');
    }
  }
  process.stdout.write(`size on disk: ${await sizeMb(db, sqliteFile)}\n`);
  const server = await ServerProcess.start({
    DATABASE_URL: url,
    LOG_LEVEL: 'error',
    LIST_MAX_LIMIT: '1000',
  });
  try {
    process.stdout.write(
      `\n| ${db} class | p50 ms | p99 ms | req/s | non-2xx |\n|---|---|---|---|---|\n`,
    );
    for (const [label, path] of CLASSES) {
      const result = await autocannon({
        url: server.baseUrl,
        connections: CONNECTIONS,
        duration: DURATION,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }],
      });
      process.stdout.write(
        `| ${label} | ${result.latency.p50} | ${result.latency.p99} | ${Math.round(result.requests.average)} | ${result.non2xx} |\n`,
      );
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const violations = validateDocument(CustomerCreateDto, realisticCustomer(i * 997), 'Customer');
    if (violations.length > 0) {
      throw new Error(`generator makes invalid customers: ${JSON.stringify(violations)}`);
    }
  }
  for (const db of DBS) {
    await benchDb(db);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `query bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
