// Hub benchmark: what subscriptions cost the write path, and how fast events are delivered.
//
//   npm run bench:hub                                   # SQLite, db transport, 0/10/100/300 subscriptions
//   npm run bench:hub -- --db mysql                     # MySQL/MariaDB at TEST_MYSQL_URL (default root@127.0.0.1)
//   npm run bench:hub -- --subs 0,10,300 --duration 10 --connections 10 --window 10
//   npm run bench:hub -- --transport nats               # through a private nats-server -js (started here)
//   npm run bench:hub -- --db mysql --subs 0,300,0,300 --window 0   # writes only, levels repeated
//
// Everything runs on 127.0.0.1: the built server as child processes (dist/), autocannon and a
// counting node:http subscriber (one port, a distinct callback path per subscription) in this
// process. For each number of subscriptions, on a fresh database:
//   W  POST /customer for --duration seconds on an API-only process (HUB_DISPATCH_ENABLED=false):
//      the write path alone, which must not grow with the subscriptions
//   D  dispatching processes started on W's backlog: deliveries per second over --window seconds,
//      with 1 process, and with 2 on MySQL/MariaDB (one process per SQLite file)
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { NatsServer } from '@test/support/nats-server';
import { adminQuery, TEST_MYSQL_URL } from '@test/support/test-database';
import { ServerProcess } from '@test/support/server-process';

const API = '/tmf-api/customerManagement/v4';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const db = option('db', 'sqlite');
const transport = option('transport', 'db');
const duration = Number(option('duration', '5'));
const windowSeconds = Number(option('window', '8'));
const connections = Number(option('connections', '10'));
const levels = option('subs', '0,10,100,300').split(',').map(Number);

interface WriteResult {
  subs: number;
  requests: number;
  rps: number;
  mean: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Answers 201 to every POST and counts them; stores nothing (hundreds of thousands arrive). */
class CountingSubscriber {
  count = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<CountingSubscriber> {
    const server = createServer();
    const subscriber = new CountingSubscriber(server);
    server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => {
        subscriber.count++;
        res.writeHead(201).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return subscriber;
  }

  callback(n: number): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events/${n}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function freshDatabase(n: number): Promise<{ url: string; drop: () => Promise<void> }> {
  if (db === 'mysql') {
    const name = `hub_bench_i19_${n}_${process.pid}`;
    await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
    await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const url = new URL(TEST_MYSQL_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  return {
    url: `sqlite:${join(dir, 'bench.sqlite')}`,
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function writeLoad(server: ServerProcess, seconds: number) {
  return autocannon({
    url: `${server.baseUrl}${API}/customer`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Bench Club',
      status: 'approved',
      engagedParty: { id: '500', '@referredType': 'Organization' },
    }),
    connections,
    duration: seconds,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const subscriber = await CountingSubscriber.start();
  const nats = transport === 'nats' ? await NatsServer.start() : undefined;
  const env: Record<string, string> = {
    HUB_CALLBACK_ALLOW: '127.0.0.0/8',
    HUB_POLL_INTERVAL_MS: '200',
    HUB_TRANSPORT: transport,
    LOG_LEVEL: 'error',
    ...(nats ? { HUB_NATS_URL: nats.url } : {}),
  };
  const writes: WriteResult[] = [];
  const deliveries: string[][] = [];
  try {
    for (const n of levels) {
      const database = await freshDatabase(n);
      const servers: ServerProcess[] = [];
      try {
        const levelEnv = { ...env, DATABASE_URL: database.url, HUB_NATS_STREAM: `BENCH_${n}` };
        const api = await ServerProcess.start({ ...levelEnv, HUB_DISPATCH_ENABLED: 'false' });
        servers.push(api);
        for (let i = 0; i < n; i++) {
          const res = await fetch(`${api.baseUrl}${API}/hub`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ callback: subscriber.callback(i) }),
          });
          if (res.status !== 201) {
            throw new Error(`subscribe: ${res.status} ${await res.text()}`);
          }
        }
        await writeLoad(api, 2); // warm-up: JIT, connection pools, page cache
        const w = await writeLoad(api, duration);
        writes.push({
          subs: n,
          requests: w.requests.total,
          rps: w.requests.average,
          mean: w.latency.mean,
          p50: w.latency.p50,
          p99: w.latency.p99,
          errors: w.errors + w.non2xx,
        });
        await api.stop();
        servers.splice(0);
        if (n === 0 || windowSeconds === 0) {
          continue; // nothing to deliver, or writes only (--window 0)
        }
        const owed = n * (w.requests.total - w.errors - w.non2xx);
        const levelStart = subscriber.count;
        for (const processes of db === 'mysql' ? [1, 2] : [1]) {
          const before = subscriber.count;
          if (before - levelStart >= owed) {
            break; // the backlog is delivered: nothing left to measure with more processes
          }
          for (let p = 0; p < processes; p++) {
            servers.push(await ServerProcess.start(levelEnv));
          }
          // Start-up excluded: counted from the first delivery.
          const deadline = Date.now() + 60_000;
          while (subscriber.count === before && Date.now() < deadline) {
            await sleep(20);
          }
          const from = subscriber.count;
          const started = Date.now();
          await sleep(windowSeconds * 1000);
          const delivered = subscriber.count - from;
          const seconds = (Date.now() - started) / 1000;
          deliveries.push([
            String(n),
            String(processes),
            String(delivered),
            seconds.toFixed(1),
            (delivered / seconds).toFixed(0),
            (delivered / n / seconds).toFixed(1),
          ]);
          await Promise.all(servers.splice(0).map((s) => s.stop()));
        }
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        await database.drop();
      }
    }
  } finally {
    await subscriber.stop();
    await nats?.destroy();
  }

  const base = writes.find((w) => w.subs === 0);
  console.log(
    `\nHub benchmark: ${db}, transport ${transport}, ${connections} connections, ${duration} s of writes, ` +
      `${windowSeconds} s delivery windows, 127.0.0.1\n`,
  );
  table(
    ['subscriptions', 'POSTs', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'errors', 'p50 vs 0'],
    writes.map((w) => [
      String(w.subs),
      String(w.requests),
      w.rps.toFixed(0),
      w.mean.toFixed(2),
      String(w.p50),
      String(w.p99),
      String(w.errors),
      base && base.p50 > 0 ? `${(w.p50 / base.p50).toFixed(2)}x` : '',
    ]),
  );
  console.log('');
  table(
    ['subscriptions', 'processes', 'deliveries', 'seconds', 'deliveries/s', 'events/s'],
    deliveries,
  );
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
