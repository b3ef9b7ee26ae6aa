import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '@server/config/app-config';

import { buildDataSourceOptions } from './data-source-options';
import { MigrationService } from './migration.service';
import { PoolGuard } from './pool-guard';
import { ReadReplica } from './read-replica';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { SqliteMerger } from './sqlite-merger';
import { SqliteReaders } from './sqlite-readers';
import { SqliteWriteTurn } from './sqlite-write-turn';
import { TransactionRunner } from './transaction-runner';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(
          config.database,
          config.dbPoolSize,
          config.dbTimeouts.statementMs,
        ),
        // Fail fast at start-up instead of TypeORM's default nine silent retries.
        retryAttempts: 1,
      }),
    }),
  ],
  // PoolGuard first: the pool is bounded before anything else uses it.
  providers: [
    PoolGuard,
    MigrationService,
    SqliteWriteTurn,
    TransactionRunner,
    SqliteCheckpointer,
    SqliteMerger,
    SqliteReaders,
    ReadReplica,
  ],
  exports: [
    MigrationService,
    TransactionRunner,
    SqliteReaders,
    ReadReplica,
    SqliteMerger,
    SqliteWriteTurn,
  ],
})
export class DatabaseModule {}
