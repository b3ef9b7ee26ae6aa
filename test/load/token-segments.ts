/**
 * Prints the segments of a SQLite file's token index (FTS5 `customer_search`), per level, from its
 * structure record; with --watch, every --interval seconds while the file's WAL exists (a server
 * has it open), one line each, until interrupted. Reads only, on a connection of its own.
 *
 *   ts-node -r tsconfig-paths/register test/load/token-segments.ts <file.sqlite>... [--watch] [--interval 2]
 */
import { existsSync } from 'node:fs';

import Database from 'better-sqlite3';

import { decodeFts5Structure } from '@server/database/fts5-structure';

import { arg } from './bench-args';

const FILES = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--interval'));
const WATCH = process.argv.includes('--watch');
const INTERVAL_MS = Number(arg('interval', '2')) * 1000;

function describe(file: string): string | undefined {
  // While watching, only files a server has open (with their WAL): a copy in progress is left alone.
  if (!existsSync(file) || (WATCH && !existsSync(`${file}-wal`))) {
    return undefined;
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT block FROM customer_search_data WHERE id = 10').get() as
      { block: Buffer } | undefined;
    if (!row) {
      return `${file}: no token index`;
    }
    const s = decodeFts5Structure(row.block);
    const pages = s.levels.reduce((sum, l) => sum + l.pages, 0);
    const levels = s.levels
      .map((l, i) =>
        l.segments
          ? `L${i}: ${l.segments} (${l.pages} p${l.merging ? `, ${l.merging} merging` : ''})`
          : '',
      )
      .filter((t) => t)
      .join(', ');
    return `${new Date().toISOString()} ${file}: ${s.segments} segments, ${pages} pages; ${levels}`;
  } finally {
    db.close();
  }
}

function once(): void {
  for (const file of FILES) {
    const line = describe(file);
    if (line) {
      process.stdout.write(`${line}\n`);
    }
  }
}

once();
if (WATCH) {
  setInterval(once, INTERVAL_MS);
}
