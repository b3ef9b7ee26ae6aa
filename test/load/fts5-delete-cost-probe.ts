/**
 * What FTS5's contentless delete costs a SQLite DELETE, by the shape of the token rows: the bench's
 * customers (`npm run bench`'s fixture) turned into their token rows by the product's extraction,
 * inserted in groups into a fresh FTS5 table of the product's settings (one file per variant, as
 * automerge leaves it), then a shuffled half of them deleted in groups (one `DELETE … WHERE rowid IN`
 * and COMMIT per group, as a write group does), the variants in turn per group. Prints the writing
 * thread's CPU per deleted customer and the WAL frames each group appended (automatic checkpoints
 * off). Not the product's code path: a probe.
 *
 *   ts-node -r tsconfig-paths/register test/load/fts5-delete-cost-probe.ts [--customers 60000]
 *     [--group 30] [--deletes 12000] [--dir /tmp]
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { TokenRow, tokenRowId } from '@app/tmf-query';

import { arg } from './bench-args';
import {
  customerTokenRows,
  openProbeTable,
  productTableDdl,
  threadCpuUs,
  writeRows,
} from './fts5-probe-table';

const CUSTOMERS = Number(arg('customers', '60000'));
const GROUP = Number(arg('group', '30'));
const DELETES = Number(arg('deletes', '12000'));
const DIR = arg('dir', '/tmp');
const INSERT_GROUP = 34;
const WAL_FRAME = 4096 + 24;

interface Variant {
  /** The rows stored for a customer's rows as the product extracts them. */
  rows(rows: TokenRow[]): TokenRow[];
  /** FTS5 settings beside the product's. */
  settings?: string[];
  /**
   * A contentless table without `contentless_delete` (nor its `docsize` rows: `columnsize=0`),
   * whose rows are deleted by FTS5's `delete` command with the tokens they were inserted with.
   */
  deleteWithTokens?: boolean;
}

const VARIANTS: Record<string, Variant> = {
  'as today': { rows: (rows) => rows },
  'all tokens in one row': {
    rows: (rows) => [{ slot: 0, tokens: rows.map((row) => row.tokens).join(' ') }],
  },
  'as today, pgsz 1000': { rows: (rows) => rows, settings: ['pgsz', '1000'] },
  "rows as today, deleted by FTS5's 'delete' command with their tokens": {
    rows: (rows) => rows,
    deleteWithTokens: true,
  },
};

function openTable(file: string, variant: Variant): Database.Database {
  const ddl = productTableDdl();
  const db = openProbeTable(
    file,
    variant.deleteWithTokens ? ddl.replace('contentless_delete=1', 'columnsize=0') : ddl,
  );
  if (!variant.deleteWithTokens) {
    // As the product's migration sets it (CustomerSearchDeleteMerge1795980000000).
    db.exec("INSERT INTO s (s, rank) VALUES ('deletemerge', 50)");
  }
  const settings = variant.settings ?? [];
  for (let i = 0; i < settings.length; i += 2) {
    // FTS5 takes its configuration as literals only.
    db.exec(`INSERT INTO s (s, rank) VALUES ('${settings[i]}', ${Number(settings[i + 1])})`);
  }
  return db;
}

/** A deterministic shuffle (the same deletes in every variant). */
function shuffled(n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i + 1);
  let state = 20261206;
  for (let i = n - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function main(): void {
  const names = Object.keys(VARIANTS);
  const files = names.map((_, v) => join(DIR, `fts5-delete-cost-${v}.sqlite`));
  const dbs = names.map((name, v) => openTable(files[v], VARIANTS[name]));
  // Each variant's rows per customer (seq = customer number + 1): row id and tokens.
  const rowIds = names.map(() => new Map<number, [number, string][]>());
  const insertCpu = names.map(() => 0);
  for (let from = 0; from < CUSTOMERS; from += INSERT_GROUP) {
    const count = Math.min(INSERT_GROUP, CUSTOMERS - from);
    const extracted = customerTokenRows(from, count);
    names.forEach((name, v) => {
      const rows: [number, string][] = [];
      extracted.forEach((customerRows, k) => {
        const seq = from + k + 1;
        const own: [number, string][] = VARIANTS[name]
          .rows(customerRows)
          .map((row) => [tokenRowId(seq, row.slot), row.tokens]);
        rows.push(...own);
        rowIds[v].set(seq, own);
      });
      insertCpu[v] += writeRows(dbs[v], rows);
    });
  }
  for (const db of dbs) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
  }
  const order = shuffled(CUSTOMERS).slice(0, DELETES);
  const deleteCpu = names.map(() => 0);
  const walBytes = names.map(() => 0);
  const rowsDeleted = names.map(() => 0);
  const slowest = names.map(() => 0);
  for (let at = 0; at < order.length; at += GROUP) {
    const seqs = order.slice(at, at + GROUP);
    names.forEach((name, v) => {
      const rows = seqs.flatMap((seq) => rowIds[v].get(seq)!);
      rowsDeleted[v] += rows.length;
      const byTokens = VARIANTS[name].deleteWithTokens;
      const statement = dbs[v].prepare(
        byTokens
          ? `INSERT INTO s (s, rowid, tokens) VALUES ${rows.map(() => "('delete', ?, ?)").join(', ')}`
          : `DELETE FROM s WHERE rowid IN (${rows.map(() => '?').join(', ')})`,
      );
      const ids = byTokens ? rows.flat() : rows.map(([id]) => id);
      const walBefore = statSync(`${files[v]}-wal`).size;
      const before = process.threadCpuUsage();
      dbs[v].exec('BEGIN');
      statement.run(ids);
      dbs[v].exec('COMMIT');
      const spent = threadCpuUs(before);
      deleteCpu[v] += spent;
      slowest[v] = Math.max(slowest[v], spent);
      walBytes[v] += statSync(`${files[v]}-wal`).size - walBefore;
      if (statSync(`${files[v]}-wal`).size > 512 * 1024 * 1024) {
        dbs[v].pragma('wal_checkpoint(TRUNCATE)');
      }
    });
  }
  console.log(
    `${CUSTOMERS} customers inserted in groups of ${INSERT_GROUP}, ${order.length} deleted (shuffled) in groups of ${GROUP}`,
  );
  console.log(
    '| variant | rows per customer | insert CPU per customer | delete CPU per customer | per row | WAL frames per deleted customer | slowest group |',
  );
  console.log('|---|---|---|---|---|---|---|');
  names.forEach((name, v) => {
    const perCustomer = deleteCpu[v] / order.length;
    console.log(
      `| ${name} | ${(rowsDeleted[v] / order.length).toFixed(1)} | ${(insertCpu[v] / CUSTOMERS).toFixed(1)} µs | ` +
        `${perCustomer.toFixed(1)} µs | ${(deleteCpu[v] / rowsDeleted[v]).toFixed(1)} µs | ` +
        `${(walBytes[v] / WAL_FRAME / order.length).toFixed(2)} | ${(slowest[v] / 1000).toFixed(1)} ms |`,
    );
    dbs[v].close();
  });
}

main();
