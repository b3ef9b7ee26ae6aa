import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createConnection } from 'mysql2/promise';

/** Which database the e2e tier runs on: SQLite (default) or MySQL/MariaDB with TEST_DB=mysql. */
export const TEST_DB: 'sqlite' | 'mysql' = process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
export const E2E_DB_PREFIX = 'tmf_e2e_';
/**
 * This jest run (set by globalSetup, inherited by the workers): its databases are named after it, so
 * its teardown drops only its own leftovers, never those of another run on a shared server.
 */
export const E2E_RUN_ENV = 'TMF_E2E_RUN';

export function e2eRunPrefix(run = process.env[E2E_RUN_ENV] ?? String(process.pid)): string {
  return `${E2E_DB_PREFIX}${run}_`;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file: a temp SQLite file, or a new MySQL schema. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tmf629-e2e-'));
    return {
      url: `sqlite:${join(dir, 'customers.sqlite')}`,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const name = `${e2eRunPrefix()}${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const server = new URL(TEST_MYSQL_URL);
  server.pathname = `/${name}`;
  return {
    url: server.toString(),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
    },
  };
}

// Loaded by jest's globalSetup too, where path aliases do not resolve: keep this file alias-free.
/** One statement on the test server as its admin user (create/drop databases, sizes). */
export async function adminQuery<T = unknown>(sql: string): Promise<T> {
  const server = new URL(TEST_MYSQL_URL);
  const connection = await createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username || 'root'),
    password: decodeURIComponent(server.password),
  });
  try {
    const [rows] = await connection.query(sql);
    return rows as T;
  } finally {
    await connection.end();
  }
}
