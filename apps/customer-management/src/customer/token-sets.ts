import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { SetsRead, SqliteTokenSets, TokenRowChange } from '@app/tmf-query';
import { TransactionRunner } from '@server/database/transaction-runner';

import { customerSqlStorage } from './customer.storage';

/**
 * SQLite: this server's sets of the customers holding each kept token (ADR 0007, "Kept tokens
 * intersected in memory"), with which a filter that is an AND of kept tokens is counted and paged
 * without FTS5 merging their doclists. The kept tokens are the count table's, read once the
 * migrations have run and added to by this process's promotions (`TokenCountPromoter`); after
 * running a migration on a live server (tests), `reload`. None on MySQL/MariaDB (`TokenBitmaps`).
 */
@Injectable()
export class TokenSets implements OnApplicationBootstrap {
  /** The sets, on SQLite with kept counts; undefined elsewhere. */
  readonly sets: SqliteTokenSets | undefined;
  private readonly logger = new Logger(TokenSets.name);
  private kept: Set<string> | undefined;

  constructor(private readonly tx: TransactionRunner) {
    this.sets =
      tx.dialect === 'sqlite' && customerSqlStorage.tokenIndex?.countTable
        ? new SqliteTokenSets(customerSqlStorage, () => this.kept)
        : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /** Reads the kept tokens again and drops every set. */
  async reload(): Promise<void> {
    const table = customerSqlStorage.tokenIndex?.countTable;
    if (!this.sets || !table) {
      return;
    }
    try {
      const rows = await this.tx.readRows((query) =>
        query<{ token: string }>(`SELECT token FROM ${table}`, []),
      );
      this.kept = new Set(rows.map((row) => row.token));
    } catch (err) {
      this.kept = undefined;
      this.logger.warn(`Kept tokens unknown, no sets held: ${(err as Error).message}`);
    }
    this.sets.clear();
  }

  /** The tokens with count rows, as last read and promoted since; undefined while unknown. */
  keptTokens(): ReadonlySet<string> | undefined {
    return this.kept;
  }

  /** A token given a count row by this process (a promotion): from now on its set may be held. */
  promoted(token: string): void {
    this.kept?.add(token);
  }

  /**
   * A write group's token row changes, from its closing writes: the sets take them once the group
   * settles (before any unit is answered), and serve no read meanwhile. A write outside a group (a
   * seeding script's) is never settled: no read uses the sets of that process.
   */
  written(manager: EntityManager, changes: readonly TokenRowChange[]): void {
    const write = this.sets?.write(changes);
    if (write) {
      this.tx.onGroupSettled(manager, (committed) => write.settle(committed));
    }
  }

  /** Reads a set's rows on a read connection (a read worker: a large key's rows are thousands). */
  readonly read: SetsRead = (statement) =>
    this.tx.readRows((query) =>
      query<Record<string, unknown>>(statement.sql, statement.params as unknown[]),
    );
}
