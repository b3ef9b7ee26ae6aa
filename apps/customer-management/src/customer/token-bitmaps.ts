import { Injectable } from '@nestjs/common';

import { DEFAULT_BITMAP_BYTES, KeptIntersections, MysqlTokenBitmaps } from '@app/tmf-query';
import { TransactionRunner } from '@server/database/transaction-runner';

import { customerSqlStorage } from './customer.storage';
import { KeptTokenKeys } from './kept-token-keys';

/**
 * MySQL/MariaDB: this server's bitmaps of kept token keys (ADR 0008, "Kept keys' bitmaps"), with
 * which a filter of several kept keys is intersected in memory instead of joining their rows in
 * the token table. Kept keys only: the common keys that `customer_token_count` counts (the
 * migration's and those promoted while serving), which `KeptTokenKeys` knows; a rare key drives
 * the join from its few rows. With them, the rows of ordered tokens (number and date-time paths)
 * that ranges query, so that a range, alone or with kept keys, is counted and paged in memory.
 * None on SQLite.
 */
@Injectable()
export class TokenBitmaps {
  /** The cache, on MySQL/MariaDB with epoch counters; undefined elsewhere. */
  readonly intersections: KeptIntersections | undefined;

  constructor(tx: TransactionRunner, keptKeys: KeptTokenKeys) {
    this.intersections =
      tx.dialect === 'mysql' && customerSqlStorage.mysqlTokenIndex?.epochTable
        ? new MysqlTokenBitmaps(
            customerSqlStorage,
            () => keptKeys.get()?.keys,
            DEFAULT_BITMAP_BYTES,
            // Ordered tokens' rows, read in the background on a read connection of their own.
            (statement) => tx.readRows((query) => query(tx.readSql(statement), statement.params)),
          )
        : undefined;
  }
}
