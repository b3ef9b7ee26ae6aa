import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AppConfig } from '@server/config/app-config';

const LOCK_NAME = 'tmf629_migrations';
const LOCK_TIMEOUT_S = 120;

/**
 * Applies pending migrations at start-up unless DB_MIGRATIONS_RUN=false. On MySQL/MariaDB a named
 * lock makes replicas that start together take turns, so no two run the same migration.
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
    const runner = this.dataSource.createQueryRunner();
    try {
      const rows = (await runner.query('SELECT GET_LOCK(?, ?) AS got', [
        LOCK_NAME,
        LOCK_TIMEOUT_S,
      ])) as {
        got: number | null;
      }[];
      if (Number(rows[0]?.got) !== 1) {
        throw new Error(`Could not take the migration lock within ${LOCK_TIMEOUT_S}s`);
      }
      try {
        await this.apply();
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
      }
    } finally {
      await runner.release();
    }
  }

  /** True when every migration this build knows has been applied (used by readiness). */
  async upToDate(): Promise<boolean> {
    return !(await this.dataSource.showMigrations());
  }

  private async apply(): Promise<void> {
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) {
      this.logger.log(`Applied migration ${migration.name}`);
    }
  }
}
