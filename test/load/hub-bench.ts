// Hub benchmark: what subscriptions cost the write path, and how fast events are delivered.
//
//   npm run bench:hub                                   # SQLite, db transport, 0/10/100/300 subscriptions
//   npm run bench:hub -- --db mysql                     # MySQL/MariaDB at TEST_MYSQL_URL (default root@127.0.0.1)
//   npm run bench:hub -- --subs 0,10,300 --duration 10 --connections 10 --window 10
//   npm run bench:hub -- --transport nats               # through a private nats-server -js (started here)
//   npm run bench:hub -- --db mysql --subs 0,300,0,300 --window 0   # writes only, levels repeated
//   npm run bench:hub -- --rounds 4                     # every level 4 times, interleaved; medians
//   npm run bench:hub -- --side-by-side --rounds 6      # writes only; all levels' processes up at once
//
// Everything runs on 127.0.0.1: the built server as child processes (dist/), a closed-loop client
// (latencies to the microsecond: autocannon's are whole milliseconds, too coarse to tell 1.2x at a
// p50 of 2 ms) and a counting node:http subscriber (one port, a distinct callback path per subscription) in this
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

import { NatsServer } from '@test/support/nats-server';
import { adminQuery, TEST_MYSQL_URL } from '@test/support/test-database';
import { ServerProcess } from '@test/support/server-process';

import { closedLoop, percentile } from './closed-loop';
import { CpuMeter, databaseServerPid } from './cpu-meter';

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
const rounds = Number(option('rounds', '1'));
// Every level's API process started first and kept, the write runs then taking turns between them
// (writes only): the levels are measured side by side rather than one after the other.
const sideBySide = process.argv.includes('--side-by-side');
const levelList = option('subs', '0,10,100,300').split(',').map(Number);
// Rounds repeat the levels in pairs: a pair runs one order and then its reverse, so that every
// level's mean position in the pair is the same (a run leaves work behind for the next one:
// MariaDB flushing the pages it dirtied, purging a dropped database's rows), and each pair starts
// from another rotation, so that no level always follows the same one. Give an even --rounds.
const levels = Array.from({ length: rounds }, (_, r) => {
  const k = Math.floor(r / 2) % levelList.length;
  const rotated = [...levelList.slice(k), ...levelList.slice(0, k)];
  return r % 2 === 1 ? rotated.reverse() : rotated;
}).flat();

interface WriteResult {
  subs: number;
  requests: number;
  rps: number;
  mean: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU per POST (all its threads), microseconds: steadier than latency on a shared machine. */
  cpuUs: number;
  /** The database server's CPU per POST (MySQL/MariaDB when one local server is found). */
  dbCpuUs?: number;
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

const customerBody = JSON.stringify({
  name: 'Bench Club',
  status: 'approved',
  engagedParty: { id: '500', '@referredType': 'Organization' },
});

async function writeLoad(
  server: ServerProcess,
  seconds: number,
): Promise<Omit<WriteResult, 'subs'>> {
  const cpu = new CpuMeter(server.child.pid as number);
  const dbPid = db === 'mysql' ? databaseServerPid() : undefined;
  const dbCpu = dbPid ? new CpuMeter(dbPid) : undefined;
  cpu.start();
  dbCpu?.start();
  const stats = await closedLoop(server.baseUrl, connections, seconds * 1000, () => ({
    kind: 'POST',
    method: 'POST',
    path: `${API}/customer`,
    body: customerBody,
  }));
  const s = stats.get('POST') ?? { latencies: [], non2xx: 0, errors: 0 };
  const total = s.latencies.length + s.errors;
  const cpuUs = cpu.stop(total).usPerRequest;
  const dbCpuUs = dbCpu?.stop(total).usPerRequest;
  return {
    cpuUs,
    dbCpuUs,
    requests: total,
    rps: total / seconds,
    mean: s.latencies.reduce((a, b) => a + b, 0) / Math.max(1, s.latencies.length),
    p50: percentile(s.latencies, 50),
    p99: percentile(s.latencies, 99),
    errors: s.errors + s.non2xx,
  };
}

async function subscribeAll(
  api: ServerProcess,
  subscriber: CountingSubscriber,
  n: number,
): Promise<void> {
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
}

/** A level's environment: its database, and its own NATS stream. */
function envFor(env: Record<string, string>, url: string, n: number): Record<string, string> {
  return { ...env, DATABASE_URL: url, HUB_NATS_STREAM: `BENCH_${n}` };
}

/**
 * A level's API-only process (HUB_DISPATCH_ENABLED=false: the write path alone) with its `n`
 * subscriptions, warmed up; stopped again if that fails.
 */
async function startApi(
  env: Record<string, string>,
  subscriber: CountingSubscriber,
  n: number,
): Promise<ServerProcess> {
  const api = await ServerProcess.start({ ...env, HUB_DISPATCH_ENABLED: 'false' });
  try {
    await subscribeAll(api, subscriber, n);
    await writeLoad(api, 2); // warm-up: JIT, connection pools, page cache
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}

/** --side-by-side: one API process per level, all up at once, the runs taking turns. */
async function writesSideBySide(
  env: Record<string, string>,
  subscriber: CountingSubscriber,
): Promise<WriteResult[]> {
  const up = new Map<number, { api: ServerProcess; drop: () => Promise<void> }>();
  const writes: WriteResult[] = [];
  try {
    for (const n of levelList) {
      const database = await freshDatabase(n);
      try {
        up.set(n, {
          api: await startApi(envFor(env, database.url, n), subscriber, n),
          drop: database.drop,
        });
      } catch (err) {
        await database.drop();
        throw err;
      }
    }
    for (const n of levels) {
      writes.push({ subs: n, ...(await writeLoad(up.get(n)!.api, duration)) });
    }
  } finally {
    for (const { api, drop } of up.values()) {
      await api.stop();
      await drop();
    }
  }
  return writes;
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
    if (sideBySide) {
      writes.push(...(await writesSideBySide(env, subscriber)));
    }
    for (const n of sideBySide ? [] : levels) {
      const database = await freshDatabase(n);
      const servers: ServerProcess[] = [];
      try {
        const levelEnv = envFor(env, database.url, n);
        const api = await startApi(levelEnv, subscriber, n);
        servers.push(api);
        const w = await writeLoad(api, duration);
        writes.push({ subs: n, ...w });
        await api.stop();
        servers.splice(0);
        if (n === 0 || windowSeconds === 0) {
          continue; // nothing to deliver, or writes only (--window 0)
        }
        const owed = n * (w.requests - w.errors);
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

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const byLevel = levelList.map((subs) => {
    const runs = writes.filter((w) => w.subs === subs);
    return {
      subs,
      requests: median(runs.map((w) => w.requests)),
      rps: median(runs.map((w) => w.rps)),
      mean: median(runs.map((w) => w.mean)),
      p50: median(runs.map((w) => w.p50)),
      p99: median(runs.map((w) => w.p99)),
      errors: runs.reduce((a, w) => a + w.errors, 0),
      rounds: runs.map((w) => w.p50.toFixed(2)).join(' '),
      cpuUs: median(runs.map((w) => w.cpuUs)),
      dbCpuUs: runs[0]?.dbCpuUs === undefined ? undefined : median(runs.map((w) => w.dbCpuUs ?? 0)),
    };
  });
  const base = byLevel.find((w) => w.subs === 0);
  console.log(
    `\nHub benchmark: ${db}, transport ${transport}, ${connections} connections, ${duration} s of writes, ` +
      `${windowSeconds} s delivery windows, ${rounds} round(s) (medians; errors summed), 127.0.0.1\n`,
  );
  table(
    [
      'subscriptions',
      'POSTs',
      'req/s',
      'mean ms',
      'p50 ms',
      'p99 ms',
      'errors',
      'p50 vs 0',
      'p50 per round',
      'server CPU µs/POST',
      'db CPU µs/POST',
    ],
    byLevel.map((w) => [
      String(w.subs),
      String(w.requests),
      w.rps.toFixed(0),
      w.mean.toFixed(2),
      w.p50.toFixed(2),
      w.p99.toFixed(2),
      String(w.errors),
      base && base.p50 > 0 ? `${(w.p50 / base.p50).toFixed(2)}x` : '',
      w.rounds,
      String(w.cpuUs),
      w.dbCpuUs === undefined ? '' : String(w.dbCpuUs),
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
