/**
 * FTS5 merge settings on the writer, against the merger (ADR 0007, "Segment merging"): writes the
 * token rows of realistic customers into a fresh token index (same table options as the app), in
 * groups of 30 customers per transaction as the write groups do, once per setting, and reports the
 * cost per group (median / p99 / max) and the segments it leaves per level. Not the product's code
 * path: the rows and the table are, the HTTP and the documents are not.
 *
 *   ts-node -r tsconfig-paths/register test/load/merge-settings-probe.ts [--customers 60000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { extractTokenRows } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';
import { decodeFts5Structure } from '@server/database/fts5-structure';
import { realisticCustomer } from '@test/fixtures/realistic-customers';

import { arg } from './bench-args';

const CUSTOMERS = Number(arg('customers', '60000'));
const GROUP = 30;
const SETTINGS: { label: string; sql: string[] }[] = [
  { label: 'automerge 4, crisismerge 16 (FTS5 defaults; the app)', sql: [] },
  { label: 'automerge 2', sql: [`('automerge', 2)`] },
  { label: 'automerge 8', sql: [`('automerge', 8)`] },
  { label: 'crisismerge 4', sql: [`('crisismerge', 4)`] },
  { label: 'automerge 2, crisismerge 2', sql: [`('automerge', 2)`, `('crisismerge', 2)`] },
];

const rowsOf = (i: number) =>
  extractTokenRows(realisticCustomer(i), customerSqlStorage).map((r) => ({
    rowid: i * 2 ** 20 + r.slot,
    tokens: r.tokens,
  }));

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

const dir = mkdtempSync(join(tmpdir(), 'merge-probe-'));
try {
  process.stdout.write(
    `${CUSTOMERS.toLocaleString('en')} realistic customers' token rows, ${GROUP} customers per transaction\n\n` +
      '| setting | ms per group: median / p99 / max | total s | segments (per level) | pages |\n|---|---|---|---|---|\n',
  );
  for (const [n, setting] of SETTINGS.entries()) {
    const db = new Database(join(dir, `probe-${n}.sqlite`));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      `CREATE VIRTUAL TABLE customer_search USING fts5(tokens, content='', contentless_delete=1, detail=none, tokenize='ascii')`,
    );
    db.exec(`INSERT INTO customer_search (customer_search, rank) VALUES ('deletemerge', 50)`);
    for (const sql of setting.sql) {
      db.exec(`INSERT INTO customer_search (customer_search, rank) VALUES ${sql}`);
    }
    const insert = db.prepare('INSERT INTO customer_search (rowid, tokens) VALUES (?, ?)');
    const times: number[] = [];
    for (let first = 0; first < CUSTOMERS; first += GROUP) {
      const rows: { rowid: number; tokens: string }[] = [];
      for (let i = first; i < first + GROUP; i++) {
        rows.push(...rowsOf(i));
      }
      const started = performance.now();
      db.transaction(() => {
        for (const r of rows) {
          insert.run(r.rowid, r.tokens);
        }
      })();
      times.push(performance.now() - started);
    }
    const row = db.prepare('SELECT block FROM customer_search_data WHERE id = 10').get() as {
      block: Buffer;
    };
    const s = decodeFts5Structure(row.block);
    const sorted = [...times].sort((a, b) => a - b);
    const total = times.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `| ${setting.label} | ${pct(sorted, 50).toFixed(2)} / ${pct(sorted, 99).toFixed(1)} / ${sorted[sorted.length - 1].toFixed(0)} | ${(total / 1000).toFixed(1)} | ${s.segments} (${s.levels.map((l) => l.segments).join('/')}) | ${s.levels.reduce((a, l) => a + l.pages, 0)} |\n`,
    );
    db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
