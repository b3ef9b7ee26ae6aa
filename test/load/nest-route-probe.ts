/**
 * What Nest's routing layer costs a request: one server process (`raw-routes-server.ts`, the built
 * app plus raw Fastify routes over the same CustomerService), the same operation through the Nest
 * route and the raw route in alternating phases (nest, raw, then raw, nest, ...), CPU per request of
 * the process and of its main thread from /proc. SQLite, on a copy of a seeded database.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/load/nest-route-probe.ts \
 *     --db <seeded 100k sqlite file> [--rounds 2] [--duration 6] [--ops post,get,delete]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { REPO_ROOT, SERVER_NODE_FLAGS, freePort } from '@test/support/server-process';

import { arg } from './bench-args';
import { fixture, postRequest, randomInt } from './customer-requests';

const SEED = 100000;
const HALF = SEED / 2;
const ROUNDS = Number(arg('rounds', '2'));
const DURATION = Number(arg('duration', '6'));
const OPS = arg('ops', 'post,get,delete').split(',');

/** User + system seconds of a process (`task` unset) or of one of its threads. */
function cpuSeconds(pid: number, task?: number): number {
  const stat = readFileSync(`/proc/${pid}${task ? `/task/${task}` : ''}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let nextDelete = 0;

function requests(op: string, base: string): autocannon.Request[] {
  if (op === 'post') {
    return [postRequest(base)];
  }
  if (op === 'get') {
    return [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `${base}/${fixture.seedId(randomInt(HALF))}` }),
      },
    ];
  }
  // Each seeded customer of the second half once, in order, whichever route deletes it.
  return [
    {
      method: 'DELETE',
      setupRequest: (req) => ({ ...req, path: `${base}/${fixture.seedId(HALF + nextDelete++)}` }),
    },
  ];
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'tmf629-nest-probe-'));
  const file = join(tmp, 'probe.sqlite');
  copyFileSync(arg('db', ''), file);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...SERVER_NODE_FLAGS,
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, 'raw-routes-server.ts'),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        DIST: join(REPO_ROOT, 'dist'),
        DATABASE_URL: `sqlite:${file}`,
        PORT: String(port),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const pid = child.pid!;
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      const up = await fetch(`${url}/raw/customer/none`).then(
        () => true,
        () => false,
      );
      if (up) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const run = (op: string, base: string, seconds: number) =>
      autocannon({
        url,
        connections: 50,
        ...(op === 'delete' ? { amount: 6000 } : { duration: seconds }),
        requests: requests(op, base),
      });
    const routes: [string, string][] = [
      ['nest', fixture.BASE],
      ['raw', '/raw/customer'],
    ];
    for (const [, base] of routes) {
      await run('get', base, 2); // warm-up
    }
    for (const op of OPS) {
      for (let round = 0; round < ROUNDS; round++) {
        for (const [label, base] of round % 2 === 0 ? routes : [...routes].reverse()) {
          const [all, main] = [cpuSeconds(pid), cpuSeconds(pid, pid)];
          const started = Date.now();
          const result = await run(op, base, DURATION);
          const n = result.requests.total;
          const us = (seconds: number) => Math.round((seconds * 1e6) / n);
          process.stdout.write(
            `${op} ${label.padEnd(4)} ${Math.round((n * 1000) / (Date.now() - started))} req/s, non-2xx ${result.non2xx}, ` +
              `CPU ${us(cpuSeconds(pid) - all)} us/req, main thread ${us(cpuSeconds(pid, pid) - main)} us/req, p99 ${result.latency.p99} ms\n`,
          );
        }
      }
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`nest-route-probe failed: ${String(err)}\n`);
  process.exit(1);
});
