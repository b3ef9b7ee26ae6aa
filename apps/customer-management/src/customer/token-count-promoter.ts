import { Injectable, Logger } from '@nestjs/common';

import { CompiledSql, keptCountToken, tokenCountRowStatement } from '@app/tmf-query';

import { AppConfig } from '@server/config/app-config';
import { TransactionRunner } from '@server/database/transaction-runner';

import { customerSqlStorage } from './customer.storage';

/**
 * SQLite: gives a counted token that has become common a row in the count table (ADR 0007, "Kept
 * counts of common tokens"). The migration gave rows to the tokens common when it ran; a database
 * that grows afterwards (or from empty) gets them here, when a list counts a single token and
 * finds at least TOKEN_COUNT_MIN customers: from then on its count is one lookup and every write
 * keeps it. Each token is tried once per process (the statement does nothing when the row exists),
 * in a write of its own after the list has answered.
 */
@Injectable()
export class TokenCountPromoter {
  private readonly logger = new Logger(TokenCountPromoter.name);
  private readonly tried = new Set<string>();
  private readonly min: number;
  private readonly enabled: boolean;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly tx: TransactionRunner,
    config: AppConfig,
  ) {
    this.min = config.tokenCountMin;
    this.enabled =
      tx.dialect === 'sqlite' && customerSqlStorage.tokenIndex?.countTable !== undefined;
  }

  /** After a list whose count was `total`: promotes its token when it is one counted token. */
  counted(compiled: CompiledSql, total: number): void {
    if (!this.enabled || total < this.min || !compiled.tokenSearch) {
      return;
    }
    const token = keptCountToken(compiled.tokenSearch);
    if (token === undefined || this.tried.has(token)) {
      return;
    }
    this.tried.add(token);
    const statement = tokenCountRowStatement(customerSqlStorage, token);
    this.pending = this.pending
      .then(() => this.tx.write((manager) => manager.query(statement.sql, statement.params)))
      .then(
        () => undefined,
        (err: Error) => {
          // Tried again by a later list; until then the token is counted from its index entries.
          this.tried.delete(token);
          this.logger.warn(`Keeping the count of a common token failed: ${err.message}`);
        },
      );
  }

  /** Resolves once the promotions asked for so far have run (tests, shutdown). */
  settled(): Promise<void> {
    return this.pending;
  }
}
