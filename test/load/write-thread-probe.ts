/**
 * Where a SQLite write's CPU goes, by thread: one built server on a copy of a seeded database, the
 * bench's POST, PATCH and DELETE in turn (50 connections), CPU per request of each of the server's
 * threads from /proc/<pid>/task/* (named by /proc/<pid>/task/<tid>/comm; a worker thread that first
 * shows up after the warm-up is the writer, which starts on the first write). The phases' windows
 * are printed on the monotonic clock (µs) that V8's CPU profiles use, so `--cpu-prof` profiles of the
 * server's threads can be cut by phase (`--env 'NODE_OPTIONS=--cpu-prof --cpu-prof-dir=<dir>'`). The
 * load generator (autocannon, in this process) is measured too: on 2 cores it shares them.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/load/write-thread-probe.ts \
 *     [--entry <dist main.js>] [--seed 100000] [--db <seeded sqlite file, seeded when absent>] \
 *     [--duration 10] [--deletes 10000] [--ops post,patch,delete] [--env 'K=V;K=V']
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { SERVER_ENTRY, ServerProcess } from '@test/support/server-process';

import { arg } from './bench-args';
import { fixture, patchRequest, postRequest } from './customer-requests';
import { seedCustomers } from './seed-customers';

const SEED = Number(arg('seed', '100000'));
const HALF = Math.floor(SEED / 2);
const DURATION = Number(arg('duration', '10'));
const DELETES = Number(arg('deletes', '10000'));
const OPS = arg('ops', 'post,patch,delete').split(',');
const ENTRY = arg('entry', SERVER_ENTRY);
const ENV = Object.fromEntries(
  arg('env', '')
    .split(';')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const TICKS_PER_SECOND = 100;

/** CPU seconds of each thread of a process, by thread id, with its name. */
function threads(pid: number): Map<number, { comm: string; cpu: number }> {
  const out = new Map<number, { comm: string; cpu: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(Number(tid), {
        comm,
        cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

let nextDelete = 0;

function requests(op: string): autocannon.Request[] {
  switch (op) {
    case 'post':
      return [postRequest(fixture.BASE)];
    case 'patch':
      return [patchRequest(fixture.BASE, HALF)];
    default:
      // Each seeded customer of the second half once, in order.
      return [
        {
          method: 'DELETE',
          setupRequest: (req) => ({
            ...req,
            path: `${fixture.BASE}/${fixture.seedId(HALF + nextDelete++)}`,
          }),
        },
      ];
  }
}

/** The monotonic clock in µs, the clock of V8's CPU profiles' timestamps. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'tmf629-write-probe-'));
  const file = join(tmp, 'probe.sqlite');
  // `--db`: a seeded file to copy, seeded there first when it does not exist yet.
  const seeded = arg('db', '') || file;
  if (!existsSync(seeded)) {
    const ms = await seedCustomers(`sqlite:${seeded}`, SEED, (i) => ({
      id: fixture.seedId(i),
      document: fixture.makeCustomer(i),
    }));
    process.stdout.write(`seeded ${SEED} in ${(ms / 1000).toFixed(1)} s\n`);
  }
  if (seeded !== file) {
    copyFileSync(seeded, file);
  }
  const server = await ServerProcess.start(
    { DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'error', ...ENV },
    undefined,
    10 * 60_000,
    ENTRY,
  );
  const pid = server.child.pid!;
  try {
    const run = (op: string, seconds: number) =>
      autocannon({
        url: server.baseUrl,
        connections: 50,
        ...(op === 'delete' ? { amount: DELETES } : { duration: seconds }),
        requests: requests(op),
      });
    await run('post', 2); // warm-up (and the writer thread's start, when there is one)
    const known = new Set(threads(pid).keys());
    for (const op of OPS) {
      const before = threads(pid);
      const client = process.cpuUsage();
      const startedUs = monotonicUs();
      const result = await run(op, DURATION);
      const endedUs = monotonicUs();
      const after = threads(pid);
      const n = result.requests.total;
      const seconds = (endedUs - startedUs) / 1e6;
      process.stdout.write(
        `\n${op}: ${n} requests, ${Math.round(n / seconds)} req/s, non-2xx ${result.non2xx}, ` +
          `p99 ${result.latency.p99} ms, window ${startedUs}-${endedUs} µs (monotonic)\n`,
      );
      let total = 0;
      const rows: [string, number][] = [];
      for (const [tid, { comm, cpu }] of after) {
        const used = cpu - (before.get(tid)?.cpu ?? 0);
        total += used;
        if (used > 0) {
          const role = tid === pid ? 'main' : known.has(tid) ? comm : `${comm} (new)`;
          rows.push([`${tid} ${role}`, used]);
        }
      }
      rows.sort((a, b) => b[1] - a[1]);
      for (const [label, used] of rows) {
        process.stdout.write(
          `  ${label.padEnd(28)} ${String(Math.round((used * 1e6) / n)).padStart(5)} µs/req  ` +
            `${Math.round((100 * used) / seconds)} % of a core\n`,
        );
      }
      process.stdout.write(
        `  ${'process'.padEnd(28)} ${String(Math.round((total * 1e6) / n)).padStart(5)} µs/req  ` +
          `${Math.round((100 * total) / seconds)} % of a core\n`,
      );
      // autocannon runs in this process: what the load generator spends per request.
      const used = process.cpuUsage(client);
      const clientSeconds = (used.user + used.system) / 1e6;
      process.stdout.write(
        `  ${'load generator (autocannon)'.padEnd(28)} ` +
          `${String(Math.round((clientSeconds * 1e6) / n)).padStart(5)} µs/req  ` +
          `${Math.round((100 * clientSeconds) / seconds)} % of a core\n`,
      );
    }
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`write-thread-probe failed: ${String(err)}\n`);
  process.exit(1);
});
