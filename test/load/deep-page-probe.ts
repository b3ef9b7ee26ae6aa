/**
 * Deep pages and counts, side by side in one run: seeds realistic customers into SQLite and/or
 * MariaDB through the app's repository, then over HTTP on 127.0.0.1 (one connection, sequential):
 * - walks every page of the unfiltered list and of `status=suspended&sort=-validFor.startDateTime`
 *   through the Link header's `next` cursors and reports the latency by depth;
 * - the same depths through `offset`;
 * - the totals the maintained counts answer, and what counting the customers costs in the database.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/load/deep-page-probe.ts \
 *     [--db sqlite,mysql] [--seed 100000] [--reuse]   (run `npm run build` first)
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';

import { adminQuery, TEST_MYSQL_URL } from '@test/support/test-database';
import { REPO_ROOT, ServerProcess } from '@test/support/server-process';
import { realisticCustomer, seededId } from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';
import { seedCustomers } from './seed-customers';

type Db = 'sqlite' | 'mysql';
const DBS = arg('db', 'sqlite,mysql').split(',') as Db[];
const SEED = Number(arg('seed', '100000'));
const REUSE = process.argv.includes('--reuse');
const MYSQL_URL = TEST_MYSQL_URL.replace(/\/$/, '');
const DATA_DIR = join(REPO_ROOT, 'test', 'load', 'results');
const PATH = '/tmf-api/customerManagement/v4/customer';
const LIMIT = 20;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fmt = (ms: number) => ms.toFixed(1);

async function timed(url: string): Promise<{ ms: number; res: Response; body: unknown[] }> {
  const started = process.hrtime.bigint();
  const res = await fetch(url);
  const body = (await res.json()) as unknown[];
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, res, body };
}

function nextOf(res: Response, base: string): string | undefined {
  const match = /<[^>]*?(\/tmf-api[^>]*)>; rel="next"/.exec(res.headers.get('link') ?? '');
  return match ? `${base}${match[1]}` : undefined;
}

/** Walks `next` to the end: latency of each page, in order. */
async function walk(base: string, query: string): Promise<number[]> {
  const latencies: number[] = [];
  let url: string | undefined = `${base}${PATH}?${query}&limit=${LIMIT}`;
  while (url) {
    const { ms, res, body } = await timed(url);
    if (res.status !== 200 && res.status !== 206) {
      throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
    }
    latencies.push(ms);
    url = nextOf(res, base);
  }
  return latencies;
}

async function repeat(url: string, times: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < times; i++) {
    latencies.push((await timed(url)).ms);
  }
  return latencies;
}

/** A database-side timing of one statement (median of `times`), outside the server. */
async function sqlTimer(db: Db, url: string): Promise<(sql: string) => Promise<number>> {
  if (db === 'sqlite') {
    const file = url.replace(/^sqlite:/, '');
    const conn = new Database(file, { readonly: true });
    return (sql) => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = process.hrtime.bigint();
        conn.prepare(sql).all();
        runs.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return Promise.resolve(percentile(runs, 50));
    };
  }
  const conn = await createConnection(url);
  return async (sql) => {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      await conn.query(sql);
      runs.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return percentile(runs, 50);
  };
}

async function probe(db: Db): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const sqliteFile = join(DATA_DIR, `deep-page-probe-${SEED}.sqlite`);
  const url = db === 'sqlite' ? `sqlite:${sqliteFile}` : `${MYSQL_URL}/tmf_deep_page_probe`;
  process.stdout.write(`\n## ${db}: ${SEED.toLocaleString('en')} customers\n`);
  if (!REUSE) {
    if (db === 'mysql') {
      await adminQuery('DROP DATABASE IF EXISTS tmf_deep_page_probe');
      await adminQuery('CREATE DATABASE tmf_deep_page_probe CHARACTER SET utf8mb4');
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
    process.stdout.write(`seeding: ${(ms / 1000).toFixed(0)} s\n`);
    if (db === 'mysql') {
      await adminQuery('ANALYZE TABLE tmf_deep_page_probe.customer');
    }
  }
  const server = await ServerProcess.start({
    DATABASE_URL: url,
    LOG_LEVEL: 'error',
    LIST_MAX_LIMIT: '1000',
  });
  try {
    const base = server.baseUrl;
    process.stdout.write(
      `\n| ${db}: page of ${LIMIT} | p50 ms | p99 ms | pages |\n|---|---|---|---|\n`,
    );
    for (const [label, query] of [
      ['unfiltered', ''],
      [
        'status=suspended&sort=-validFor.startDateTime',
        'status=suspended&sort=-validFor.startDateTime',
      ],
    ]) {
      const pages = await walk(base, query);
      const depth = (from: number, to: number) => pages.slice(from, to);
      const last = pages.length;
      const middle = Math.floor(last / 2);
      for (const [where, slice] of [
        ['pages 2-101 via next', depth(1, 101)],
        [`pages ${middle - 49}-${middle + 50} via next`, depth(middle - 50, middle + 50)],
        [`pages ${last - 99}-${last} via next`, depth(last - 100, last)],
      ] as [string, number[]][]) {
        process.stdout.write(
          `| ${label}: ${where} | ${fmt(percentile(slice, 50))} | ${fmt(percentile(slice, 99))} | ${slice.length} |\n`,
        );
      }
      for (const page of [middle, last - 1]) {
        const offset = page * LIMIT;
        const sep = query ? '&' : '';
        const times = await repeat(
          `${base}${PATH}?${query}${sep}offset=${offset}&limit=${LIMIT}`,
          20,
        );
        process.stdout.write(
          `| ${label}: offset=${offset} (page ${page + 1}) | ${fmt(percentile(times, 50))} | ${fmt(percentile(times, 99))} | 20 |\n`,
        );
      }
    }
    const sql = await sqlTimer(db, url);
    process.stdout.write(`\n| ${db}: a total | ms (median of 5, in the database) |\n|---|---|\n`);
    for (const [label, statement] of [
      ['COUNT(*) of every customer', 'SELECT COUNT(*) FROM customer'],
      [
        'the maintained total',
        "SELECT COALESCE(SUM(n), 0) FROM customer_count WHERE dim = 'total' AND val IN ('')",
      ],
      [
        "COUNT(*) of status='suspended'",
        "SELECT COUNT(*) FROM customer WHERE status = 'suspended'",
      ],
      [
        "the maintained status='suspended'",
        "SELECT COALESCE(SUM(n), 0) FROM customer_count WHERE dim = 'status' AND val IN ('suspended')",
      ],
    ]) {
      process.stdout.write(`| ${label} | ${(await sql(statement)).toFixed(2)} |\n`);
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  for (const db of DBS) {
    await probe(db);
  }
  // The timing connections stay open: end here.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `probe failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
