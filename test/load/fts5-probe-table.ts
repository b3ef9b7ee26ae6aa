/**
 * What the FTS5 probes (`fts5-row-cost-probe.ts`, `fts5-delete-cost-probe.ts`,
 * `fts5-one-row-probe.ts`) share: a fresh file holding the product's token table (its own DDL,
 * `tokenIndexDdl`, under the name `s`), the bench's customers turned into their token rows by the
 * product's extraction, a group of rows written as a write group writes them, and the thread's CPU.
 */
import { rmSync } from 'node:fs';

import Database from 'better-sqlite3';

import { extractTokenRows, TokenRow, tokenIndexDdl } from '@app/tmf-query';
import { customerSqlStorage } from '@server/customer/customer.storage';

import { fixture } from './customer-requests';

/** The product's FTS5 token table, named `s`. */
export function productTableDdl(): string {
  return tokenIndexDdl(customerSqlStorage)[0].replace(
    /^CREATE VIRTUAL TABLE \S+ /,
    'CREATE VIRTUAL TABLE s ',
  );
}

/** A new database file (any earlier one, its WAL and shared memory removed) holding table `s`. */
export function openProbeTable(file: string, ddl = productTableDdl()): Database.Database {
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(ddl);
  return db;
}

/** The token rows of the bench's customers `from` to `from + count - 1` (ids `c<i>`). */
export function customerTokenRows(from: number, count: number): TokenRow[][] {
  return Array.from({ length: count }, (_, k) =>
    extractTokenRows({ id: `c${from + k}`, ...fixture.makeCustomer(from + k) }, customerSqlStorage),
  );
}

/**
 * Writes `rows` (row id, tokens) into `s` as a write group does, one multi-row INSERT and COMMIT;
 * the thread's CPU of the transaction, µs (the statement's preparation left out).
 */
export function writeRows(db: Database.Database, rows: readonly [number, string][]): number {
  const insert = db.prepare(
    `INSERT INTO s (rowid, tokens) VALUES ${rows.map(() => '(?, ?)').join(', ')}`,
  );
  const before = process.threadCpuUsage();
  db.exec('BEGIN');
  insert.run(rows.flat());
  db.exec('COMMIT');
  return threadCpuUs(before);
}

/** The thread's CPU since `from`, µs. */
export function threadCpuUs(from: NodeJS.CpuUsage): number {
  const used = process.threadCpuUsage(from);
  return used.user + used.system;
}
