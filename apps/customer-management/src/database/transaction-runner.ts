import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { asDatabaseUnavailable } from './database-unavailable';
import { Dialect } from './dialect';
import { SerialQueue } from './serial-queue';

const MYSQL_RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const MAX_ATTEMPTS = 3;

/**
 * The unit of work. On SQLite there is one connection, so reads and write transactions are queued
 * one at a time: a read must never observe another request's uncommitted transaction on the shared
 * connection. On MySQL/MariaDB transactions run concurrently and deadlock victims are retried.
 */
@Injectable()
export class TransactionRunner {
  readonly dialect: Dialect;
  private readonly sqliteQueue = new SerialQueue();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite';
  }

  /** Runs `work` in one transaction. An unreachable database is a 503 (the write did not happen). */
  async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.transaction(work);
    } catch (err) {
      throw asDatabaseUnavailable(err) ?? err;
    }
  }

  async read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return this.dialect === 'sqlite'
        ? await this.sqliteQueue.run(() => work(this.dataSource.manager))
        : await work(this.dataSource.manager);
    } catch (err) {
      throw asDatabaseUnavailable(err) ?? err;
    }
  }

  private async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') {
      return this.sqliteQueue.run(() => this.dataSource.transaction(work));
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction('READ COMMITTED', work);
      } catch (err) {
        const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code;
        if (attempt >= MAX_ATTEMPTS || !code || !MYSQL_RETRYABLE.has(code)) {
          throw err;
        }
      }
    }
  }
}
