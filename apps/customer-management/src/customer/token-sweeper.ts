import { randomInt } from 'node:crypto';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  EPOCH_BITS,
  EPOCH_ROWS_AHEAD,
  MYSQL_EPOCH_SHARDS,
  mysqlTokenEpochRowsStatements,
  mysqlTokenEpochsAheadStatement,
  SWEEP_BATCH,
  tokenSweepStatements,
} from '@app/tmf-query';

import { endFailedTransaction } from '@server/database/pool-guard';
import { TransactionRunner } from '@server/database/transaction-runner';

import { customerSqlStorage } from './customer.storage';
import { SWEEP_MIN, sweepThreshold } from './token-sweep-plan';

/** Between passes when the last one found nothing, and between passes that found a full batch. */
const IDLE_MS = 10_000;
const BUSY_MS = 1_000;
/** Every FULL_EVERY-th pass sweeps whatever is dead (when no write is coming in). */
const FULL_EVERY = 60;

/**
 * MySQL/MariaDB: removes the token rows of deleted customers in the background (ADR 0008). A DELETE
 * only lists the customer's `seq` in `customer_token_dead`; its ~35 rows lie at random positions
 * of one epoch's region, and deleting them one by one in the request was most of its cost. Here the
 * dead keys of an epoch are deleted together, in one walk of that region in key order, under READ
 * COMMITTED (rows that do not match are not left locked; inserts into the region go on). Rows of a
 * deleted customer are never seen by a query meanwhile (every lookup joins the customer on `seq`).
 * Idempotent: replicas sweeping at once delete the same rows, and a pass cut short is redone.
 */
@Injectable()
export class TokenSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private passes = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
  ) {}

  onApplicationBootstrap(): void {
    if (this.dataSource.options.type !== 'mysql' || !customerSqlStorage.mysqlTokenIndex) {
      return;
    }
    this.schedule(IDLE_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then((swept) => this.schedule(swept >= SWEEP_BATCH ? BUSY_MS : IDLE_MS))
        .catch((err: Error) => {
          this.logger.warn(`Token sweep failed: ${err.message}`);
          this.schedule(IDLE_MS);
        });
    }, ms);
    this.timer.unref();
  }

  /** A scheduled pass: what is due under the current write load (`sweepThreshold`). */
  private async pass(): Promise<number> {
    const fullPass = ++this.passes % FULL_EVERY === 0;
    await this.makeEpochRowsAhead();
    return this.sweep(sweepThreshold(this.tx.msSinceLastWrite(), fullPass));
  }

  /**
   * The epochs' change counter rows, made ahead of the customers (`EPOCH_ROWS_AHEAD` epochs beyond
   * the newest once half of them are used): writes then update rows that exist (ADR 0008, "Kept
   * keys' bitmaps"). Idempotent: replicas may make the same rows at once.
   */
  async makeEpochRowsAhead(): Promise<void> {
    const table = customerSqlStorage.mysqlTokenIndex?.epochTable;
    if (!table) {
      return;
    }
    const [row] = await this.dataSource.query<
      { newest: number | string; made: number | string | null }[]
    >(mysqlTokenEpochsAheadStatement(customerSqlStorage).sql);
    const newest = Number(row.newest);
    const made = row.made === null ? -1 : Number(row.made);
    if (made - newest >= EPOCH_ROWS_AHEAD / 2) {
      return;
    }
    for (const statement of mysqlTokenEpochRowsStatements(
      table,
      made + 1,
      newest + EPOCH_ROWS_AHEAD,
    )) {
      await this.dataSource.query(statement.sql, statement.params);
    }
  }

  /**
   * Sweeps the epochs with at least `min` dead keys (1: every epoch with any), up to SWEEP_BATCH keys
   * each. Returns how many keys it took.
   */
  async sweep(min: number = SWEEP_MIN): Promise<number> {
    const mapping = customerSqlStorage.mysqlTokenIndex!;
    const epochs = await this.dataSource.query<{ epoch: number | string; n: number | string }[]>(
      `SELECT seq >> ${EPOCH_BITS} AS epoch, COUNT(*) AS n FROM ${mapping.deadTable} GROUP BY epoch`,
    );
    let taken = 0;
    for (const { epoch } of epochs.filter((e) => Number(e.n) >= min)) {
      if (this.stopped) {
        break;
      }
      const first = Number(epoch) * 2 ** EPOCH_BITS;
      const dead = await this.dataSource.query<{ seq: number | string }[]>(
        `SELECT seq FROM ${mapping.deadTable} WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ${SWEEP_BATCH}`,
        [first, first + 2 ** EPOCH_BITS],
      );
      const seqs = dead.map((row) => Number(row.seq));
      taken += seqs.length;
      const runner = this.dataSource.createQueryRunner();
      let connection: object | undefined;
      try {
        connection = (await runner.connect()) as object;
        await runner.startTransaction('READ COMMITTED');
        for (const statement of tokenSweepStatements(
          customerSqlStorage,
          Number(epoch),
          seqs,
          randomInt(MYSQL_EPOCH_SHARDS),
        )) {
          await runner.query(statement.sql, statement.params);
        }
        await runner.commitTransaction();
      } catch (err) {
        // A statement timeout closes the connection: a ROLLBACK would queue behind it untimed.
        if (connection) {
          await endFailedTransaction(runner, connection, err);
        }
        throw err;
      } finally {
        await runner.release();
      }
    }
    return taken;
  }
}
