/**
 * Where the time of issue #20's "two plain paths, page of 20" goes on MariaDB, and what the next
 * designs would cost (ADR 0008, docs/performance.md "MariaDB: two plain paths"). Not product code:
 * it runs the statements the server runs, and the candidates' statements, straight through mysql2,
 * on a seeded database (read only) and on a scratch database of its own (the write-shaped
 * transactions, the BLOB bitmaps), timing each request end to end with one client and with several
 * at once, and the CPU of this process and of mariadbd per request from /proc.
 *
 *   flock /tmp/team/bench.lock npx ts-node --transpile-only -r tsconfig-paths/register \
 *     test/load/intersection-probe.ts [--url mysql://root@127.0.0.1:3318/]
 *     [--database tmf_query_bench_1000000] [--scratch tmf_isect_probe] [--duration 5]
 *     [--clients 4] [--parts analyze,plain,reads,writes] [--db-pid <mariadbd pid>]
 *
 * Parts:
 * - `analyze`: the statements of today's request (captured from `compileMysqlSql` and the page's
 *   `keysetStatements`), each alone with `ANALYZE FORMAT=JSON`: rows, loops, pages and time per
 *   table.
 * - `plain`: plain-SQL variants of the intersection (join order, hash join, per-epoch
 *   `GROUP_CONCAT` merged here, semi-join strategies), each timed alone.
 * - `reads`: end to end as a request would run it, 1 client then `--clients`: today's statements;
 *   per-key per-epoch bitmaps held in memory (built once from the token table, the hot epochs read
 *   again by every request); the same bitmaps read from BLOB rows; the page from the candidates.
 * - `writes`: a POST-shaped transaction (the customer row, its token rows, a count shard) at
 *   `--clients` concurrent writers in the scratch database, alone and with what each design adds
 *   (a per-epoch change counter, sharded or not; the BLOB bitmaps of the kept keys).
 * The scratch database is dropped at the end.
 */
import { readFileSync } from 'node:fs';

import { createPool, Pool, RowDataPacket } from 'mysql2/promise';

import {
  compileMysqlSql,
  compileSql,
  keysetStatements,
  parseQuery,
  SqlStatement,
} from '@app/tmf-query';
import { EPOCH_BITS, extractMysqlTokenRows } from '@app/tmf-query/sql/mysql-token-entries';
import { planMysqlTokens } from '@app/tmf-query/sql/mysql-token-filter';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { realisticCustomer } from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';
import { percentile } from './closed-loop';
import { databaseServerPid } from './cpu-meter';

const URL_ = arg('url', process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3318/');
const DATABASE = arg('database', 'tmf_query_bench_1000000');
const SCRATCH = arg('scratch', 'tmf_isect_probe');
const DURATION_MS = Number(arg('duration', '5')) * 1000;
const CLIENTS = Number(arg('clients', '4'));
const PARTS = arg('parts', 'analyze,plain,reads,writes').split(',');
const HOT_EPOCHS = Number(arg('hot-epochs', '2'));
const WRITE_MS = Number(arg('write-duration', '4')) * 1000;
const DB_PID = Number(arg('db-pid', String(databaseServerPid() ?? 0)));

const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Rome', 'Warsaw', 'Lisbon', 'Vienna'];
const EPOCH_SIZE = 2 ** EPOCH_BITS;
const WORDS = EPOCH_SIZE / 32;

const rand = (n: number) => Math.floor(Math.random() * n);
const ms = (ns: bigint) => Number(ns) / 1e6;
const f = (n: number, digits = 1) =>
  n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(digits);

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Combo {
  city: string;
  rating: number;
}
const combos: Combo[] = CITIES.flatMap((city) =>
  [1, 2, 3, 4, 5].map((rating) => ({ city, rating })),
);
const queryOf = (c: Combo) =>
  `contactMedium.characteristic.city=${encodeURIComponent(c.city)}&creditProfile.creditRiskRating=${c.rating}&limit=20`;
const parsed = (c: Combo) =>
  parseQuery(queryOf(c), customerQuerySchema, { paging: { defaultLimit: 20, maxLimit: 1000 } });

/** One `(token, v)` of the token table: the city's is a value row (v = 0), the rating's an ordered one. */
interface Key {
  token: number;
  v: string;
}
const keyName = (k: Key) => `${k.token}:${k.v}`;

/** The `(token, v)` of each of the two clauses. */
function tokensOf(c: Combo): [Key, Key] {
  const q = parsed(c);
  const key = (i: number): Key => {
    const sup = planMysqlTokens([q.clauses[i]]).sup;
    if (
      typeof sup === 'boolean' ||
      sup.length !== 1 ||
      sup[0].length !== 1 ||
      sup[0][0].from !== sup[0][0].to
    ) {
      throw new Error('not one (token, v)');
    }
    return { token: sup[0][0].token, v: sup[0][0].from };
  };
  return [key(0), key(1)];
}

type Query = <R = RowDataPacket>(sql: string, params?: readonly unknown[]) => Promise<R[]>;
const queryOn =
  (pool: Pool): Query =>
  async <R>(sql: string, params: readonly unknown[] = []) =>
    (await pool.query(sql, params as unknown[]))[0] as R[];

/** Today's request, as `CustomerRepository.compile` + `findPage` run it; its statements in order. */
async function today(q: Query, c: Combo, record?: SqlStatement[]): Promise<number> {
  const read = async <R>(s: SqlStatement) => {
    record?.push(s);
    return q<R>(s.sql, s.params);
  };
  const compiled = await compileMysqlSql(parsed(c), customerSqlStorage, {}, read);
  const ids = await pageOf(compiled, read);
  if (ids.length < 20 && compiled.total === undefined) {
    throw new Error('unexpected');
  }
  return compiled.total ?? -1;
}

/** Today's pre-read of the matching seqs, then the page by a bounded walk in id order. */
async function todayWalk(q: Query, c: Combo): Promise<number> {
  let seqs: number[] = [];
  let maxSeq = 0;
  const read = async <R>(s: SqlStatement) => {
    const rows = await q<R>(s.sql, s.params);
    if (s.sql.startsWith('SELECT DISTINCT')) {
      seqs = (rows as { seq: number }[]).map((r) => Number(r.seq));
    } else if (s.sql.includes('MAX(seq)')) {
      maxSeq = Number((rows[0] as { seq: number }).seq);
    }
    return rows;
  };
  await compileMysqlSql(parsed(c), customerSqlStorage, {}, read);
  await pageBySqlWalk(q, c, seqs, maxSeq);
  return seqs.length;
}

async function pageOf(
  compiled: ReturnType<typeof compileSql>,
  read: <R>(s: SqlStatement) => Promise<R[]>,
): Promise<string[]> {
  const statements = keysetStatements(compiled, customerSqlStorage, 'mysql', 'c.id');
  const ids: string[] = [];
  for (const s of statements) {
    if (ids.length >= 20) {
      break;
    }
    const rows = await read<{ id: string }>({ sql: s.sql, params: [...s.params, 20 - ids.length] });
    ids.push(...rows.map((r) => r.id));
  }
  if (ids.length > 0) {
    await read({
      sql: `SELECT id, version, document FROM customer WHERE id IN (${ids.map(() => '?').join(', ')})`,
      params: ids,
    });
  }
  return ids;
}

// ---------------------------------------------------------------- bitmaps

/** A key's bitmaps, one per epoch (16,384 bits), with the change counter each was read at. */
interface KeyBitmaps {
  epochs: (Uint32Array | undefined)[];
  versions: number[];
}

function setBits(target: (Uint32Array | undefined)[], rows: { epoch: number; seq: number }[]) {
  for (const { epoch, seq } of rows) {
    const words = (target[epoch] ??= new Uint32Array(WORDS));
    const bit = seq & (EPOCH_SIZE - 1);
    words[bit >>> 5] |= 1 << (bit & 31);
  }
}

/** Every row of a key in the given epochs (the build of a key, or the hot epochs again). */
async function readKey(q: Query, key: Key, epochs: number[]) {
  if (epochs.length === 0) {
    return [];
  }
  return q<{ epoch: number; seq: number }>(
    `SELECT epoch, seq FROM customer_token WHERE epoch IN (${epochs.join(', ')}) AND token = ? AND v = ?`,
    [key.token, key.v],
  );
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** AND of two keys' bitmaps: the candidate seqs, in seq order. */
function intersect(a: (Uint32Array | undefined)[], b: (Uint32Array | undefined)[]): number[] {
  const seqs: number[] = [];
  const n = Math.max(a.length, b.length);
  for (let e = 0; e < n; e++) {
    const x = a[e];
    const y = b[e];
    if (!x || !y) {
      continue;
    }
    for (let w = 0; w < WORDS; w++) {
      let m = x[w] & y[w];
      while (m !== 0) {
        const low = m & -m;
        seqs.push(e * EPOCH_SIZE + w * 32 + (31 - Math.clz32(low)));
        m ^= low;
      }
    }
  }
  return seqs;
}

function countAnd(a: (Uint32Array | undefined)[], b: (Uint32Array | undefined)[]): number {
  let total = 0;
  for (let e = 0; e < Math.max(a.length, b.length); e++) {
    const x = a[e];
    const y = b[e];
    if (x && y) {
      for (let w = 0; w < WORDS; w++) {
        total += popcount(x[w] & y[w]);
      }
    }
  }
  return total;
}

/**
 * The state a bitmap request reads first: the newest seq (the epochs), the dead flag (as today) and
 * each epoch's change counter (a scratch table here: 62 rows).
 */
async function bitmapState(q: Query) {
  const [state] = await q<{ seq: number; dead: number | null }>(
    'SELECT (SELECT MAX(seq) FROM customer) AS seq, (SELECT 1 FROM customer_token_dead LIMIT 1) AS dead',
  );
  const versions = await q<{ epoch: number; n: number }>(
    `SELECT epoch, n FROM ${SCRATCH}.epoch_version`,
  );
  return { maxSeq: Number(state.seq), dead: state.dead !== null, versions };
}

/** The candidates without the deleted customers not yet swept (the small dead table). */
async function liveByDead(q: Query, seqs: number[], dead: boolean): Promise<number[]> {
  if (!dead || seqs.length === 0) {
    return seqs;
  }
  const gone = new Set(
    (await q<{ seq: number }>('SELECT seq FROM customer_token_dead')).map((r) => r.seq),
  );
  return seqs.filter((s) => !gone.has(s));
}

/** The page from candidate seqs as today's page reads a collected list (same statements). */
async function pageFromSeqs(q: Query, c: Combo, seqs: number[], maxSeq: number, dead: boolean) {
  const compiled = compileSql(parsed(c), customerSqlStorage, {
    dialect: 'mysql',
    tokenEpochs: (maxSeq >> EPOCH_BITS) + 1,
    tokenDead: dead,
    tokenSeqList: seqs,
  });
  return pageOf(compiled, (s) => q(s.sql, s.params));
}

/**
 * The page in id order by walking `(id, seq)`, testing each seq against the bitmaps here (ids are
 * UUIDv7 in production and `seededId(i)` in the bench: both roughly in seq order).
 */
/**
 * The page in id order by walking `(id, seq)` in MariaDB with the candidates as an IN list (a binary
 * search per entry), at most `examined` entries (`LIMIT ROWS EXAMINED`): 20 rows back are the page;
 * fewer with the cap reached would need the sorted form instead (counted in `fallbacks`).
 */
let fallbacks = 0;
async function pageBySqlWalk(q: Query, c: Combo, seqs: number[], maxSeq: number, examined = 50000) {
  if (seqs.length === 0) {
    return;
  }
  const rows = await q<{ id: string }>(
    `SELECT c.id FROM customer c FORCE INDEX (idx_customer_id_seq) WHERE c.seq IN (${seqs.join(', ')}) ORDER BY c.id LIMIT 20 ROWS EXAMINED ${examined}`,
  );
  if (rows.length < 20 && rows.length < seqs.length) {
    fallbacks++;
    await pageFromSeqs(q, c, seqs, maxSeq, false);
    return;
  }
  const ids = rows.map((r) => r.id);
  await q(
    `SELECT id, version, document FROM customer WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
}

/**
 * The page from candidate seqs (in seq order) without sending them all: the ids of the first 40
 * candidates by seq (40 lookups on the seq index); X, the 20th smallest of those ids; then the
 * `(id, seq)` entries with id < X and a seq beyond the 40th (one index range, no IN list), each
 * tested against the bitmaps here. Exact: a candidate with an id below X either is among the first
 * 40 or is returned by the range. Cheap while ids follow seqs (UUIDv7, the seeded ids); the range
 * is capped (5,000 rows, else the sorted form: `fallbacks`).
 */
async function pageByPrefix(
  q: Query,
  c: Combo,
  seqs: number[],
  maxSeq: number,
  a: KeyBitmaps,
  b: KeyBitmaps,
): Promise<string[]> {
  const k = Math.min(40, seqs.length);
  if (k === 0) {
    return [];
  }
  const first = await q<{ id: string; seq: number }>(
    `SELECT id, seq FROM customer WHERE seq IN (${seqs.slice(0, k).join(', ')})`,
  );
  let pool = first.map((r) => r.id).sort();
  if (seqs.length > k) {
    if (pool.length < 20) {
      fallbacks++;
      return pageFromSeqs(q, c, seqs, maxSeq, false);
    }
    const x = pool[19];
    const beyond = await q<{ id: string; seq: number }>(
      'SELECT id, seq FROM customer FORCE INDEX (idx_customer_id_seq) WHERE id < ? AND seq > ? LIMIT 5001',
      [x, seqs[k - 1]],
    );
    if (beyond.length > 5000) {
      fallbacks++;
      return pageFromSeqs(q, c, seqs, maxSeq, false);
    }
    const has = (m: KeyBitmaps, seq: number) => {
      const w = m.epochs[seq >> EPOCH_BITS];
      const bit = seq & (EPOCH_SIZE - 1);
      return w !== undefined && (w[bit >>> 5] & (1 << (bit & 31))) !== 0;
    };
    pool = [
      ...pool,
      ...beyond.filter((r) => has(a, r.seq) && has(b, r.seq)).map((r) => r.id),
    ].sort();
  }
  const ids = pool.slice(0, 20);
  await q(
    `SELECT id, version, document FROM customer WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return ids;
}

async function pageByWalk(q: Query, a: KeyBitmaps, b: KeyBitmaps) {
  const ids: string[] = [];
  let after = '';
  let walked = 0;
  const has = (m: KeyBitmaps, seq: number) => {
    const w = m.epochs[seq >> EPOCH_BITS];
    const bit = seq & (EPOCH_SIZE - 1);
    return w !== undefined && (w[bit >>> 5] & (1 << (bit & 31))) !== 0;
  };
  while (ids.length < 20) {
    const rows = await q<{ id: string; seq: number }>(
      'SELECT id, seq FROM customer FORCE INDEX (idx_customer_id_seq) WHERE id > ? ORDER BY id LIMIT 2000',
      [after],
    );
    walked += rows.length;
    for (const r of rows) {
      if (has(a, r.seq) && has(b, r.seq)) {
        ids.push(r.id);
        if (ids.length === 20) {
          break;
        }
      }
    }
    if (rows.length < 2000) {
      break;
    }
    after = rows[rows.length - 1].id;
  }
  await q(
    `SELECT id, version, document FROM customer WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return walked;
}

class BitmapCache {
  readonly keys = new Map<string, KeyBitmaps>();

  async build(q: Query, key: Key, epochs: number): Promise<KeyBitmaps> {
    const m: KeyBitmaps = { epochs: [], versions: [] };
    setBits(m.epochs, await readKey(q, key, [...Array(epochs).keys()]));
    this.keys.set(keyName(key), m);
    return m;
  }

  /**
   * A request's bitmaps: each cached epoch whose counter moved is read again, and the hot epochs
   * (the newest, where POSTs land) always.
   */
  async fresh(
    q: Query,
    key: Key,
    maxSeq: number,
    versions: { epoch: number; n: number }[],
  ): Promise<KeyBitmaps> {
    const epochs = (maxSeq >> EPOCH_BITS) + 1;
    const m = this.keys.get(keyName(key)) ?? (await this.build(q, key, epochs));
    const stale = new Set<number>();
    for (const { epoch, n } of versions) {
      if (m.versions[epoch] !== n) {
        stale.add(epoch);
        m.versions[epoch] = n;
      }
    }
    for (let e = Math.max(0, epochs - HOT_EPOCHS); e < epochs; e++) {
      stale.add(e);
    }
    const list = [...stale];
    for (const e of list) {
      m.epochs[e] = undefined;
    }
    setBits(m.epochs, await readKey(q, key, list));
    return m;
  }
}

async function bitmapRequest(
  q: Query,
  cache: BitmapCache,
  c: Combo,
  walk: false | 'node' | 'sql' | 'prefix' = false,
) {
  const [ta, tb] = tokensOf(c);
  const state = await bitmapState(q);
  const a = await cache.fresh(q, ta, state.maxSeq, state.versions);
  const b = await cache.fresh(q, tb, state.maxSeq, state.versions);
  const seqs = await liveByDead(q, intersect(a.epochs, b.epochs), state.dead);
  if (walk === 'node') {
    await pageByWalk(q, a, b);
  } else if (walk === 'sql') {
    await pageBySqlWalk(q, c, seqs, state.maxSeq);
  } else if (walk === 'prefix') {
    await pageByPrefix(q, c, seqs, state.maxSeq, a, b);
  } else {
    await pageFromSeqs(q, c, seqs, state.maxSeq, state.dead);
  }
  return seqs.length;
}

/** The bitmaps of the two keys read from BLOB rows (`(token, v, epoch)`, 2 KB each). */
async function blobRequest(q: Query, c: Combo, walk = false) {
  const [ta, tb] = tokensOf(c);
  const [state] = await q<{ seq: number; dead: number | null }>(
    'SELECT (SELECT MAX(seq) FROM customer) AS seq, (SELECT 1 FROM customer_token_dead LIMIT 1) AS dead',
  );
  const rows = await q<{ token: number; epoch: number; bits: Buffer }>(
    `SELECT token, epoch, bits FROM ${SCRATCH}.token_bitmap WHERE (token = ? AND v = ?) OR (token = ? AND v = ?)`,
    [ta.token, ta.v, tb.token, tb.v],
  );
  const a: (Uint32Array | undefined)[] = [];
  const b: (Uint32Array | undefined)[] = [];
  for (const r of rows) {
    const words = new Uint32Array(
      r.bits.buffer.slice(r.bits.byteOffset, r.bits.byteOffset + r.bits.length),
    );
    (Number(r.token) === ta.token ? a : b)[r.epoch] = words;
  }
  const seqs = await liveByDead(q, intersect(a, b), state.dead !== null);
  if (walk) {
    await pageBySqlWalk(q, c, seqs, Number(state.seq));
  } else {
    await pageFromSeqs(q, c, seqs, Number(state.seq), state.dead !== null);
  }
  return seqs.length;
}

// ---------------------------------------------------------------- measuring

interface Run {
  label: string;
  clients: number;
  n: number;
  p50: number;
  p99: number;
  nodeUs: number;
  dbUs: number;
  perSecond: number;
}

async function measure(
  label: string,
  clients: number,
  once: (client: number) => Promise<unknown>,
  durationMs = DURATION_MS,
  print = true,
): Promise<Run> {
  // Warm-up: a few requests per client.
  await Promise.all(
    [...Array(clients).keys()].map(async (i) => {
      for (let k = 0; k < 3; k++) {
        await once(i);
      }
    }),
  );
  const latencies: number[] = [];
  const node0 = cpuSeconds(process.pid);
  const db0 = DB_PID ? cpuSeconds(DB_PID) : 0;
  const start = process.hrtime.bigint();
  const end = Date.now() + durationMs;
  await Promise.all(
    [...Array(clients).keys()].map(async (i) => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        await once(i);
        latencies.push(ms(process.hrtime.bigint() - t));
      }
    }),
  );
  const wall = ms(process.hrtime.bigint() - start) / 1000;
  const n = latencies.length;
  const run: Run = {
    label,
    clients,
    n,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    nodeUs: ((cpuSeconds(process.pid) - node0) * 1e6) / n,
    dbUs: DB_PID ? ((cpuSeconds(DB_PID) - db0) * 1e6) / n : NaN,
    perSecond: n / wall,
  };
  if (print) {
    console.log(lineOf(run));
  }
  return run;
}

const lineOf = (run: Run) =>
  `| ${run.label} | ${run.clients} | ${run.n} | ${f(run.p50)} / ${f(run.p99)} | ${f(run.perSecond)} | ${f(run.nodeUs)} | ${f(run.dbUs)} |`;

const RUN_HEAD =
  '| what | clients | requests | p50 / p99 ms | per s | this process CPU µs / request | mariadbd CPU µs / request |\n|---|---|---|---|---|---|---|';

async function time<T>(
  work: () => T | Promise<T>,
  times = 5,
): Promise<{ median: number; value: T }> {
  const all: number[] = [];
  let value!: T;
  for (let i = 0; i < times; i++) {
    const t = process.hrtime.bigint();
    value = await work();
    all.push(ms(process.hrtime.bigint() - t));
    if (all[0] > 2000) {
      break; // slow: once is enough
    }
  }
  return { median: percentile(all, 50), value };
}

// ---------------------------------------------------------------- ANALYZE

interface TableLine {
  table: string;
  access: string;
  key?: string;
  rows: number;
  loops: number;
  pages?: number;
  ms?: number;
}

function tablesOf(node: unknown, out: TableLine[] = []): TableLine[] {
  if (Array.isArray(node)) {
    node.forEach((n) => tablesOf(n, out));
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.table && typeof o.table === 'object' && 'table_name' in o.table) {
      const t = o.table as Record<string, unknown>;
      const stats = t.r_engine_stats as Record<string, number> | undefined;
      out.push({
        table: String(t.table_name),
        access: String(t.access_type),
        key: t.key as string | undefined,
        rows: Number(t.r_rows ?? 0),
        loops: Number(t.r_loops ?? 0),
        pages: stats?.pages_accessed,
        ms: t.r_table_time_ms as number | undefined,
      });
    }
    for (const [k, v] of Object.entries(o)) {
      if (k !== 'table' || typeof v !== 'object') {
        tablesOf(v, out);
      }
      if (k === 'table') {
        tablesOf((v as Record<string, unknown>)['materialized'] ?? {}, out);
      }
    }
  }
  return out;
}

const shortSql = (sql: string) =>
  sql
    .replace(/IN \((\?, ){8,}\?\)/g, (m) => `IN (<${m.split('?').length - 1} values>)`)
    .replace(/epoch IN \((\d+, )+\d+\)/g, 'epoch IN (0..n)');

async function analyze(q: Query, label: string, s: SqlStatement) {
  const runs: number[] = [];
  let tables: TableLine[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) {
    const [out] = await q<{ ANALYZE: string }>(`ANALYZE FORMAT=JSON ${s.sql}`, s.params);
    const plan = JSON.parse(String(Object.values(out)[0])) as {
      query_block: { r_total_time_ms?: number };
    };
    runs.push(Number(plan.query_block.r_total_time_ms ?? NaN));
    tables = tablesOf(plan.query_block);
  }
  rows = (await q(s.sql, s.params)).length;
  console.log(`\n**${label}** (${rows} rows; median of 5: ${f(percentile(runs, 50), 2)} ms)\n`);
  console.log('```sql\n' + shortSql(s.sql) + '\n```\n');
  console.log(
    '| table | access | key | r_rows | r_loops | pages accessed | time ms |\n|---|---|---|---|---|---|---|',
  );
  for (const t of tables) {
    console.log(
      `| ${t.table} | ${t.access} | ${t.key ?? ''} | ${f(t.rows)} | ${t.loops} | ${t.pages ?? ''} | ${t.ms === undefined ? '' : f(t.ms, 2)} |`,
    );
  }
}

async function partAnalyze(q: Query) {
  console.log("\n## Today's statements, each alone (ANALYZE FORMAT=JSON), Lyon & rating 3\n");
  const record: SqlStatement[] = [];
  const total = await today(q, { city: 'Lyon', rating: 3 }, record);
  console.log(`matches: ${total}; statements: ${record.length}`);
  const names = [
    'state (MAX(seq), dead flag)',
    'matching seqs (pre-read)',
    'page ids',
    'page documents',
  ];
  for (const [i, s] of record.entries()) {
    const sql = s.sql.includes('LIMIT ?') ? s.sql : s.sql;
    await analyze(q, names[i] ?? `statement ${i}`, { sql, params: s.params });
  }
}

// ---------------------------------------------------------------- plain SQL variants

async function partPlain(q: Query) {
  const c = { city: 'Lyon', rating: 3 };
  const [ka, kb] = tokensOf(c);
  const [{ seq }] = await q<{ seq: number }>('SELECT MAX(seq) AS seq FROM customer');
  const epochs = [...Array((Number(seq) >> EPOCH_BITS) + 1).keys()].join(', ');
  const is = (a: string, k: Key) => `${a}.token = ${k.token} AND ${a}.v = ${k.v}`;
  const rowsOf = (a: string, k: Key) => `${a}.epoch IN (${epochs}) AND ${is(a, k)}`;
  console.log(
    '\n## Plain-SQL variants of the intersection (Lyon & rating 3), each alone, median of 5\n',
  );
  const join = (d: Key, p: Key, hint = '') =>
    `SELECT ${hint}DISTINCT a.seq FROM customer_token a JOIN customer_token b ON b.epoch = a.epoch AND b.seq = a.seq AND ${is('b', p)} WHERE ${rowsOf('a', d)}`;
  const cap = 'SET STATEMENT max_statement_time = 10';
  const variants: [string, string][] = [
    [
      "COUNT(*) of the city's rows (no transfer)",
      `SELECT COUNT(*) FROM customer_token a WHERE ${rowsOf('a', ka)}`,
    ],
    [
      "COUNT(*) of the rating's rows (no transfer)",
      `SELECT COUNT(*) FROM customer_token a WHERE ${rowsOf('a', kb)}`,
    ],
    ["the city's seqs sent", `SELECT a.seq FROM customer_token a WHERE ${rowsOf('a', ka)}`],
    ["the rating's seqs sent", `SELECT a.seq FROM customer_token a WHERE ${rowsOf('a', kb)}`],
    ["join, the optimizer's order (today's pre-read, no dead test)", join(ka, kb)],
    ['STRAIGHT_JOIN from the city', join(ka, kb, 'STRAIGHT_JOIN ')],
    ['STRAIGHT_JOIN from the rating', join(kb, ka, 'STRAIGHT_JOIN ')],
    ['hash join (join_cache_level = 4, BNLH)', `${cap}, join_cache_level = 4 FOR ${join(ka, kb)}`],
    [
      'semi-join (epoch, seq) IN (rating), materialization only',
      `${cap}, optimizer_switch = 'materialization=on,firstmatch=off,loosescan=off' FOR SELECT a.seq FROM customer_token a WHERE ${rowsOf('a', ka)} AND (a.epoch, a.seq) IN (SELECT b.epoch, b.seq FROM customer_token b WHERE ${rowsOf('b', kb)})`,
    ],
    [
      "derived table of the city's seqs joined to the rating",
      `SELECT d.seq FROM (SELECT a.epoch, a.seq FROM customer_token a WHERE ${rowsOf('a', ka)} GROUP BY a.epoch, a.seq) d JOIN customer_token b ON b.epoch = d.epoch AND ${is('b', kb)} AND b.seq = d.seq`,
    ],
  ];
  for (const [label, sql] of variants) {
    try {
      const { median, value } = await time(() => q(sql));
      const n =
        value.length === 1 && 'COUNT(*)' in (value[0] as object)
          ? (value[0] as Record<string, number>)['COUNT(*)']
          : value.length;
      console.log(`- ${label}: ${f(median, 2)} ms (${n})`);
    } catch (e) {
      console.log(`- ${label}: stopped after 10 s (${(e as Error).message.slice(0, 60)})`);
    }
  }
  // Per-epoch GROUP_CONCAT of both keys, merged here.
  await q('SET SESSION group_concat_max_len = 4194304');
  const { median, value } = await time(async () => {
    const rows = await q<{ token: number; epoch: number; seqs: string }>(
      `SELECT token, epoch, GROUP_CONCAT(seq ORDER BY seq) AS seqs FROM customer_token WHERE epoch IN (${epochs}) AND ((token = ? AND v = ?) OR (token = ? AND v = ?)) GROUP BY epoch, token`,
      [ka.token, ka.v, kb.token, kb.v],
    );
    const byEpoch = new Map<number, Set<number>>();
    const found = new Set<number>();
    for (const r of rows) {
      const list = String(r.seqs).split(',').map(Number);
      const seen = byEpoch.get(r.epoch);
      if (!seen) {
        byEpoch.set(r.epoch, new Set(list));
      } else {
        for (const s of list) {
          if (seen.has(s)) {
            found.add(s);
          }
        }
      }
    }
    return found;
  });
  console.log(
    `- GROUP_CONCAT per epoch of both keys, merged in Node: ${f(median, 2)} ms (${value.size})`,
  );
}

// ---------------------------------------------------------------- reads end to end

async function prepareScratch(q: Query) {
  await q(`DROP DATABASE IF EXISTS ${SCRATCH}`);
  await q(`CREATE DATABASE ${SCRATCH}`);
  await q(
    `CREATE TABLE ${SCRATCH}.epoch_version (epoch INT UNSIGNED NOT NULL PRIMARY KEY, n BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB`,
  );
  await q(
    `CREATE TABLE ${SCRATCH}.token_bitmap (token BIGINT NOT NULL, v BIGINT UNSIGNED NOT NULL, epoch INT UNSIGNED NOT NULL, pos SMALLINT UNSIGNED NOT NULL DEFAULT 0, bits BLOB NOT NULL, PRIMARY KEY (token, v, epoch)) ENGINE=InnoDB`,
  );
}

let keptHow = '';
/**
 * The kept keys (`customer_token_count`: >= 1,000 customers when its migration ran) with their
 * customers per epoch; when the database has none (its migration ran before the seed), the keys
 * with >= 1,000 / epochs customers in one full epoch (the migration's own first test), counted there.
 */
async function keptKeys(q: Query, epochs: number): Promise<Map<string, number>> {
  const rows = await q<{ token: number | string; v: number | string; n: number | string }>(
    `SELECT token, v, SUM(n) AS n FROM ${DATABASE}.customer_token_count GROUP BY token, v`,
  );
  if (rows.length > 0) {
    keptHow = 'customer_token_count';
    return new Map(rows.map((r) => [`${r.token}:${r.v}`, Number(r.n) / epochs]));
  }
  const sample = Math.floor(epochs / 2);
  const found = await q<{ token: number | string; v: number | string; n: number | string }>(
    `SELECT token, v, COUNT(*) AS n FROM ${DATABASE}.customer_token WHERE epoch = ? AND rep = 0 GROUP BY token, v HAVING n >= ?`,
    [sample, Math.ceil(1000 / epochs)],
  );
  keptHow = `none kept in this database: keys with >= ${Math.ceil(1000 / epochs)} customers in epoch ${sample}`;
  return new Map(found.map((r) => [`${r.token}:${r.v}`, Number(r.n)]));
}

async function partReads(q: Query) {
  const [{ seq }] = await q<{ seq: number }>('SELECT MAX(seq) AS seq FROM customer');
  const epochs = (Number(seq) >> EPOCH_BITS) + 1;
  await q(
    `INSERT INTO ${SCRATCH}.epoch_version (epoch, n) VALUES ${[...Array(epochs).keys()].map((e) => `(${e}, 1)`).join(', ')}`,
  );
  console.log('\n## Bitmaps: building one key, the AND, memory\n');
  const cache = new BitmapCache();
  const tokens = new Map<string, Key>();
  for (const c of combos) {
    const [ta, tb] = tokensOf(c);
    tokens.set(`city=${c.city}`, ta);
    tokens.set(`rating=${c.rating}`, tb);
  }
  for (const [label, token] of tokens) {
    const t = process.hrtime.bigint();
    const m = await cache.build(q, token, epochs);
    const built = ms(process.hrtime.bigint() - t);
    const bits = m.epochs.reduce((s, w) => s + (w ? countAnd([w], [w]) : 0), 0);
    if (label === 'city=Lyon' || label === 'rating=3') {
      console.log(
        `- build ${label}: ${f(built, 1)} ms, ${bits} customers, ${m.epochs.filter(Boolean).length} epochs × 2 KB`,
      );
    }
  }
  const lyon = cache.keys.get(keyName(tokens.get('city=Lyon')!))!;
  const r3 = cache.keys.get(keyName(tokens.get('rating=3')!))!;
  const and = await time(() => countAnd(lyon.epochs, r3.epochs), 21);
  const list = await time(() => intersect(lyon.epochs, r3.epochs), 21);
  console.log(
    `- AND + popcount over ${epochs} epochs: ${f(and.median * 1000, 0)} µs (${and.value}); AND to a seq list: ${f(list.median * 1000, 0)} µs`,
  );
  // The kept keys' memory if every one had bitmaps: dense epochs 2 KB, sparse ones a 2-byte list.
  const kept = await keptKeys(q, epochs);
  let dense = 0;
  let adaptive = 0;
  for (const perEpoch of kept.values()) {
    dense += epochs * 2048;
    adaptive += epochs * Math.min(2048, 2 * perEpoch);
  }
  console.log(
    `- ${kept.size} kept keys (${keptHow}): ${f(dense / 2 ** 20, 0)} MB as 2 KB bitmaps in every epoch; ~${f(adaptive / 2 ** 20, 0)} MB with 2-byte lists for sparse epochs (spread evenly)`,
  );

  // BLOB rows of the 13 keys.
  for (const key of tokens.values()) {
    const m = cache.keys.get(keyName(key))!;
    for (let e = 0; e < epochs; e++) {
      const w = m.epochs[e] ?? new Uint32Array(WORDS);
      await q(`INSERT INTO ${SCRATCH}.token_bitmap (token, v, epoch, bits) VALUES (?, ?, ?, ?)`, [
        key.token,
        key.v,
        e,
        Buffer.from(w.buffer),
      ]);
    }
  }

  let same = 0;
  for (const k of combos) {
    const [ka, kb] = tokensOf(k);
    const ma = cache.keys.get(keyName(ka))!;
    const mb = cache.keys.get(keyName(kb))!;
    const cands = intersect(ma.epochs, mb.epochs);
    const sorted = await pageFromSeqs(q, k, cands, Number(seq), false);
    const prefix = await pageByPrefix(q, k, cands, Number(seq), ma, mb);
    same += sorted.join() === prefix.join() ? 1 : 0;
  }
  console.log(
    `- the page by the first candidates equals the sorted page: ${same} of ${combos.length} pairs`,
  );

  console.log('\n## Steps of one request, single client (median of 9, Lyon & rating 3)\n');
  const c = { city: 'Lyon', rating: 3 };
  const steps: [string, () => Promise<unknown>][] = [
    ['today: whole request', () => today(q, c)],
    ['state + 62 epoch counters', () => bitmapState(q)],
    [
      `hot epochs (${HOT_EPOCHS}) of both keys read again`,
      async () => {
        const e = [...Array(HOT_EPOCHS).keys()].map((i) => epochs - 1 - i).filter((x) => x >= 0);
        await readKey(q, tokens.get('city=Lyon')!, e);
        await readKey(q, tokens.get('rating=3')!, e);
      },
    ],
    ['dead table read', () => q('SELECT seq FROM customer_token_dead')],
    [
      'liveness via customer: COUNT(*) WHERE seq IN (candidates)',
      async () => {
        const seqs = intersect(lyon.epochs, r3.epochs);
        await q(`SELECT COUNT(*) FROM customer WHERE seq IN (${seqs.join(', ')})`);
      },
    ],
    [
      "page from candidates (today's page statements)",
      () => pageFromSeqs(q, c, intersect(lyon.epochs, r3.epochs), Number(seq), false),
    ],
    ['page by walking (id, seq) in id order', () => pageByWalk(q, lyon, r3)],
    [
      'BLOB rows of both keys read',
      () =>
        q(
          `SELECT token, epoch, bits FROM ${SCRATCH}.token_bitmap WHERE (token = ? AND v = ?) OR (token = ? AND v = ?)`,
          [
            tokens.get('city=Lyon')!.token,
            tokens.get('city=Lyon')!.v,
            tokens.get('rating=3')!.token,
            tokens.get('rating=3')!.v,
          ],
        ),
    ],
    ['bitmaps: whole request (page from candidates)', () => bitmapRequest(q, cache, c)],
    ['bitmaps: whole request (page by walk)', () => bitmapRequest(q, cache, c, 'node')],
    [
      "page by the first 40 candidates' ids and the range below the 20th",
      () => pageByPrefix(q, c, intersect(lyon.epochs, r3.epochs), Number(seq), lyon, r3),
    ],
    [
      'bitmaps: whole request (page by the first candidates)',
      () => bitmapRequest(q, cache, c, 'prefix'),
    ],
    [
      'bitmaps: whole request (page by bounded walk in MariaDB)',
      () => bitmapRequest(q, cache, c, 'sql'),
    ],
    ['BLOB bitmaps: whole request', () => blobRequest(q, c)],
  ];
  for (const [label, work] of steps) {
    const { median } = await time(work, 9);
    console.log(`- ${label}: ${f(median, 2)} ms`);
  }

  console.log('\n## End to end, random city & rating (as the bench class)\n');
  console.log(RUN_HEAD);
  const pick = () => combos[rand(combos.length)];
  for (const clients of [1, CLIENTS]) {
    await measure('today: pre-read of the matching seqs, page by seq IN', clients, () =>
      today(q, pick()),
    );
    await measure("today's pre-read, page by the bounded walk", clients, () =>
      todayWalk(q, pick()),
    );
    await measure('bitmaps in memory, page by seq IN', clients, () =>
      bitmapRequest(q, cache, pick()),
    );
    await measure('bitmaps in memory, page by the bounded walk', clients, () =>
      bitmapRequest(q, cache, pick(), 'sql'),
    );
    await measure("bitmaps in memory, page by the first candidates' ids", clients, () =>
      bitmapRequest(q, cache, pick(), 'prefix'),
    );
    await measure('bitmaps in memory, page by a walk tested here', clients, () =>
      bitmapRequest(q, cache, pick(), 'node'),
    );
    await measure('BLOB bitmaps, page by seq IN', clients, () => blobRequest(q, pick()));
    await measure('BLOB bitmaps, page by the bounded walk', clients, () =>
      blobRequest(q, pick(), true),
    );
  }
  console.log(`\nbounded walks that fell back to the sorted page: ${fallbacks}`);
}

// ---------------------------------------------------------------- writes

async function partWrites(q: Query) {
  console.log(
    '\n## A POST-shaped transaction at concurrent writers (scratch tables, newest epoch)\n',
  );
  const s = SCRATCH;
  await q(
    `CREATE TABLE ${s}.w_customer (id CHAR(36) NOT NULL PRIMARY KEY, seq INT UNSIGNED NOT NULL AUTO_INCREMENT, version INT NOT NULL, document LONGTEXT NOT NULL, UNIQUE KEY (seq)) ENGINE=InnoDB AUTO_INCREMENT=1000001`,
  );
  await q(
    `CREATE TABLE ${s}.w_token (epoch INT UNSIGNED NOT NULL, token BIGINT NOT NULL, v BIGINT UNSIGNED NOT NULL, seq INT UNSIGNED NOT NULL, slot MEDIUMINT UNSIGNED NOT NULL, rep TINYINT UNSIGNED NOT NULL DEFAULT 0, PRIMARY KEY (epoch, token, v, seq, slot)) ENGINE=InnoDB`,
  );
  await q(
    `CREATE TABLE ${s}.w_count (shard TINYINT UNSIGNED NOT NULL PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB`,
  );
  await q(
    `INSERT INTO ${s}.w_count VALUES ${[...Array(16).keys()].map((i) => `(${i}, 0)`).join(', ')}`,
  );
  await q(
    `CREATE TABLE ${s}.w_version (epoch INT UNSIGNED NOT NULL PRIMARY KEY, n BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB`,
  );
  await q(
    `CREATE TABLE ${s}.w_version16 (epoch INT UNSIGNED NOT NULL, shard TINYINT UNSIGNED NOT NULL, n BIGINT UNSIGNED NOT NULL, PRIMARY KEY (epoch, shard)) ENGINE=InnoDB`,
  );
  await q(
    `CREATE TABLE ${s}.w_bitmap (epoch INT UNSIGNED NOT NULL, token BIGINT NOT NULL, v BIGINT UNSIGNED NOT NULL, pos SMALLINT UNSIGNED NOT NULL, bits BLOB NOT NULL, PRIMARY KEY (epoch, token, v)) ENGINE=InnoDB`,
  );
  // Kept keys: those of the seeded database (>= 1,000 customers at its migration).
  const [{ seq }] = await q<{ seq: number }>(`SELECT MAX(seq) AS seq FROM ${DATABASE}.customer`);
  const kept = await keptKeys(q, (Number(seq) >> EPOCH_BITS) + 1);
  let next = 0;
  const docs = [...Array(2000).keys()].map((i) => {
    const doc = { ...realisticCustomer(5_000_000 + i), id: `probe-${i}` };
    const rows = extractMysqlTokenRows(doc, customerSqlStorage);
    return { doc: JSON.stringify(doc), rows };
  });
  const keptPerPost =
    docs.reduce(
      (sum, d) => sum + d.rows.filter((r) => r.rep === 0 && kept.has(`${r.token}:${r.v}`)).length,
      0,
    ) / docs.length;
  const rowsPerPost = docs.reduce((sum, d) => sum + d.rows.length, 0) / docs.length;
  console.log(
    `${f(rowsPerPost)} token rows per POST, ${f(keptPerPost)} of them kept keys (${kept.size} kept keys; ${keptHow})\n`,
  );

  const url = new URL(URL_);
  const pool = createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: s,
    connectionLimit: CLIENTS,
    supportBigNumbers: true,
  });
  type Extra = 'none' | 'counter' | 'counter16' | 'counter-old' | 'blob';
  let round = 0;
  const post = async (extra: Extra) => {
    const i = next++;
    const d = docs[i % docs.length];
    const conn = await pool.getConnection();
    try {
      await conn.query('BEGIN');
      const id = `p${round}-${i}`;
      const [res] = await conn.query(
        'INSERT INTO w_customer (id, version, document) VALUES (?, 1, ?)',
        [id, d.doc],
      );
      const seq = (res as { insertId: number }).insertId;
      const epoch = seq >> EPOCH_BITS;
      await conn.query(
        `INSERT INTO w_token (epoch, token, v, seq, slot, rep) VALUES ${d.rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        d.rows.flatMap((r) => [epoch, r.token, r.v, seq, r.slot, r.rep]),
      );
      if (extra === 'blob') {
        const keys = d.rows
          .filter((r) => r.rep === 0 && kept.has(`${r.token}:${r.v}`))
          .sort((a, b) => a.token - b.token || (BigInt(a.v) < BigInt(b.v) ? -1 : 1));
        if (keys.length > 0) {
          const pos = seq & (EPOCH_SIZE - 1);
          const fresh = Buffer.alloc(2048);
          fresh[pos >> 3] |= 1 << (pos & 7);
          await conn.query(
            `INSERT INTO w_bitmap (epoch, token, v, pos, bits) VALUES ${keys.map(() => '(?, ?, ?, ?, ?)').join(', ')} ` +
              'ON DUPLICATE KEY UPDATE bits = CONCAT(LEFT(bits, VALUES(pos) >> 3), ' +
              'CHAR(ASCII(SUBSTRING(bits, (VALUES(pos) >> 3) + 1, 1)) | (1 << (VALUES(pos) & 7)) USING binary), ' +
              'SUBSTRING(bits, (VALUES(pos) >> 3) + 2))',
            keys.flatMap((r) => [epoch, r.token, r.v, pos, fresh]),
          );
        }
      }
      await conn.query('UPDATE w_count SET n = n + 1 WHERE shard = ?', [rand(16)]);
      if (extra === 'counter') {
        await conn.query(
          'INSERT INTO w_version (epoch, n) VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1',
          [epoch],
        );
      } else if (extra === 'counter-old') {
        // A PATCH's: the counter of the customer's own epoch, any of them.
        await conn.query(
          'INSERT INTO w_version (epoch, n) VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1',
          [rand(epoch)],
        );
      } else if (extra === 'counter16') {
        await conn.query(
          'INSERT INTO w_version16 (epoch, shard, n) VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE n = n + 1',
          [epoch, rand(16)],
        );
      }
      await conn.query('COMMIT');
    } catch (e) {
      await conn.query('ROLLBACK');
      throw e;
    } finally {
      conn.release();
    }
  };
  console.log(RUN_HEAD.replace(' |\n|', ' | row lock waits / request |\n|') + '---|');
  const lockWaits = async () =>
    Number(
      (await q<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_waits'"))[0].Value,
    );
  for (const r of [0, 1, 2]) {
    round = r;
    for (const extra of ['none', 'counter', 'counter16', 'counter-old', 'blob'] as Extra[]) {
      const before = await lockWaits();
      const run = await measure(
        `POST-shaped + ${extra}`,
        CLIENTS,
        () => post(extra),
        WRITE_MS,
        false,
      );
      const waits = (await lockWaits()) - before;
      console.log(`${lineOf(run)} ${f(waits / run.n, 3)} |`);
    }
  }
  const [waits] = await q<{ Variable_name: string; Value: string }>(
    "SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_waits'",
  );
  console.log(`\nInnodb_row_lock_waits (server total): ${waits.Value}`);
  await pool.end();
}

async function main() {
  const url = new URL(URL_);
  const pool = createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: DATABASE,
    connectionLimit: CLIENTS,
    supportBigNumbers: true,
    multipleStatements: false,
  });
  const q = queryOn(pool);
  console.log(
    `# intersection-probe ${new Date().toISOString()}, ${DATABASE}, mariadbd pid ${DB_PID || 'unknown'}, ${DURATION_MS / 1000} s per run`,
  );
  try {
    await prepareScratch(q);
    if (PARTS.includes('analyze')) {
      await partAnalyze(q);
    }
    if (PARTS.includes('plain')) {
      await partPlain(q);
    }
    if (PARTS.includes('reads')) {
      await partReads(q);
    }
    if (PARTS.includes('writes')) {
      await partWrites(q);
    }
  } finally {
    await q(`DROP DATABASE IF EXISTS ${SCRATCH}`);
    await pool.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
