import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import type { Database, Statement } from 'better-sqlite3';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { DataSource, EntityManager } from 'typeorm';

import { AppModule } from '@server/app.module';
import { loadConfig } from '@server/config/app-config';
import type { JsonObject } from '@app/tmf-common';
import { columnsOf } from '@server/customer/customer-document';
import { CustomerRepository } from '@server/customer/customer.repository';

// Documents as built by the fixtures: JSON, typed loosely.
export type DocumentFactory = (i: number) => { id: string; document: Record<string, unknown> };

export interface SeedOptions {
  /** Customers per transaction. */
  batch?: number;
  /** Progress lines (customers done, rate) on stderr every this many customers; 0: none. */
  progressEvery?: number;
}

/** What `repository.insert` uses of an EntityManager: `query`. */
type QueryOnly = Pick<EntityManager, 'query'>;

/**
 * Seeds customers through the app's own repository (`CustomerRepository.insert`: the same columns
 * and search-index rows as the API writes), in big transactions straight on the driver: no HTTP, no
 * validation, no group commit or savepoint per customer, no TypeORM query runner. The schema is the
 * migrations' (the app context runs them). SQLite: one connection, `synchronous = OFF` while seeding
 * (a crash leaves a database to throw away), cached prepared statements. MySQL/MariaDB: a few
 * connections in parallel, each committing its own batches.
 */
export async function seedCustomers(
  databaseUrl: string,
  n: number,
  factory: DocumentFactory,
  options: SeedOptions = {},
): Promise<number> {
  const started = Date.now();
  // No token index merger while seeding: a seeded index is left as FTS5's automerge leaves it (the
  // state the benches start from, and the merger's worst case).
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    SQLITE_MERGE_PAGES: '0',
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    const repository = app.get(CustomerRepository);
    const dataSource = app.get(DataSource);
    const insertRange = async (manager: QueryOnly, from: number, to: number) => {
      const now = Date.now();
      for (let i = from; i < to; i++) {
        const made = factory(i);
        const document = made.document as JsonObject;
        await repository.insert(manager as EntityManager, {
          id: made.id,
          version: 1,
          document: JSON.stringify(document),
          parsed: document,
          columns: columnsOf(document),
          now,
        });
      }
    };
    const progress = new Progress(n, options.progressEvery ?? 0, started);
    if (dataSource.options.type === 'mysql') {
      await seedMysql(dataSource, n, options.batch ?? 1000, insertRange, progress);
    } else {
      seedSqliteBegin(dataSource);
      try {
        await seedSqlite(dataSource, n, options.batch ?? 5000, insertRange, progress);
      } finally {
        seedSqliteEnd(dataSource);
      }
    }
  } finally {
    await app.close();
  }
  return Date.now() - started;
}

/**
 * A seeding transaction holds a thousand inserts: each adding to a random shard of the maintained
 * counts (or of the epochs' change counters), two of them would lock shards in opposite orders (a
 * deadlock). Each worker writes its own shard instead (params of `counterWriteStatement`: dim, val,
 * shard, n per row; of `mysqlTokenEpochBumpStatement`: epoch, shard).
 */
function countsOnShard(sql: string, params: unknown[], shard: number): unknown[] {
  if (sql.startsWith('INSERT INTO customer_token_epoch')) {
    // The epochs' change counters likewise (epoch, shard per row).
    return params.map((value, i) => (i % 2 === 1 ? shard : value));
  }
  if (!sql.startsWith('INSERT INTO customer_count')) {
    return params;
  }
  return params.map((value, i) => (i % 4 === 2 ? shard : value));
}

type InsertRange = (manager: QueryOnly, from: number, to: number) => Promise<void>;

class Progress {
  private done = 0;
  private reported = 0;
  constructor(
    private readonly total: number,
    private readonly every: number,
    private readonly started: number,
  ) {}

  add(count: number): void {
    this.done += count;
    if (this.every > 0 && this.done - this.reported >= this.every) {
      this.reported = this.done;
      const seconds = (Date.now() - this.started) / 1000;
      process.stderr.write(
        `  seeded ${this.done.toLocaleString('en')} / ${this.total.toLocaleString('en')} (${Math.round(this.done / seconds)} customers/s)\n`,
      );
    }
  }
}

function sqliteConnection(dataSource: DataSource): Database {
  return (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

function seedSqliteBegin(dataSource: DataSource): void {
  sqliteConnection(dataSource).pragma('synchronous = OFF');
}

function seedSqliteEnd(dataSource: DataSource): void {
  const db = sqliteConnection(dataSource);
  db.pragma('synchronous = NORMAL');
  // Fold the WAL into the database: the benchmark starts from a small WAL.
  db.pragma('wal_checkpoint(TRUNCATE)');
}

async function seedSqlite(
  dataSource: DataSource,
  n: number,
  batch: number,
  insertRange: InsertRange,
  progress: Progress,
): Promise<void> {
  const db = sqliteConnection(dataSource);
  const statements = new Map<string, Statement>();
  const manager: QueryOnly = {
    query: <T>(sql: string, params?: unknown[]): Promise<T> => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      const args = params ?? [];
      return Promise.resolve(
        (statement.reader ? statement.all(...args) : (statement.run(...args), [])) as T,
      );
    },
  };
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    db.exec('BEGIN IMMEDIATE');
    try {
      await insertRange(manager, start, end);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    progress.add(end - start);
  }
}

async function seedMysql(
  dataSource: DataSource,
  n: number,
  batch: number,
  insertRange: InsertRange,
  progress: Progress,
  parallel = 3,
): Promise<void> {
  const pool = (dataSource.driver as unknown as { pool: { promise(): Pool } }).pool.promise();
  let next = 0;
  const worker = async (_: unknown, index: number) => {
    const connection: PoolConnection = await pool.getConnection();
    const manager: QueryOnly = {
      query: async <T>(sql: string, params?: unknown[]): Promise<T> =>
        (await connection.query(sql, countsOnShard(sql, params ?? [], index)))[0] as T,
    };
    try {
      for (let start = next; start < n; start = next) {
        next = start + batch;
        const end = Math.min(n, start + batch);
        await connection.beginTransaction();
        try {
          await insertRange(manager, start, end);
          await connection.commit();
        } catch (err) {
          await connection.rollback();
          throw err;
        }
        progress.add(end - start);
      }
    } finally {
      connection.release();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
