/**
 * The merger's passes on a file nothing else writes (ADR 0007, "Segment merging"): FTS5 `merge`
 * passes of --pages pages (usermerge 2), each `BEGIN IMMEDIATE` ... `COMMIT` as the merger runs them,
 * back to back until one changes fewer than 2 rows; prints the segments before and after, the
 * passes, their duration (median / p99 / max) and the total. Changes the file: run it on a copy.
 *
 *   ts-node -r tsconfig-paths/register test/load/merge-passes-probe.ts <copy.sqlite> [--pages 64]
 */
import Database from 'better-sqlite3';

import { decodeFts5Structure } from '@server/database/fts5-structure';

import { arg } from './bench-args';

const FILE = process.argv[2];
const PAGES = Number(arg('pages', '64'));

const db = new Database(FILE);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
const shape = () => {
  const row = db.prepare('SELECT block FROM customer_search_data WHERE id = 10').get() as {
    block: Buffer;
  };
  const s = decodeFts5Structure(row.block);
  return `${s.segments} segments (per level ${s.levels.map((l) => l.segments).join('/')}), ${s.levels.reduce((a, l) => a + l.pages, 0)} pages`;
};
process.stdout.write(`before: ${shape()}\n`);
db.exec(`INSERT INTO customer_search (customer_search, rank) VALUES ('usermerge', 2)`);
const merge = db.prepare(`INSERT INTO customer_search (customer_search, rank) VALUES ('merge', ?)`);
const changes = db.prepare('SELECT total_changes() AS n');
const times: number[] = [];
const started = performance.now();
for (;;) {
  const t = performance.now();
  db.exec('BEGIN IMMEDIATE');
  const before = (changes.get() as { n: number }).n;
  merge.run(PAGES);
  const done = (changes.get() as { n: number }).n - before;
  db.exec('COMMIT');
  times.push(performance.now() - t);
  if (done < 2) {
    break;
  }
}
const total = performance.now() - started;
const sorted = [...times].sort((a, b) => a - b);
const pct = (p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
process.stdout.write(
  `after: ${shape()}\n${times.length} passes of ${PAGES} pages, ms per pass median ${pct(50).toFixed(1)} / p99 ${pct(99).toFixed(0)} / max ${sorted[sorted.length - 1].toFixed(0)}, ${(total / 1000).toFixed(1)} s in all\n`,
);
db.close();
