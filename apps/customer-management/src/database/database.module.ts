import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '@server/config/app-config';

import { buildDataSourceOptions } from './data-source-options';
import { MigrationService } from './migration.service';
import { ReadReplica } from './read-replica';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { SqliteReaders } from './sqlite-readers';
import { TransactionRunner } from './transaction-runner';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config.database, config.dbPoolSize),
        // Fail fast at start-up instead of TypeORM's default nine silent retries.
        retryAttempts: 1,
      }),
    }),
  ],
  providers: [MigrationService, TransactionRunner, SqliteCheckpointer, SqliteReaders, ReadReplica],
  exports: [MigrationService, TransactionRunner, SqliteReaders, ReadReplica],
})
export class DatabaseModule {}
