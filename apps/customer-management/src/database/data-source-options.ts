import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import type { Database } from 'better-sqlite3';
import { AdvancedConsoleLogger, DataSourceOptions } from 'typeorm';

import { DatabaseSettings } from '@server/config/database-url';

import { MYSQL_MIGRATIONS } from './migrations/mysql';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';
import { PREPARED_STATEMENTS_PER_CONNECTION } from './prepared-reads';
import { openWriter } from './sqlite-writer-connection';

/**
 * One DataSource definition for the app, the migration CLI and the tests. No entities: the schema is
 * the migrations' (per dialect, written by hand), and the repositories speak SQL (docs/adr/0006).
 * Never `synchronize`. `statementTimeoutMs` (MySQL/MariaDB): every statement through TypeORM fails
 * after it (mysql2's query `timeout`); the app guards the pool too (`guardPool`), so the connection
 * of a statement that timed out is replaced, not reused. The CLI runs without one (migrations).
 */
export function buildDataSourceOptions(
  settings: DatabaseSettings,
  poolSize = 10,
  statementTimeoutMs?: number,
): DataSourceOptions {
  if (settings.type === 'sqlite') {
    if (settings.file !== ':memory:') {
      mkdirSync(dirname(settings.file), { recursive: true });
    }
    return {
      type: 'better-sqlite3',
      database: settings.file,
      entities: [],
      migrations: SQLITE_MIGRATIONS,
      synchronize: false,
      migrationsRun: false,
      migrationsTransactionMode: 'each',
      prepareDatabase: (db: Database) => {
        openWriter(db);
      },
    };
  }
  return {
    type: 'mysql',
    host: settings.host,
    port: settings.port,
    username: settings.username,
    password: settings.password,
    database: settings.database,
    entities: [],
    migrations: MYSQL_MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    charset: 'utf8mb4',
    timezone: 'Z',
    poolSize,
    // A write group's closing writes go as one round trip (TransactionRunner.runStatements). Values
    // are always bound as parameters (the query compiler binds paths and values too; only names
    // from the schema are written into SQL), so stacked statements open no injection path.
    multipleStatements: true,
    ...(statementTimeoutMs
      ? {
          enableQueryTimeout: true,
          maxQueryExecutionTime: statementTimeoutMs,
          logger: new NoSlowQueryLogger(),
        }
      : {}),
    extra: {
      connectionLimit: poolSize,
      enableKeepAlive: true,
      connectTimeout: 5000,
      maxPreparedStatements: PREPARED_STATEMENTS_PER_CONNECTION,
    },
  };
}

/**
 * TypeORM's default logger, except that it does not print a statement slower than
 * `maxQueryExecutionTime`: here that is the statement timeout, so each such statement failed and
 * was answered with a 503 (and counted); the printout would put its parameters (customer data) on
 * stdout, outside the structured logs.
 */
class NoSlowQueryLogger extends AdvancedConsoleLogger {
  override logQuerySlow(): void {}
}
