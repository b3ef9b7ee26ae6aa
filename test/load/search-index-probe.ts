/**
 * Standalone probe of candidate search-index layouts (not the product's code path): inserts
 * realistic customers with their index in group-commit transactions and reports the CPU per
 * customer, then times a few lookups. Used to choose the index design (docs/adr/0006).
 *
 *   npx ts-node --transpile-only test/load/search-index-probe.ts sqlite --n 200000 \
 *     --layout row|element [--ranges none|trie|btree|buckets]
 *   npx ts-node --transpile-only test/load/search-index-probe.ts mysql --n 5000 --preload 100000 \
 *     --layout none|fulltext
 *
 * Tokens are 64-bit hashes of `path \0 value`, one per leaf value. `--layout element` writes one
 * index row per array element (plus one for the top-level leaves), so that the same-element rule
 * is a match inside one row. `--ranges` adds, for every number and date-time: `trie` 10 tokens
 * of the value at 4-bit steps; `buckets` 3 tokens (coarse buckets; edges checked elsewhere);
 * `btree` one row in an ordered (path, value) table.
 */
import { execSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';

import { realisticCustomer } from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';

const ENGINE = process.argv[2] === 'mysql' ? 'mysql' : 'sqlite';
const N = Number(arg('n', ENGINE === 'mysql' ? '5000' : '200000'));
const PRELOAD = Number(arg('preload', '0'));
const LAYOUT = arg('layout', ENGINE === 'mysql' ? 'fulltext' : 'element');
const RANGES = arg('ranges', 'none');
const GROUP = 30;
const FILE = '/tmp/search-index-probe.sqlite';

function hash32(text: string, seed: number): number {
  let x = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    x = Math.imul(x ^ text.charCodeAt(i), 16777619);
  }
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  x = Math.imul(x, 0x297a2d39);
  return (x ^ (x >>> 15)) >>> 0;
}

const token = (key: string) =>
  'k' +
  hash32(key, 0x811c9dc5).toString(36).padStart(7, '0') +
  hash32(key, 0x9747b28c).toString(36).padStart(7, '0');

const DATE = /^\d{4}-\d\d-\d\dT/;

interface Extracted {
  rows: string[][];
  ranges: Array<{ path: string; value: number; slot: number }>;
}

function extract(doc: unknown): Extracted {
  const out: Extracted = { rows: [[]], ranges: [] };
  walk(doc, '', out, 0);
  return out;
}

function walk(value: unknown, path: string, out: Extracted, slot: number): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      // The first array level opens an element row; deeper arrays stay in their element.
      const own = slot === 0 && LAYOUT !== 'row' ? out.rows.push([]) - 1 : slot;
      walk(item, path, out, own);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      walk(child, path ? `${path}.${key}` : key, out, slot);
    }
    return;
  }
  const row = out.rows[slot];
  const numeric =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && DATE.test(value)
        ? Date.parse(value)
        : undefined;
  if (numeric === undefined) {
    row.push(token(`${path}\0${String(value)}`));
    return;
  }
  row.push(token(`${path}\0n${numeric}`));
  if (RANGES === 'trie') {
    let v = Math.floor(numeric);
    for (let level = 1; level < 11; level++) {
      v = Math.floor(v / 16);
      row.push(token(`${path}\0t${level}:${v}`));
    }
  } else if (RANGES === 'buckets') {
    for (const width of [2 ** 24, 2 ** 30, 2 ** 36]) {
      row.push(token(`${path}\0b${width}:${Math.floor(numeric / width)}`));
    }
  } else if (RANGES === 'btree') {
    out.ranges.push({ path, value: numeric, slot });
  }
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function timed<T>(run: () => T): [number, T] {
  const start = process.hrtime.bigint();
  const result = run();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

function probeSqlite(): void {
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(FILE + suffix, { force: true });
  }
  const db = new Database(FILE);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
  db.exec('CREATE TABLE customer (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, document TEXT)');
  db.exec(
    "CREATE VIRTUAL TABLE search USING fts5(t, content='', contentless_delete=1, detail=none)",
  );
  db.exec(
    'CREATE TABLE search_range (path TEXT, v REAL, rid INTEGER, PRIMARY KEY (path, v, rid)) WITHOUT ROWID',
  );
  const insertCustomer = db.prepare('INSERT INTO customer (seq, id, document) VALUES (?, ?, ?)');
  const insertRow = db.prepare('INSERT INTO search (rowid, t) VALUES (?, ?)');
  const insertRange = db.prepare('INSERT INTO search_range VALUES (?, ?, ?)');
  let tokens = 0;
  let rows = 0;
  const load = (from: number, to: number, index: boolean) => {
    for (let g = from; g < to; g += GROUP) {
      db.exec('BEGIN');
      for (let i = g; i < Math.min(to, g + GROUP); i++) {
        const doc = realisticCustomer(i);
        insertCustomer.run(i + 1, `id-${i}`, JSON.stringify(doc));
        if (!index) {
          continue;
        }
        const { rows: tokenRows, ranges } = extract(doc);
        tokenRows.forEach((row, slot) => {
          if (row.length > 0) {
            tokens += row.length;
            rows++;
            insertRow.run((i + 1) * 2 ** 20 + slot, row.join(' '));
          }
        });
        for (const r of ranges) {
          insertRange.run(r.path, r.value, (i + 1) * 2 ** 20 + r.slot);
        }
      }
      db.exec('COMMIT');
    }
  };
  let cpu = cpuMicros();
  load(0, N, true);
  const perCustomer = (cpuMicros() - cpu) / N;
  cpu = cpuMicros();
  load(N, N + 20000, true);
  const marginal = (cpuMicros() - cpu) / 20000;
  cpu = cpuMicros();
  load(N + 20000, N + 40000, false);
  const bare = (cpuMicros() - cpu) / 20000;
  process.stdout.write(
    `sqlite layout=${LAYOUT} ranges=${RANGES} n=${N}: ${(tokens / (N + 20000)).toFixed(1)} tokens and ` +
      `${(rows / (N + 20000)).toFixed(1)} rows per customer; CPU per customer ${perCustomer.toFixed(0)} us ` +
      `over the load, ${marginal.toFixed(0)} us for the next 20,000, ${bare.toFixed(0)} us without index\n`,
  );
  const city = token('contactMedium.characteristic.city\0Lyon');
  const segment = token('characteristic.value\0residential');
  const count = db.prepare('SELECT count(*) AS n FROM search WHERE search MATCH ?');
  const page = db.prepare('SELECT rowid FROM search WHERE search MATCH ? LIMIT 20');
  for (const [label, run] of [
    ['count city=Lyon', () => count.get(city)],
    ['page city=Lyon', () => page.all(city).length],
    ['count segment=residential', () => count.get(segment)],
  ] as const) {
    const [ms, result] = timed(run);
    process.stdout.write(`  ${label}: ${ms.toFixed(2)} ms ${JSON.stringify(result)}\n`);
  }
  db.close();
}

async function probeMysql(): Promise<void> {
  const pid = execSync('pidof mariadbd mysqld || true').toString().trim().split(' ')[0];
  const serverCpu = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10000;
  };
  const c = await createConnection({ host: '127.0.0.1', user: 'root', multipleStatements: true });
  await c.query('DROP DATABASE IF EXISTS search_index_probe; CREATE DATABASE search_index_probe');
  await c.query('USE search_index_probe');
  await c.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await c.query(
    'CREATE TABLE customer (seq BIGINT AUTO_INCREMENT PRIMARY KEY, id VARCHAR(36) NOT NULL UNIQUE, name VARCHAR(512), document LONGTEXT NOT NULL, KEY (name))',
  );
  await c.query(
    'CREATE TABLE search (customer_seq BIGINT NOT NULL, slot INT NOT NULL, tokens TEXT NOT NULL, PRIMARY KEY (customer_seq, slot), FULLTEXT KEY (tokens))',
  );
  const indexRows = (seq: number, doc: unknown): unknown[][] =>
    extract(doc)
      .rows.map((row, slot) => [seq, slot, row.join(' ')])
      .filter((row) => row[2] !== '');
  for (let g = 0; g < PRELOAD; g += 500) {
    const customers: unknown[] = [];
    const search: unknown[][] = [];
    for (let i = g; i < g + 500; i++) {
      const doc = realisticCustomer(i);
      customers.push(i + 1, `id-${i}`, doc.name, JSON.stringify(doc));
      search.push(...indexRows(i + 1, doc));
    }
    await c.query(
      `INSERT INTO customer VALUES ${Array(500).fill('(?,?,?,?)').join(',')}`,
      customers,
    );
    if (LAYOUT === 'fulltext') {
      await c.query(`INSERT INTO search VALUES ?`, [search]);
    }
  }
  const server = serverCpu();
  const node = cpuMicros();
  for (let i = PRELOAD; i < PRELOAD + N; i++) {
    const doc = realisticCustomer(i);
    await c.query('START TRANSACTION');
    const [result] = (await c.query('INSERT INTO customer (id, name, document) VALUES (?, ?, ?)', [
      `id-${i}`,
      doc.name,
      JSON.stringify(doc),
    ])) as unknown as [{ insertId: number }];
    if (LAYOUT === 'fulltext') {
      await c.query('INSERT INTO search VALUES ?', [indexRows(result.insertId, doc)]);
    }
    await c.query('COMMIT');
  }
  process.stdout.write(
    `mysql layout=${LAYOUT} preload=${PRELOAD} n=${N}: MariaDB CPU per customer ${((serverCpu() - server) / N).toFixed(0)} us, ` +
      `Node ${((cpuMicros() - node) / N).toFixed(0)} us\n`,
  );
  if (LAYOUT === 'fulltext') {
    const city = `+${token('contactMedium.characteristic.city\0Lyon')}`;
    const segment = `+${token('characteristic.value\0residential')}`;
    const match = 'MATCH(tokens) AGAINST(? IN BOOLEAN MODE)';
    for (const [label, sql, param] of [
      ['count rows city=Lyon', `SELECT COUNT(*) AS n FROM search WHERE ${match}`, city],
      [
        'count customers city=Lyon',
        `SELECT COUNT(DISTINCT customer_seq) AS n FROM search WHERE ${match}`,
        city,
      ],
      [
        'page city=Lyon',
        `SELECT c.id FROM customer c WHERE c.seq IN (SELECT customer_seq FROM search WHERE ${match}) ORDER BY c.seq LIMIT 20`,
        city,
      ],
      [
        'count rows segment=residential',
        `SELECT COUNT(*) AS n FROM search WHERE ${match}`,
        segment,
      ],
    ]) {
      for (const round of ['cold', 'warm']) {
        const start = Date.now();
        const [rows] = (await c.query(sql, [param])) as unknown as [unknown[]];
        process.stdout.write(
          `  ${label} (${round}): ${Date.now() - start} ms ${JSON.stringify(rows[0])}\n`,
        );
      }
    }
  }
  await c.query('DROP DATABASE search_index_probe');
  await c.end();
}

(ENGINE === 'sqlite' ? Promise.resolve(probeSqlite()) : probeMysql()).catch((err: unknown) => {
  process.stderr.write(`probe failed: ${String(err)}\n`);
  process.exit(1);
});
