// Test support only (excluded from the library build): a typed handle on better-sqlite3, which ships
// no type declarations in this repository.
import { createRequire } from 'node:module';

export interface SqliteStatement {
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): Record<string, unknown> | undefined;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  function(
    name: string,
    options: { deterministic: boolean },
    fn: (...args: unknown[]) => unknown,
  ): void;
  transaction<T extends unknown[]>(fn: (...args: T) => void): (...args: T) => void;
  close(): void;
}

type SqliteConstructor = new (file: string) => SqliteDatabase;

/** Opens an in-memory better-sqlite3 database. */
export function openMemoryDatabase(): SqliteDatabase {
  const load = createRequire(__filename);
  const Database = load('better-sqlite3') as SqliteConstructor;
  return new Database(':memory:');
}
