import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { asDatabaseUnavailable, driverErrorCode } from './database-unavailable';
import { Dialect } from './dialect';
import { SerialQueue } from './serial-queue';

const MYSQL_RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const MAX_ATTEMPTS = 3;

/**
 * The unit of work. On SQLite there is one connection, so reads and write transactions are queued
 * one at a time: a read must never observe another request's uncommitted transaction on the shared
 * connection. On MySQL/MariaDB transactions run concurrently and deadlock victims are retried. An
 * unreachable database is a 503 (`DATABASE_UNAVAILABLE`): nothing was written.
 */
@Injectable()
export class TransactionRunner {
  readonly dialect: Dialect;
  private readonly sqliteQueue = new SerialQueue();
  private readonly logger = new Logger(TransactionRunner.name);
  // Hooks registered through afterCommit, by the manager of the transaction that registered them.
  private readonly commitHooks = new WeakMap<EntityManager, (() => void)[]>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite';
  }

  async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let outcome: { value: T; hooks: (() => void)[] };
    // Set once the work is done, i.e. while COMMIT runs: a connection lost then leaves the outcome
    // unknown (the database may have committed), which the 503 must say.
    let committing = false;
    try {
      outcome = await this.transaction(async (manager) => {
        committing = false;
        const value = await work(manager);
        committing = true;
        return value;
      });
    } catch (err) {
      throw asDatabaseUnavailable(err, committing) ?? err;
    }
    for (const hook of outcome.hooks) {
      try {
        hook();
      } catch (err) {
        this.logger.error('An after-commit hook failed', (err as Error).stack);
      }
    }
    return outcome.value;
  }

  /**
   * Runs `hook` once the write transaction that `manager` belongs to has committed; never when it
   * rolls back (a retried attempt starts with no hooks). Hooks must be quick and must not throw.
   */
  afterCommit(manager: EntityManager, hook: () => void): void {
    const hooks = this.commitHooks.get(manager);
    if (!hooks) {
      throw new Error('afterCommit needs the manager of a TransactionRunner.write transaction');
    }
    hooks.push(hook);
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

  private async transaction<T>(
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<{ value: T; hooks: (() => void)[] }> {
    const tracked = async (manager: EntityManager) => {
      const hooks: (() => void)[] = [];
      this.commitHooks.set(manager, hooks);
      try {
        return { value: await work(manager), hooks };
      } finally {
        this.commitHooks.delete(manager);
      }
    };
    if (this.dialect === 'sqlite') {
      return this.sqliteQueue.run(() => this.dataSource.transaction(tracked));
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction('READ COMMITTED', tracked);
      } catch (err) {
        const code = driverErrorCode(err);
        if (attempt >= MAX_ATTEMPTS || !code || !MYSQL_RETRYABLE.has(code)) {
          throw err;
        }
      }
    }
  }
}
