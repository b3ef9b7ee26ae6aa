/**
 * HTTP benchmark of the server against the bare node:http baseline in ../shared/bench/raw, side by
 * side in one run, on SQLite and/or MariaDB. 127.0.0.1 only, bounded by --duration per operation
 * (deletes by count: the ids still to delete). Both servers run on their own copy of the same data;
 * each operation is measured on ours and then at once on the baseline, so drift in the machine's
 * load touches both.
 *
 *   npm run bench -- [--db sqlite,mysql] [--seed 100000] [--duration 10] [--connections 50]
 *                    [--ops get,post,list,patch,delete] [--no-baseline]
 *                    [--entries a/main.js,b/main.js] [--entry-env 'K=V;K=V|K=V']
 *
 * `--entries` compares builds: each build runs on its own copy of the one seeded database (SQLite:
 * the file; MariaDB: a database copied table by table), and each operation is measured on every
 * build in turn and then on the baseline. `--entry-env`: settings of each entry's server, in the
 * entries' order, `|` between entries (the same build may then run twice, a setting on and off).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { adminQuery, TEST_MYSQL_URL } from '@test/support/test-database';
import { freePort, SERVER_ENTRY, ServerProcess } from '@test/support/server-process';

import { BaselineProcess } from './baseline-process';
import { fixture, patchRequest, postRequest, randomInt } from './customer-requests';
import { CpuMeter, databaseServerPid, waitUntilIdle } from './cpu-meter';
import { RssSampler } from './rss-sampler';
import { arg } from './bench-args';
import { seedCustomers } from './seed-customers';

type Db = 'sqlite' | 'mysql';
type Op = 'get' | 'post' | 'list' | 'patch' | 'delete';

interface Result {
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  rssMb: number;
  /** The server's CPU per request (all its threads), in microseconds. */
  cpuUs: number;
  /** The server's CPU use during the run, in % of one core. */
  cpuPercent: number;
  /** The database server's CPU per request (MariaDB only), in microseconds. */
  dbCpuUs?: number;
}

const DBS = arg('db', 'sqlite,mysql').split(',') as Db[];
const SEED = Number(arg('seed', '100000'));
const DURATION = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '50'));
const OPS = arg('ops', 'get,list,post,patch,delete').split(',') as Op[];
const BASELINE = !process.argv.includes('--no-baseline');
const ENTRIES = arg('entries', SERVER_ENTRY).split(',');
const ENTRY_ENV = arg('entry-env', '')
  .split('|')
  .map((list) =>
    Object.fromEntries(
      list
        .split(';')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  );
const MYSQL_URL = TEST_MYSQL_URL;
const STARTUP_TIMEOUT_MS = 10 * 60_000;

/** A fixed shuffle of the second half of the seeded ids: the customers each server deletes. */
function deletePool(): string[] {
  const half = Math.floor(SEED / 2);
  const ids = Array.from({ length: SEED - half }, (_, i) => fixture.seedId(half + i));
  let state = 629;
  for (let i = ids.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids;
}

/** The autocannon request for an operation; reads and patches use the first half of the seeded ids. */
function requestsFor(op: Op, path: string): autocannon.Request[] {
  const half = Math.floor(SEED / 2);
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
      return [postRequest(path)];
    case 'patch':
      return [patchRequest(path, half)];
    case 'delete': {
      const pool = deletePool();
      let next = 0;
      return [
        {
          method: 'DELETE',
          setupRequest: (req) => ({ ...req, path: `${path}/${pool[next++ % pool.length]}` }),
        },
      ];
    }
  }
}

async function load(
  baseUrl: string,
  pid: number,
  op: Op,
  seconds: number,
  dbPid?: number,
): Promise<Result> {
  const sampler = new RssSampler(pid);
  sampler.start();
  const cpu = new CpuMeter(pid);
  const dbCpu = dbPid === undefined ? undefined : new CpuMeter(dbPid);
  cpu.start();
  dbCpu?.start();
  const bounded = op === 'delete' ? { amount: SEED - Math.floor(SEED / 2) } : { duration: seconds };
  const started = process.hrtime.bigint();
  let lastResponse = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: CONNECTIONS,
        ...bounded,
        requests: requestsFor(op, fixture.BASE),
      },
      (err: Error | null, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', () => {
      lastResponse = process.hrtime.bigint();
    });
  });
  // Autocannon finishes a count-bounded run on its next one-second tick, so its own duration
  // would round a 5.2 s run up to 6 s: the time to the last response is the run's real length.
  const elapsedSeconds = Number(lastResponse - started) / 1e9;
  // The share of a core over the load itself, not the idle tail of a count-bounded run.
  const served = cpu.stop(result.requests.total, elapsedSeconds);
  return {
    cpuUs: served.usPerRequest,
    cpuPercent: served.corePercent,
    dbCpuUs: dbCpu?.stop(result.requests.total).usPerRequest,
    reqPerSec: Math.round((result.requests.total - result.non2xx) / elapsedSeconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMb: sampler.stopMb(),
  };
}

function report(label: string, op: Op, r: Result): void {
  process.stdout.write(
    `  ${label.padEnd(9)} ${op.padEnd(7)} ${String(r.reqPerSec).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non2xx ${r.non2xx}  errors ${r.errors}  rss ${r.rssMb} MB  cpu ${r.cpuUs} us/req (${r.cpuPercent} % of a core)${r.dbCpuUs === undefined ? '' : `  db cpu ${r.dbCpuUs} us/req`}\n`,
  );
}

interface Target {
  label: string;
  baseUrl: string;
  pid: number;
  /** The database server's pid, when it runs as its own process (MariaDB). */
  dbPid?: number;
  /** Stops the server; called after its last operation. */
  stop: () => Promise<unknown>;
}

/** Each operation on every target in turn (ours, then the baseline), after a warm-up of each. */
async function measure(targets: Target[]): Promise<Map<string, Map<Op, Result>>> {
  const results = new Map(targets.map((t) => [t.label, new Map<Op, Result>()]));
  for (const t of targets) {
    await load(t.baseUrl, t.pid, 'get', 3); // warm-up: JIT, caches, connection pool
  }
  for (const op of OPS) {
    for (const t of targets) {
      const r = await load(t.baseUrl, t.pid, op, DURATION, t.dbPid);
      results.get(t.label)!.set(op, r);
      report(t.label, op, r);
      // What the run left to do (our token sweeps after DELETEs, MariaDB flushing) must not land
      // in the next target's window: a server is stopped after its last operation (its background
      // work on timers would otherwise start later), and the next run waits until all is idle.
      const last = op === OPS[OPS.length - 1];
      if (last) {
        await t.stop();
      }
      const waited = await waitUntilIdle([...(last ? [] : [t.pid]), ...(t.dbPid ? [t.dbPid] : [])]);
      if (waited > 2) {
        process.stdout.write(`  ${t.label} ${op}: idle again after ${waited.toFixed(0)} s\n`);
      }
    }
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
    if (BASELINE) {
      await BaselineProcess.seed(db, SEED, rawEnv);
    }
    const labels = ENTRIES.length > 1 ? ENTRIES.map((_, i) => `ours${i + 1}`) : ['ours'];
    const ours: ServerProcess[] = [];
    let raw: BaselineProcess | undefined;
    let results: Map<string, Map<Op, Result>>;
    try {
      for (const [i, entry] of ENTRIES.entries()) {
        let url = ourDb;
        if (ENTRIES.length > 1 && db === 'sqlite') {
          // Each build on its own copy of the seeded database (writes change it).
          const file = join(tmp, `bench-${i + 1}.sqlite`);
          copyFileSync(join(tmp, 'bench.sqlite'), file);
          url = `sqlite:${file}`;
        } else if (ENTRIES.length > 1 && i > 0) {
          url = `${MYSQL_URL.replace(/\/$/, '')}/${await copyMysqlDatabase('tmf_bench', i + 1)}`;
        }
        ours.push(
          await ServerProcess.start(
            { DATABASE_URL: url, LOG_LEVEL: 'error', ...ENTRY_ENV[i] },
            undefined,
            // The seeded copy's migrations (token index builds) take minutes on a loaded machine.
            STARTUP_TIMEOUT_MS,
            entry,
          ),
        );
      }
      raw = BASELINE ? await BaselineProcess.start(db, await freePort(), rawEnv) : undefined;
      const dbPid = db === 'mysql' ? databaseServerPid() : undefined;
      results = await measure([
        ...ours.map((server, i) => ({
          label: labels[i],
          baseUrl: server.baseUrl,
          pid: server.child.pid!,
          dbPid,
          stop: () => server.stop(),
        })),
        ...(raw
          ? [
              {
                label: 'baseline',
                baseUrl: raw.baseUrl,
                pid: raw.child.pid!,
                dbPid,
                stop: () => raw!.stop(),
              },
            ]
          : []),
      ]);
    } finally {
      for (const server of ours) {
        await server.stop();
      }
      await raw?.stop();
    }
    const failed = [...results].flatMap(([label, byOp]) =>
      [...byOp]
        .filter(([, r]) => r.non2xx > 0 || r.errors > 0)
        .map(([op, r]) => `${label} ${op}: ${r.non2xx} non-2xx, ${r.errors} errors`),
    );
    if (failed.length > 0) {
      // A figure is only comparable when every request did the real work.
      throw new Error(`requests failed during the run: ${failed.join('; ')}`);
    }
    if (!raw) {
      return;
    }
    for (const [i, entry] of ENTRIES.entries()) {
      if (ENTRIES.length > 1) {
        process.stdout.write(`\n${labels[i]}: ${entry}`);
      }
      printTable(db, results, labels[i]);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    if (db === 'mysql') {
      for (let i = 2; i <= ENTRIES.length; i++) {
        await adminQuery(`DROP DATABASE IF EXISTS tmf_bench_${i}`);
      }
      await adminQuery('DROP DATABASE IF EXISTS tmf_bench');
      await adminQuery('DROP DATABASE IF EXISTS raw_bench');
    }
  }
}

/** MariaDB: a copy of the seeded database for build `n` (same schema, rows and counters). */
async function copyMysqlDatabase(source: string, n: number): Promise<string> {
  const target = `${source}_${n}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${target}`);
  await adminQuery(`CREATE DATABASE ${target} CHARACTER SET utf8mb4`);
  const tables = await adminQuery<{ name: string }[]>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = '${source}'`,
  );
  for (const { name } of tables) {
    await adminQuery(`CREATE TABLE ${target}.${name} LIKE ${source}.${name}`);
    await adminQuery(`INSERT INTO ${target}.${name} SELECT * FROM ${source}.${name}`);
  }
  return target;
}

/** The ratios of one build (`label`) to the baseline. */
function printTable(db: Db, results: Map<string, Map<Op, Result>>, label: string): void {
  // CPU per request: what a request costs each server whichever side saturated first (the load
  // tool shares the machine); "CPU ratio" is base/ours, read like the throughput ratio.
  const dbColumns = results.get(label)!.get(OPS[0])?.dbCpuUs !== undefined;
  process.stdout.write(
    `\n| ${db} | ours req/s | base req/s | ratio | ours p50/p99 ms | base p50/p99 ms | p99 ratio | ours RSS MB | ours/base CPU us/req | CPU ratio | ours/base CPU % |${dbColumns ? ' ours/base db CPU us/req |' : ''}\n|---|---|---|---|---|---|---|---|---|---|---|${dbColumns ? '---|' : ''}\n`,
  );
  for (const op of OPS) {
    const o = results.get(label)!.get(op)!;
    const b = results.get('baseline')!.get(op)!;
    process.stdout.write(
      `| ${op} | ${o.reqPerSec} | ${b.reqPerSec} | ${(o.reqPerSec / b.reqPerSec).toFixed(2)}x | ${o.p50}/${o.p99} | ${b.p50}/${b.p99} | ${(o.p99 / Math.max(b.p99, 1)).toFixed(2)}x | ${o.rssMb} | ${o.cpuUs}/${b.cpuUs} | ${(b.cpuUs / Math.max(o.cpuUs, 1)).toFixed(2)}x | ${o.cpuPercent}/${b.cpuPercent} |${dbColumns ? ` ${o.dbCpuUs}/${b.dbCpuUs} |` : ''}\n`,
    );
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
