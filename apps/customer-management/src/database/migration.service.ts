import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MigrationExecutor } from 'typeorm';

import { AppConfig } from '@server/config/app-config';

import { DatabaseLease } from './database-lease';

const LEASE_NAME = 'migrations';
/** A crashed migrator's lease is free after this; a live one renews it every TTL / 3. */
const LEASE_TTL_MS = 60_000;
/** How long a starting process waits for another one's migrations before its start fails. */
const LEASE_WAIT_MS = 120_000;
const LEASE_POLL_MS = 500;

/**
 * Applies pending migrations at start-up unless DB_MIGRATIONS_RUN=false. On MySQL/MariaDB a lease
 * row (`tmf_lease`, see DatabaseLease) makes processes that start together take turns, so no two
 * run the same migration, also when they are connected to different nodes of a Galera or Group
 * Replication cluster (GET_LOCK is local to one node). The one that waited finds nothing pending.
 */
@Injectable()
export class MigrationService implements OnModuleInit {
  private readonly logger = new Logger(MigrationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.migrationsRun) {
      this.logger.log('DB_MIGRATIONS_RUN=false: not applying migrations');
      return;
    }
    if (this.dataSource.options.type !== 'mysql') {
      await this.apply();
      return;
    }
    const lease = new DatabaseLease(this.dataSource, LEASE_NAME, {
      ttlMs: LEASE_TTL_MS,
      waitMs: LEASE_WAIT_MS,
      pollMs: LEASE_POLL_MS,
    });
    await lease.acquire();
    try {
      await this.apply();
    } finally {
      await lease.release();
    }
  }

  /** True when every migration this build knows has been applied (used by readiness). */
  async upToDate(): Promise<boolean> {
    // Not DataSource.showMigrations: it gives its connection back only when every statement
    // succeeded, so each failed probe (a node not ready, a statement timeout) kept one, and a
    // few dozen probes during an outage held the whole pool after it ended.
    const runner = this.dataSource.createQueryRunner();
    try {
      return !(await new MigrationExecutor(this.dataSource, runner).showMigrations());
    } finally {
      await runner.release();
    }
  }

  private async apply(): Promise<void> {
    const applied = await this.withoutStatementTimeout(() =>
      this.dataSource.runMigrations({ transaction: 'each' }),
    );
    for (const migration of applied) {
      this.logger.log(`Applied migration ${migration.name}`);
    }
  }

  /**
   * DB_STATEMENT_TIMEOUT_MS bounds requests and background work, not schema changes: an index build
   * on a large table may take minutes. TypeORM reads the option at every statement, and nothing else
   * runs before the migrations are done.
   */
  private async withoutStatementTimeout<T>(work: () => Promise<T>): Promise<T> {
    const options = this.dataSource.driver.options as { enableQueryTimeout?: boolean };
    const enabled = options.enableQueryTimeout;
    options.enableQueryTimeout = false;
    try {
      return await work();
    } finally {
      options.enableQueryTimeout = enabled;
    }
  }
}
