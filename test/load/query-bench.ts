/**
 * Query benchmark at scale (issue #20's figures): seeds realistic customers (default 1,000,000)
 * into SQLite and/or MariaDB through the app's repository, then measures each query class over HTTP
 * on 127.0.0.1 with a few keep-alive connections (latency, not saturation): read-only, then at once
 * the same class with 10 % of the requests writing (POST, PATCH, DELETE), side by side.
 *
 *   npm run bench:query -- [--db sqlite,mysql] [--seed 1000000] [--duration 8] [--connections 4]
 *     [--reuse]               reuse the database seeded by an earlier run with the same --seed
 *     [--modes read,mixed]    [--classes <substring>,...]  only the classes whose label contains one
 *     [--deep-page 10000]     the page reached through `next` links (at most half of the pages)
 *     [--entries a/main.js,b/main.js]  compare builds: every class and mode on each in turn, each
 *                             build on its own copy of the seeded database (SQLite)
 *     [--warm-up 1]           seconds of each class's requests before it is measured, per build
 *     [--env KEY=value,...]   extra server environment
 *     [--mysql-database name] the MariaDB database (default `tmf_query_bench_<seed>`), e.g. a copy
 *
 * The seeded databases stay in test/load/results/ (SQLite) and as `tmf_query_bench_<seed>`
 * (MariaDB) for --reuse; the mixed runs delete what they created. Results: a markdown table on
 * stdout and in test/load/results/query-bench-<db>-<seed>-<time>.md.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import { validateDocument } from '@app/tmf-common';
import { CustomerCreateDto } from '@server/customer/dto/customer-create.dto';
import { adminQuery, TEST_MYSQL_URL } from '@test/support/test-database';
import { REPO_ROOT, SERVER_ENTRY, ServerProcess } from '@test/support/server-process';
import {
  emailOf,
  nameOf,
  realisticCustomer,
  seededId,
  startOf,
} from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';
import { closedLoop, KindStats, LoadRequest, percentile } from './closed-loop';
import { CpuMeter } from './cpu-meter';
import { seedCustomers } from './seed-customers';

type Db = 'sqlite' | 'mysql';
type Mode = 'read' | 'mixed';

const DBS = arg('db', 'sqlite,mysql').split(',') as Db[];
const SEED = Number(arg('seed', '1000000'));
const DURATION_MS = Number(arg('duration', '8')) * 1000;
const CONNECTIONS = Number(arg('connections', '4'));
const REUSE = process.argv.includes('--reuse');
const MODES = arg('modes', 'read,mixed').split(',') as Mode[];
const ONLY = arg('classes', '')
  .split(',')
  .filter((c) => c !== '');
const PAGE = 20;
const DEEP_PAGE = Math.max(
  2,
  Math.min(Number(arg('deep-page', '10000')), Math.floor(SEED / PAGE / 2)),
);
const ENTRIES = arg('entries', SERVER_ENTRY).split(',');
const EXTRA_ENV = Object.fromEntries(
  arg('env', '')
    .split(',')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const WARM_UP_MS = Number(arg('warm-up', '1')) * 1000;
const WRITE_SHARE = 0.1;
const MYSQL_URL = TEST_MYSQL_URL.replace(/\/$/, '');
const RESULTS_DIR = join(REPO_ROOT, 'test', 'load', 'results');
const PATH = '/tmf-api/customerManagement/v4/customer';
const DAY = 86400000;
const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Rome', 'Warsaw', 'Lisbon', 'Vienna'];

const rand = (n: number) => Math.floor(Math.random() * n);
const enc = encodeURIComponent;

interface QueryClass {
  label: string;
  path: (server: ServerState) => string;
}

/** What a class needs from its server: the deep page's URL, reached by following `next`. */
interface ServerState {
  server: ServerProcess;
  entry: string;
  /** SQLite: the database file this server runs on. */
  sqliteFile?: string;
  deepPagePath?: string;
  deepPageNote?: string;
}

/**
 * The issue's classes. Each request draws a fresh random seeded customer to build its query
 * (realisticCustomer(i) is a pure function of i).
 */
const CLASSES: QueryClass[] = [
  { label: 'GET by id', path: () => `${PATH}/${seededId(rand(SEED))}` },
  { label: 'by name', path: () => `${PATH}?name=${enc(nameOf(rand(SEED)))}&limit=${PAGE}` },
  {
    label: 'by email',
    path: () => `${PATH}?contactMedium.characteristic.emailAddress=${enc(emailOf(rand(SEED)))}`,
  },
  { label: 'by engagedParty.id', path: () => `${PATH}?engagedParty.id=party-${rand(SEED)}` },
  {
    label: 'a plain path alone, page of 20',
    path: () =>
      `${PATH}?contactMedium.characteristic.city=${enc(CITIES[rand(CITIES.length)])}&limit=${PAGE}`,
  },
  {
    label: 'two plain paths, page of 20',
    path: () =>
      `${PATH}?contactMedium.characteristic.city=${enc(CITIES[rand(CITIES.length)])}&creditProfile.creditRiskRating=${1 + rand(5)}&limit=${PAGE}`,
  },
  {
    label: 'numeric range (creditScore, 5 points), page of 20',
    path: () => {
      const from = 300 + rand(546);
      return `${PATH}?creditProfile.creditScore.gte=${from}&creditProfile.creditScore.lt=${from + 5}&limit=${PAGE}`;
    },
  },
  {
    label: 'nested date range (creditProfile.validFor, 1 day), page of 20',
    path: () => {
      const from = new Date(Math.floor(startOf(rand(SEED)) / DAY) * DAY);
      const to = new Date(from.getTime() + DAY);
      return `${PATH}?creditProfile.validFor.startDateTime.gte=${from.toISOString()}&creditProfile.validFor.startDateTime.lt=${to.toISOString()}&limit=${PAGE}`;
    },
  },
  {
    label: 'status sorted by date, page of 20',
    path: () => `${PATH}?status=suspended&sort=-validFor.startDateTime&limit=${PAGE}`,
  },
  { label: 'unfiltered first page', path: () => `${PATH}?limit=${PAGE}` },
  {
    label: `page ${DEEP_PAGE.toLocaleString('en')} through next`,
    path: (s: ServerState) => s.deepPagePath ?? `${PATH}?limit=${PAGE}`,
  },
  {
    label: `offset=${Math.min(500000, Math.floor(SEED / 2)).toLocaleString('en')}`,
    path: () => `${PATH}?offset=${Math.min(500000, Math.floor(SEED / 2))}&limit=${PAGE}`,
  },
  {
    label: 'over 10 % of customers (characteristic.value=business), page of 20',
    path: () => `${PATH}?characteristic.value=business&limit=${PAGE}`,
  },
].filter((c) => ONLY.length === 0 || ONLY.some((o) => c.label.includes(o)));

interface ClassResult {
  matches: string;
  byMode: Map<Mode, Map<string, KindStats>>;
  /** The server process's CPU (all threads) in % of one core, per mode. */
  cpuByMode: Map<Mode, number>;
  walMaxMb?: number;
}

/** Follows `Link: rel="next"` from the first page to page DEEP_PAGE; records what the links were. */
async function walkToDeepPage(state: ServerState): Promise<void> {
  let path = `${PATH}?limit=${PAGE}`;
  const started = Date.now();
  let kind = 'none';
  for (let page = 1; page < DEEP_PAGE; page++) {
    const res = await fetch(`${state.server.baseUrl}${path}`);
    await res.arrayBuffer();
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    if (!next) {
      throw new Error(`no rel="next" link on page ${page} (${res.status})`);
    }
    const url = new URL(next);
    path = url.pathname + url.search;
    kind = /[?&]offset=\d/.test(url.search) ? 'offset links' : 'cursor links';
  }
  const seconds = (Date.now() - started) / 1000;
  state.deepPagePath = path;
  state.deepPageNote = `${kind}; walk of ${DEEP_PAGE - 1} pages took ${seconds.toFixed(1)} s`;
}

/** The mixed load's writes: POSTs (deleted again later), PATCHes of seeded customers, DELETEs. */
class Writes {
  private posted: string[] = [];
  private turn = 0;
  private made = 0;

  next(): LoadRequest {
    const turn = this.turn++ % 3;
    if (turn === 2 && this.posted.length > 0) {
      return { kind: 'DELETE', method: 'DELETE', path: `${PATH}/${this.posted.pop()!}` };
    }
    if (turn === 1) {
      return {
        kind: 'PATCH',
        method: 'PATCH',
        path: `${PATH}/${seededId(rand(SEED))}`,
        body: JSON.stringify({ statusReason: `bench ${rand(1e6)}` }),
      };
    }
    return {
      kind: 'POST',
      method: 'POST',
      path: PATH,
      body: JSON.stringify(realisticCustomer(SEED + (this.made++ % SEED))),
      onResponse: (status, _headers, body) => {
        if (status === 201) {
          this.posted.push((JSON.parse(body) as { id: string }).id);
        }
      },
    };
  }

  /** Deletes what the run created and is still there: the next run starts from the seed. */
  async cleanUp(baseUrl: string): Promise<void> {
    for (const id of this.posted.splice(0)) {
      await fetch(`${baseUrl}${PATH}/${id}`, { method: 'DELETE' });
    }
  }
}

async function runClass(
  state: ServerState,
  c: QueryClass,
  mode: Mode,
  sqliteFile: string | undefined,
): Promise<{ stats: Map<string, KindStats>; cpuPercent: number; walMaxMb?: number }> {
  const writes = new Writes();
  const cpu = new CpuMeter(state.server.child.pid!);
  let walMax = 0;
  const sampler = sqliteFile
    ? setInterval(() => {
        const wal = `${sqliteFile}-wal`;
        walMax = Math.max(walMax, existsSync(wal) ? statSync(wal).size : 0);
      }, 100)
    : undefined;
  try {
    cpu.start();
    const stats = await closedLoop(state.server.baseUrl, CONNECTIONS, DURATION_MS, () =>
      mode === 'mixed' && Math.random() < WRITE_SHARE
        ? writes.next()
        : { kind: 'read', method: 'GET', path: c.path(state) },
    );
    const cpuPercent = cpu.stop(1).corePercent;
    return { stats, cpuPercent, walMaxMb: sqliteFile ? walMax / 1048576 : undefined };
  } finally {
    clearInterval(sampler);
    await writes.cleanUp(state.server.baseUrl);
  }
}

async function matchesOf(state: ServerState, c: QueryClass): Promise<string> {
  const res = await fetch(`${state.server.baseUrl}${c.path(state)}`);
  await res.arrayBuffer();
  return res.headers.get('x-total-count') ?? (res.status === 200 ? '1' : String(res.status));
}

const ms = (v: number) => (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en'));
const p50p99 = (s: KindStats | undefined) =>
  s ? `${ms(percentile(s.latencies, 50))} / ${ms(percentile(s.latencies, 99))}` : '';
const rate = (s: KindStats | undefined) =>
  s ? Math.round(s.latencies.length / (DURATION_MS / 1000)).toLocaleString('en') : '';

function writeStats(stats: Map<string, KindStats> | undefined): string {
  if (!stats) {
    return '';
  }
  const writes = ['POST', 'PATCH', 'DELETE'].flatMap((k) => stats.get(k)?.latencies ?? []);
  const all = [...stats.values()].reduce((n, s) => n + s.latencies.length, 0);
  if (writes.length === 0) {
    return '';
  }
  return `${Math.round((100 * writes.length) / all)} %, ${ms(percentile(writes, 50))} / ${ms(percentile(writes, 99))}`;
}

function failures(stats: Map<string, KindStats> | undefined): number {
  return stats ? [...stats.values()].reduce((n, s) => n + s.non2xx + s.errors, 0) : 0;
}

function table(db: Db, entry: string, results: Map<string, ClassResult>): string {
  const lines = [
    `| ${db}: class | matches | read-only p50 / p99 ms | mixed p50 / p99 ms | p99 mixed / read-only | reads/s read-only / mixed | writes in mixed: share, p50 / p99 ms | server CPU % of a core, read-only / mixed | max WAL MB | non-2xx |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [label, r] of results) {
    const ro = r.byMode.get('read')?.get('read');
    const mx = r.byMode.get('mixed')?.get('read');
    const ratio =
      ro && mx
        ? `${(percentile(mx.latencies, 99) / percentile(ro.latencies, 99)).toFixed(2)}x`
        : '';
    const wal = r.walMaxMb === undefined ? '' : r.walMaxMb.toFixed(0);
    lines.push(
      `| ${label} | ${r.matches} | ${p50p99(ro)} | ${p50p99(mx)} | ${ratio} | ${rate(ro)} / ${rate(mx)} | ${writeStats(r.byMode.get('mixed'))} | ${r.cpuByMode.get('read') ?? ''} / ${r.cpuByMode.get('mixed') ?? ''} | ${wal} | ${failures(r.byMode.get('read')) + failures(r.byMode.get('mixed'))} |`,
    );
  }
  return `${ENTRIES.length > 1 ? `\nbuild: \`${entry}\`\n\n` : ''}${lines.join('\n')}\n`;
}

async function prepareDatabase(db: Db, sqliteFile: string, mysqlName: string): Promise<string> {
  const url = db === 'sqlite' ? `sqlite:${sqliteFile}` : `${MYSQL_URL}/${mysqlName}`;
  const present =
    db === 'sqlite'
      ? existsSync(sqliteFile)
      : (
          await adminQuery<unknown[]>(
            `SELECT 1 FROM information_schema.tables WHERE table_schema = '${mysqlName}' AND table_name = 'customer'`,
          )
        ).length > 0;
  if (REUSE && present) {
    process.stdout.write('reusing the database seeded by an earlier run\n');
    return url;
  }
  if (db === 'mysql') {
    await adminQuery(`DROP DATABASE IF EXISTS ${mysqlName}`);
    await adminQuery(`CREATE DATABASE ${mysqlName} CHARACTER SET utf8mb4`);
  } else {
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(sqliteFile + suffix, { force: true });
    }
  }
  const seeded = await seedCustomers(
    url,
    SEED,
    (i) => ({ id: seededId(i), document: realisticCustomer(i) }),
    { progressEvery: Math.max(10000, Math.floor(SEED / 10)) },
  );
  process.stdout.write(
    `seeding: ${(seeded / 1000).toFixed(0)} s (${Math.round(SEED / (seeded / 1000))} customers/s)\n`,
  );
  if (db === 'mysql') {
    const tables = await adminQuery<Array<{ t: string }>>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = '${mysqlName}'`,
    );
    await adminQuery(`ANALYZE TABLE ${tables.map((r) => `${mysqlName}.${r.t}`).join(', ')}`);
  }
  return url;
}

async function sizeOnDisk(db: Db, sqliteFile: string, mysqlName: string): Promise<string> {
  if (db === 'sqlite') {
    const bytes = ['', '-wal']
      .map((s) => (existsSync(sqliteFile + s) ? statSync(sqliteFile + s).size : 0))
      .reduce((a, b) => a + b, 0);
    return `${Math.round(bytes / 1048576)} MB (file + WAL)`;
  }
  const rows = await adminQuery<Array<{ t: string; d: number; i: number }>>(
    `SELECT table_name AS t, data_length AS d, index_length AS i FROM information_schema.tables WHERE table_schema = '${mysqlName}'`,
  );
  return rows
    .map((r) => `${r.t} ${Math.round((Number(r.d) + Number(r.i)) / 1048576)} MB`)
    .join(', ');
}

async function benchDb(db: Db): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const sqliteFile = join(RESULTS_DIR, `query-bench-${SEED}.sqlite`);
  const mysqlName = arg('mysql-database', `tmf_query_bench_${SEED}`);
  const out: string[] = [];
  const say = (text: string) => {
    process.stdout.write(text);
    out.push(text);
  };
  say(`\n## ${db}: ${SEED.toLocaleString('en')} customers\n\n`);
  const url = await prepareDatabase(db, sqliteFile, mysqlName);
  say(`size on disk: ${await sizeOnDisk(db, sqliteFile, mysqlName)}\n`);
  const started = new Date();
  const loadBefore = loadavg();
  const states: ServerState[] = [];
  const copies: string[] = [];
  try {
    for (const [i, entry] of ENTRIES.entries()) {
      // Builds compared side by side each run on a copy of their own (the mixed runs write).
      let file = db === 'sqlite' ? sqliteFile : undefined;
      if (file && ENTRIES.length > 1) {
        file = join(RESULTS_DIR, `query-bench-${SEED}-build-${i + 1}.sqlite`);
        for (const suffix of ['', '-wal', '-shm']) {
          rmSync(file + suffix, { force: true });
          if (suffix !== '-shm' && existsSync(sqliteFile + suffix)) {
            copyFileSync(sqliteFile + suffix, file + suffix);
          }
        }
        copies.push(file);
      }
      const server = await ServerProcess.start(
        {
          DATABASE_URL: file ? `sqlite:${file}` : url,
          LOG_LEVEL: 'error',
          LIST_MAX_LIMIT: '1000',
          ...EXTRA_ENV,
        },
        undefined,
        600000,
        entry,
      );
      const state: ServerState = { server, entry, sqliteFile: file };
      states.push(state);
      if (CLASSES.some((c) => c.label.includes('through next'))) {
        await walkToDeepPage(state);
        say(`page ${DEEP_PAGE} through next (\`${entry}\`): ${state.deepPageNote}\n`);
      }
    }
    const results = new Map(states.map((s) => [s, new Map<string, ClassResult>()]));
    for (const c of CLASSES) {
      // Every build and mode of a class one after the other: drift in the machine's load touches
      // each alike.
      for (const state of states) {
        const r: ClassResult = {
          matches: await matchesOf(state, c),
          byMode: new Map(),
          cpuByMode: new Map(),
        };
        await closedLoop(state.server.baseUrl, CONNECTIONS, WARM_UP_MS, () => ({
          kind: 'warm-up',
          method: 'GET',
          path: c.path(state),
        }));
        for (const mode of MODES) {
          const run = await runClass(state, c, mode, state.sqliteFile);
          r.byMode.set(mode, run.stats);
          r.cpuByMode.set(mode, run.cpuPercent);
          if (mode === 'mixed') {
            r.walMaxMb = run.walMaxMb;
          }
        }
        results.get(state)!.set(c.label, r);
        process.stderr.write(`  ${c.label} (${state.entry}) done\n`);
      }
    }
    const loadAfter = loadavg();
    say(
      `\n${started.toISOString()}, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s per class and mode, mixed: ${WRITE_SHARE * 100} % of requests write (POST, PATCH, DELETE in turn); load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    for (const state of states) {
      say(table(db, state.entry, results.get(state)!));
    }
  } finally {
    for (const state of states) {
      await state.server.stop();
    }
    for (const copy of copies) {
      for (const suffix of ['', '-wal', '-shm']) {
        rmSync(copy + suffix, { force: true });
      }
    }
  }
  const file = join(
    RESULTS_DIR,
    `query-bench-${db}-${SEED}-${started.toISOString().replace(/[:.]/g, '-')}.md`,
  );
  writeFileSync(file, out.join(''));
  process.stdout.write(`\nwritten to ${file}\n`);
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
