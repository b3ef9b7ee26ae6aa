/**
 * HTTP benchmark of the server against the bare node:http baseline in ../shared/bench/raw, side by
 * side in one run, on SQLite and/or MariaDB. 127.0.0.1 only, bounded by --duration per operation.
 *
 *   npm run bench -- [--db sqlite,mysql] [--seed 100000] [--duration 10] [--connections 50]
 *                    [--ops get,post,list,patch,delete] [--no-baseline]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { adminQuery, TEST_MYSQL_URL } from '@test/e2e/support/test-database';
import { freePort, ServerProcess } from '@test/support/server-process';

import { BaselineProcess } from './baseline-process';
import { RssSampler } from './rss-sampler';
import { arg } from './bench-args';
import { seedCustomers } from './seed-customers';

type Db = 'sqlite' | 'mysql';
type Op = 'get' | 'post' | 'list' | 'patch' | 'delete';

interface Fixture {
  BASE: string;
  seedId(i: number): string;
  seedName(i: number): string;
  makeCustomer(i: number, name?: string): Record<string, unknown>;
}

interface Result {
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  rssMb: number;
}

const DBS = arg('db', 'sqlite,mysql').split(',') as Db[];
const SEED = Number(arg('seed', '100000'));
const DURATION = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '50'));
const OPS = arg('ops', 'get,list,post,patch,delete').split(',') as Op[];
const BASELINE = !process.argv.includes('--no-baseline');
const MYSQL_URL = TEST_MYSQL_URL;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fixture = require(join(BaselineProcess.dir(), 'customer.js')) as Fixture;

function randomInt(max: number): number {
  return Math.floor(Math.random() * max);
}

/** The autocannon request for an operation; reads and patches use the first half of the seeded ids, deletes the second. */
function requestsFor(op: Op, path: string): autocannon.Request[] {
  const half = Math.floor(SEED / 2);
  let nextDelete = half;
  switch (op) {
    case 'get':
      return [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `${path}/${fixture.seedId(randomInt(half))}` }),
        },
      ];
    case 'list':
      return [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `${path}?name=${fixture.seedName(randomInt(half))}&limit=20`,
          }),
        },
      ];
    case 'post':
      return [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({
            ...req,
            path,
            body: JSON.stringify(fixture.makeCustomer(randomInt(1e9))),
          }),
        },
      ];
    case 'patch':
      return [
        {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({
            ...req,
            path: `${path}/${fixture.seedId(randomInt(half))}`,
            body: JSON.stringify({ status: `S-${randomInt(1e6)}` }),
          }),
        },
      ];
    case 'delete':
      return [
        {
          method: 'DELETE',
          setupRequest: (req) => ({ ...req, path: `${path}/${fixture.seedId(nextDelete++)}` }),
        },
      ];
  }
}

async function load(baseUrl: string, pid: number, op: Op, seconds: number): Promise<Result> {
  const sampler = new RssSampler(pid);
  sampler.start();
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    requests: requestsFor(op, fixture.BASE),
  });
  return {
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMb: sampler.stopMb(),
  };
}

async function measure(label: string, baseUrl: string, pid: number): Promise<Map<Op, Result>> {
  const results = new Map<Op, Result>();
  await load(baseUrl, pid, 'get', 3); // warm-up: JIT, caches, connection pool
  for (const op of OPS) {
    const r = await load(baseUrl, pid, op, DURATION);
    results.set(op, r);
    process.stdout.write(
      `  ${label.padEnd(9)} ${op.padEnd(7)} ${String(r.reqPerSec).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non2xx ${r.non2xx}  rss ${r.rssMb} MB\n`,
    );
  }
  return results;
}

async function benchDb(db: Db): Promise<void> {
  process.stdout.write(
    `\n## ${db}: ${SEED} customers, ${CONNECTIONS} connections, ${DURATION} s per operation\n`,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'tmf629-bench-'));
  const ourDb =
    db === 'sqlite'
      ? `sqlite:${join(tmp, 'bench.sqlite')}`
      : `${MYSQL_URL.replace(/\/$/, '')}/tmf_bench`;
  const rawEnv: Record<string, string> =
    db === 'sqlite'
      ? { SQLITE_FILE: join(tmp, 'raw.sqlite') }
      : { MYSQL_URL: `${MYSQL_URL.replace(/\/$/, '')}/raw_bench` };
  try {
    if (db === 'mysql') {
      await adminQuery('DROP DATABASE IF EXISTS tmf_bench');
      await adminQuery('CREATE DATABASE tmf_bench CHARACTER SET utf8mb4');
      await adminQuery('CREATE DATABASE IF NOT EXISTS raw_bench');
    }
    const seedMs = await seedCustomers(ourDb, SEED, (i) => ({
      id: fixture.seedId(i),
      document: fixture.makeCustomer(i),
    }));
    process.stdout.write(`  seeded ours in ${(seedMs / 1000).toFixed(1)} s\n`);
    const ours = await ServerProcess.start({ DATABASE_URL: ourDb, LOG_LEVEL: 'error' });
    let oursResults: Map<Op, Result>;
    try {
      oursResults = await measure('ours', ours.baseUrl, ours.child.pid!);
    } finally {
      await ours.stop();
    }
    if (!BASELINE) {
      return;
    }
    await BaselineProcess.seed(db, SEED, rawEnv);
    const raw = await BaselineProcess.start(db, await freePort(), rawEnv);
    let rawResults: Map<Op, Result>;
    try {
      rawResults = await measure('baseline', raw.baseUrl, raw.child.pid!);
    } finally {
      await raw.stop();
    }
    process.stdout.write(
      `\n| ${db} | ours req/s | base req/s | ratio | ours p50/p99 ms | base p50/p99 ms | p99 ratio | ours RSS MB |\n|---|---|---|---|---|---|---|---|\n`,
    );
    for (const op of OPS) {
      const o = oursResults.get(op)!;
      const b = rawResults.get(op)!;
      process.stdout.write(
        `| ${op} | ${o.reqPerSec} | ${b.reqPerSec} | ${(o.reqPerSec / b.reqPerSec).toFixed(2)}x | ${o.p50}/${o.p99} | ${b.p50}/${b.p99} | ${(o.p99 / Math.max(b.p99, 1)).toFixed(2)}x | ${o.rssMb} |\n`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    if (db === 'mysql') {
      await adminQuery('DROP DATABASE IF EXISTS tmf_bench');
      await adminQuery('DROP DATABASE IF EXISTS raw_bench');
    }
  }
}

async function main(): Promise<void> {
  for (const db of DBS) {
    await benchDb(db);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
