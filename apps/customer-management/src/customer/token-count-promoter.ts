import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  CompiledSql,
  keptCountToken,
  mysqlTokenPromotion,
  slot0Tokens,
  tokenCountRowStatement,
} from '@app/tmf-query';

import { AppConfig } from '@server/config/app-config';
import { TransactionRunner } from '@server/database/transaction-runner';

import { customerSqlStorage } from './customer.storage';
import { KeptTokenKeys, tokenEpochs } from './kept-token-keys';
import { TokenSets } from './token-sets';

/**
 * Gives a counted key that has become common kept counts (SQLite: ADR 0007, "Kept counts of common
 * tokens"; MySQL/MariaDB: ADR 0008, "Keys promoted while serving"). The migrations gave them to the
 * keys common when they ran; a database that grows afterwards (or from empty) gets them here, when
 * a list counts a single key from its rows and finds at least TOKEN_COUNT_MIN customers: from then
 * on its count is one lookup and every write keeps it. Each key is tried once per process, in a
 * write of its own after the list has answered; a failure is logged and a later list tries again.
 *
 * SQLite has one writer: the row is made in a write transaction like any other. MySQL/MariaDB has
 * concurrent writers, kept exact by the kept-count generation: the promotion raises it first (its
 * exclusive lock waits for the writes that hold its shared lock, which every write changing keys
 * takes before its count UPDATE, and makes later ones wait), then counts the key's live rows (a
 * consistent read) and gives it its 16 rows; the writes that waited read the new generation and run
 * again with the new key. Not on Galera (a lock does not cross nodes).
 */
@Injectable()
export class TokenCountPromoter {
  private readonly logger = new Logger(TokenCountPromoter.name);
  private readonly tried = new Set<string>();
  private readonly min: number;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly tx: TransactionRunner,
    config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly keptKeys: KeptTokenKeys,
    private readonly tokenSets: TokenSets,
  ) {
    this.min = config.tokenCountMin;
  }

  /** After a list whose count was `total`: promotes its key when it is one counted key. */
  counted(compiled: CompiledSql, total: number): void {
    if (this.tx.dialect === 'mysql' && compiled.tokenKeys) {
      this.countedKeysMysql(compiled.tokenKeys);
      return;
    }
    const tokens = this.tx.dialect === 'sqlite' ? slot0Tokens(compiled.tokenSearch) : undefined;
    if (tokens) {
      this.countedTokensSqlite(tokens);
      return;
    }
    if (total < this.min) {
      return;
    }
    if (this.tx.dialect === 'sqlite') {
      this.countedSqlite(compiled);
    } else {
      this.countedMysql(compiled);
    }
  }

  private countedSqlite(compiled: CompiledSql): void {
    if (!customerSqlStorage.tokenIndex?.countTable || !compiled.tokenSearch) {
      return;
    }
    const token = keptCountToken(compiled.tokenSearch);
    if (token === undefined || this.tried.has(token)) {
      return;
    }
    this.run(token, () => this.promoteSqlite(token));
  }

  /**
   * SQLite, a filter that is an AND of slot-0 tokens (intersected in the held sets once all are
   * kept): each token not kept is counted from its slot-0 rows once per process, after the list
   * has answered, and given a count row when TOKEN_COUNT_MIN customers or more hold it, so that a
   * database grown from empty gets its sets from such lists alone (as MariaDB's bitmaps).
   */
  private countedTokensSqlite(tokens: readonly string[]): void {
    const kept = this.tokenSets.keptTokens();
    const table = customerSqlStorage.tokenIndex?.table;
    if (!kept || !table) {
      return;
    }
    for (const token of tokens) {
      if (kept.has(token) || this.tried.has(token)) {
        continue;
      }
      this.run(token, async () => {
        const [row] = await this.tx.readRows((query) =>
          query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${table} MATCH ?`, [
            `"${token}"`,
          ]),
        );
        if (Number(row?.n ?? 0) >= this.min) {
          await this.promoteSqlite(token);
        }
      });
    }
  }

  /** SQLite: the token's count row, in a write of its own (the one writer: exact). */
  private async promoteSqlite(token: string): Promise<void> {
    const statement = tokenCountRowStatement(customerSqlStorage, token);
    await this.tx.write((manager) => manager.query(statement.sql, statement.params));
    this.tokenSets.promoted(token);
  }

  private countedMysql(compiled: CompiledSql): void {
    const at = compiled.keptCountKey;
    const kept = this.keptKeys.get();
    // Exact only under the generation's locks: none on Galera, none without the generation table.
    if (!at || this.tx.galera || kept?.gen === undefined) {
      return;
    }
    const key = `${at.token}:${at.v}`;
    if (kept.keys.has(key) || this.tried.has(key)) {
      return;
    }
    this.run(key, () => this.promoteMysql(at.token, at.v));
  }

  /**
   * MySQL/MariaDB, a filter of several single keys (intersected in the servers' bitmaps once all
   * are kept): each key not kept is counted from its rows once per process, after the list has
   * answered, and promoted when TOKEN_COUNT_MIN customers or more hold it, so that a database grown
   * from empty gets its bitmaps from such lists alone.
   */
  private countedKeysMysql(keys: readonly { token: number; v: string }[]): void {
    const kept = this.keptKeys.get();
    if (this.tx.galera || kept?.gen === undefined) {
      return;
    }
    const table = customerSqlStorage.mysqlTokenIndex!.table;
    for (const { token, v } of keys) {
      const key = `${token}:${v}`;
      if (kept.keys.has(key) || this.tried.has(key)) {
        continue;
      }
      this.run(key, async () => {
        const epochs = await tokenEpochs((sql) => this.dataSource.query(sql));
        const [row] = await this.dataSource.query<{ n: string | number }[]>(
          `SELECT COUNT(*) AS n FROM ${table} WHERE epoch IN (${[...Array(epochs).keys()].join(', ')}) AND token = ? AND v = ? AND rep = 0`,
          [token, v],
        );
        if (Number(row.n) >= this.min) {
          await this.promoteMysql(token, v);
        }
      });
    }
  }

  private run(key: string, promote: () => Promise<unknown>): void {
    this.tried.add(key);
    this.pending = this.pending.then(promote).then(
      () => undefined,
      (err: Error) => {
        // Tried again by a later list; until then the key is counted from its rows.
        this.tried.delete(key);
        this.logger.warn(`Keeping the count of a common key failed: ${err.message}`);
      },
    );
  }

  /** MySQL/MariaDB: one key's kept counts, in a READ COMMITTED transaction of its own. */
  private async promoteMysql(token: number, v: string): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction('READ COMMITTED');
      try {
        // (The epochs only matter to the count, built again once the lock is held.)
        let promotion = mysqlTokenPromotion(customerSqlStorage, token, v, 1);
        // Given rows by another process already: nothing to raise, the keys to read again.
        const keptElsewhere = async () => {
          const [has] = await runner.manager.query<{ n: string | number }[]>(
            promotion.has.sql,
            promotion.has.params,
          );
          return Number(has.n) > 0;
        };
        if (await keptElsewhere()) {
          await runner.rollbackTransaction();
          await this.keptKeys.refresh();
          return;
        }
        const asked = performance.now();
        await runner.query(promotion.raise.sql, promotion.raise.params);
        const locked = performance.now();
        // Under the exclusive lock: read again what may have changed while it was awaited.
        if (await keptElsewhere()) {
          await runner.rollbackTransaction();
          await this.keptKeys.refresh();
          return;
        }
        const epochs = await tokenEpochs((sql) => runner.manager.query(sql));
        promotion = mysqlTokenPromotion(customerSqlStorage, token, v, epochs);
        const [{ n }] = await runner.manager.query<{ n: string | number }[]>(
          promotion.count.sql,
          promotion.count.params,
        );
        const insert = promotion.insert(Number(n));
        await runner.query(insert.sql, insert.params);
        await runner.commitTransaction();
        const done = performance.now();
        this.logger.log(
          `Kept counts for key ${token}:${v} (${n} customers): waited ${Math.round(locked - asked)} ms for writes, held them ${Math.round(done - locked)} ms`,
        );
      } catch (err) {
        if (runner.isTransactionActive) {
          await runner.rollbackTransaction().catch(() => undefined);
        }
        throw err;
      }
    } finally {
      await runner.release();
    }
    await this.keptKeys.refresh();
  }

  /** Resolves once the promotions asked for so far have run (tests, shutdown). */
  settled(): Promise<void> {
    return this.pending;
  }
}
