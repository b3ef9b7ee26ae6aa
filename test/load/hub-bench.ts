// Hub benchmark: event delivery rate to 10 subscribers, and what the outbox adds to write latency.
//
//   npm run bench:hub                      # SQLite, 5 s per phase
//   npm run bench:hub -- --db mysql        # MySQL/MariaDB at TEST_MYSQL_URL (default root@127.0.0.1)
//   npm run bench:hub -- --duration 10 --connections 10
//
// Everything runs on 127.0.0.1: the built server as a child process (dist/), autocannon and ten
// node:http subscribers in this process. Phases:
//   A  POST /customer with 0 subscriptions
//   B  POST /customer with 10 subscriptions, dispatcher on (writes and deliveries compete)
//   C  POST /customer with 10 subscriptions, HUB_DISPATCH_ENABLED=false (the outbox write alone)
//   D  a fresh process drains C's backlog: delivery rate with no writes competing
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { createTestDatabase, TestDatabase } from '@test/support/test-database';
import { ServerProcess } from '@test/support/server-process';
import { TestSubscriber } from '@test/support/subscriber';

const API = '/tmf-api/customerManagement/v4';
const SUBSCRIBERS = 10;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const db = option('db', 'sqlite');
const duration = Number(option('duration', '5'));
const connections = Number(option('connections', '10'));

interface WriteResult {
  phase: string;
  requests: number;
  rps: number;
  mean: number;
  p50: number;
  p99: number;
  errors: number;
}

async function writeLoad(server: ServerProcess, phase: string): Promise<WriteResult> {
  const result = await autocannon({
    url: `${server.baseUrl}${API}/customer`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Bench Club',
      status: 'approved',
      engagedParty: { id: '500', '@referredType': 'Organization' },
    }),
    connections,
    duration,
  });
  return {
    phase,
    requests: result.requests.total,
    rps: result.requests.average,
    mean: result.latency.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function waitForDeliveries(subscribers: TestSubscriber[], total: number, limitMs: number) {
  const deadline = Date.now() + limitMs;
  const count = () => subscribers.reduce((n, s) => n + s.receipts.length, 0);
  while (count() < total && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const all = subscribers.flatMap((s) => s.receipts.map((r) => r.at));
  return { delivered: count(), last: all.length ? Math.max(...all) : Date.now() };
}

async function main(): Promise<void> {
  let database: TestDatabase;
  let sqliteDir: string | undefined;
  if (db === 'mysql') {
    database = await createTestDatabase();
  } else {
    sqliteDir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
    const url = `sqlite:${join(sqliteDir, 'bench.sqlite')}`;
    database = { url, drop: () => Promise.resolve() };
  }
  const env = {
    DATABASE_URL: database.url,
    HUB_CALLBACK_ALLOW: '127.0.0.0/8',
    HUB_POLL_INTERVAL_MS: '200',
    LOG_LEVEL: 'error',
  };
  const subscribers = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, () => TestSubscriber.start()),
  );
  const writes: WriteResult[] = [];
  const deliveries: string[][] = [];
  let server = await ServerProcess.start(env);
  try {
    await writeLoad(server, 'warm-up'); // JIT, connection pools, SQLite page cache
    writes.push(await writeLoad(server, 'A  0 subscriptions'));

    for (const s of subscribers) {
      const res = await fetch(`${server.baseUrl}${API}/hub`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callback: s.url }),
      });
      if (res.status !== 201) {
        throw new Error(`subscribe: ${res.status} ${await res.text()}`);
      }
    }
    const startB = Date.now();
    const b = await writeLoad(server, 'B  10 subscriptions, dispatcher on');
    writes.push(b);
    const expectedB = (b.requests - b.errors) * SUBSCRIBERS;
    const live = await waitForDeliveries(subscribers, expectedB, 60_000);
    const liveSeconds = (live.last - startB) / 1000;
    deliveries.push([
      'B  live, while writing',
      String(live.delivered),
      liveSeconds.toFixed(1),
      (live.delivered / liveSeconds).toFixed(0),
      (live.delivered / SUBSCRIBERS / liveSeconds).toFixed(0),
    ]);
    await server.stop();

    subscribers.forEach((s) => s.receipts.splice(0));
    server = await ServerProcess.start({ ...env, HUB_DISPATCH_ENABLED: 'false' });
    const c = await writeLoad(server, 'C  10 subscriptions, outbox only');
    writes.push(c);
    await server.stop();

    const expectedD = (c.requests - c.errors) * SUBSCRIBERS;
    const startD = Date.now();
    server = await ServerProcess.start(env);
    const drained = await waitForDeliveries(subscribers, expectedD, 120_000);
    const drainSeconds = (drained.last - startD) / 1000;
    deliveries.push([
      'D  backlog drain (incl. ~1 s start-up)',
      String(drained.delivered),
      drainSeconds.toFixed(1),
      (drained.delivered / drainSeconds).toFixed(0),
      (drained.delivered / SUBSCRIBERS / drainSeconds).toFixed(0),
    ]);
  } finally {
    await server.stop();
    await Promise.all(subscribers.map((s) => s.stop()));
    await database.drop();
    if (sqliteDir) {
      rmSync(sqliteDir, { recursive: true, force: true });
    }
  }

  const base = writes[0].mean;
  console.log(
    `\nHub benchmark: ${db}, ${connections} connections, ${duration} s per phase, ${SUBSCRIBERS} subscribers on 127.0.0.1\n`,
  );
  table(
    ['write phase', 'POSTs', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'errors', 'mean vs A'],
    writes.map((w) => [
      w.phase,
      String(w.requests),
      w.rps.toFixed(0),
      w.mean.toFixed(2),
      String(w.p50),
      String(w.p99),
      String(w.errors),
      w === writes[0] ? '' : `${w.mean - base >= 0 ? '+' : ''}${(w.mean - base).toFixed(2)} ms`,
    ]),
  );
  console.log('');
  table(['delivery', 'deliveries', 'seconds', 'deliveries/s', 'events/s (x10 subs)'], deliveries);
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`,
  );
  rows.forEach((r) => console.log(line(r)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
