import { Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createPool, Pool } from 'mysql2';
import { DataSource } from 'typeorm';

import { AppConfig, DatabaseTimeouts, ReadReplicaSettings } from '@server/config/app-config';

import { classifyDatabaseError } from './database-errors';
import { guardPool, queryPool } from './pool-guard';
import { currentConsistency } from './read-consistency';
import { detectFlavour, primaryPositionSql, ServerFlavour } from './server-flavour';

/** Runs one read-only statement and returns its rows. */
export type RowQuery = <R>(sql: string, params: readonly unknown[]) => Promise<R[]>;

/** up: serves reads; lagging: further behind than DB_READ_MAX_LAG_MS; down: unreachable. */
export type ReplicaState = 'starting' | 'up' | 'lagging' | 'down';

/** Why a read was served where it was: the `reason` label of db_replica_reads_total. */
export type ReadRoute =
  | 'replica'
  | 'replica_waited'
  | 'primary_replica_out'
  | 'primary_wait_timeout'
  | 'primary_miss'
  | 'primary_replica_error'
  | 'primary_bad_token';

const CHECK_INTERVAL_MS = 1000;
/** Primary positions remembered while the replica has not reached them (bounds memory and queries). */
const MAX_SAMPLES = 120;
/** Replica queries per check for the samples it has reached since the last check. */
const MAX_PROBES_PER_CHECK = 4;

/**
 * DATABASE_READ_URL: a replica that serves the customer reads (`TransactionRunner.readOne` /
 * `readRows`; writes, locks, the hub and admin stay on the primary).
 *
 * Lag is measured in time, from GTID positions: every second the primary's position is sampled,
 * and the replica's lag is the age of the oldest sample it has not applied yet (0 once it has them
 * all). A replica lagging beyond DB_READ_MAX_LAG_MS, or unreachable, is out of reads (the primary
 * serves them) until a check finds it healthy again. A read presenting a consistency token first
 * waits up to DB_READ_WAIT_MS for the replica to apply it (MASTER_GTID_WAIT /
 * WAIT_FOR_EXECUTED_GTID_SET), else the primary serves it; a GET by id that finds nothing on the
 * replica asks the primary too (the row may be newer than the replica).
 */
@Injectable()
export class ReadReplica implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReadReplica.name);
  private readonly settings: ReadReplicaSettings | undefined;
  private readonly timeouts: DatabaseTimeouts | undefined;
  private pool?: Pool;
  private flavour: ServerFlavour = { mariadb: true, galera: false };
  private timer?: NodeJS.Timeout;
  private samples: { at: number; position: string }[] = [];
  private checking = false;
  state: ReplicaState = 'starting';
  /** Milliseconds behind the primary at the last check; undefined while down. */
  lagMs: number | undefined;
  /** Reads by route since start (metrics). */
  readonly reads: Record<ReadRoute, number> = {
    replica: 0,
    replica_waited: 0,
    primary_replica_out: 0,
    primary_wait_timeout: 0,
    primary_miss: 0,
    primary_replica_error: 0,
    primary_bad_token: 0,
  };

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    @Optional() config?: AppConfig,
  ) {
    this.settings = config?.readReplica;
    this.timeouts = config?.dbTimeouts;
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  async onModuleInit(): Promise<void> {
    if (!this.settings) {
      return;
    }
    const { database, poolSize } = this.settings;
    // The options TypeORM gives the primary's pool: values come back typed the same on both.
    this.pool = createPool({
      host: database.host,
      port: database.port,
      user: database.username,
      password: database.password,
      database: database.database,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      stringifyObjects: true,
      connectionLimit: poolSize,
      enableKeepAlive: true,
      connectTimeout: 2000,
    });
    if (this.timeouts) {
      guardPool(this.pool, this.timeouts.acquireMs);
    }
    this.flavour = await detectFlavour(this.primary);
    // The first check before serving, so a healthy replica serves from the first request; a
    // replica that is down does not delay the start (the primary serves meanwhile).
    await this.check();
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    const pool = this.pool;
    this.pool = undefined;
    await new Promise<void>((resolve) => (pool ? pool.end(() => resolve()) : resolve()));
  }

  /**
   * Runs a read where it may be served (see the class comment); `onPrimary` runs it on the primary.
   * `missed`: a result the primary must confirm (a GET by id that found nothing).
   */
  async read<T>(
    work: (query: RowQuery) => Promise<T>,
    onPrimary: () => Promise<T>,
    missed?: (result: T) => boolean,
  ): Promise<T> {
    const context = currentConsistency();
    if (this.state !== 'up' || !this.pool) {
      return this.primaryRead('primary_replica_out', onPrimary);
    }
    if (context?.invalid) {
      return this.primaryRead('primary_bad_token', onPrimary);
    }
    let result: T;
    try {
      if (context?.presented && !(await this.waitFor(context.presented))) {
        return await this.primaryRead('primary_wait_timeout', onPrimary);
      }
      result = await work((sql, params) => this.query(sql, params));
    } catch (err) {
      if (classifyDatabaseError(err) === 'other') {
        throw err;
      }
      this.markDown(err);
      return this.primaryRead('primary_replica_error', onPrimary);
    }
    if (missed?.(result)) {
      return this.primaryRead('primary_miss', onPrimary);
    }
    this.reads[context?.presented ? 'replica_waited' : 'replica']++;
    return result;
  }

  private primaryRead<T>(route: ReadRoute, onPrimary: () => Promise<T>): Promise<T> {
    this.reads[route]++;
    return onPrimary();
  }

  /** True once the replica has applied `token`, waiting up to DB_READ_WAIT_MS. */
  private async waitFor(token: string): Promise<boolean> {
    const waitMs = this.settings?.waitMs ?? 0;
    const seconds = waitMs / 1000;
    const [row] = this.flavour.mariadb
      ? await this.query<{ r: number | string }>(
          'SELECT MASTER_GTID_WAIT(?, ?) AS r',
          [token, seconds],
          waitMs,
        )
      : seconds > 0
        ? await this.query<{ r: number | string }>(
            'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r',
            [token, seconds],
            waitMs,
          )
        : await this.query<{ r: number | string }>(
            'SELECT 1 - GTID_SUBSET(?, @@global.gtid_executed) AS r',
            [token],
          );
    return Number(row?.r) === 0;
  }

  /** Samples the primary's position and measures how far behind the replica is; never throws. */
  async check(): Promise<void> {
    if (this.checking || !this.pool || !this.settings) {
      return;
    }
    this.checking = true;
    try {
      const now = Date.now();
      let primary: { p: string | null } | undefined;
      try {
        [primary] = await this.primary.query<{ p: string | null }[]>(
          primaryPositionSql(this.flavour),
        );
      } catch {
        // The primary is out (readiness says so): nothing to measure against, the state stays.
        return;
      }
      this.samples.push({ at: now, position: primary?.p ?? '' });
      if (this.samples.length > MAX_SAMPLES) {
        this.samples.shift();
      }
      // Newest first: when the replica has it, it has them all.
      if (await this.reached(this.samples[this.samples.length - 1].position)) {
        this.samples = this.samples.slice(-1);
        this.setLag(0);
        return;
      }
      for (let probe = 0; probe < MAX_PROBES_PER_CHECK && this.samples.length > 1; probe++) {
        if (!(await this.reached(this.samples[0].position))) {
          break;
        }
        this.samples.shift();
      }
      this.setLag(now - this.samples[0].at);
    } catch (err) {
      this.markDown(err);
    } finally {
      this.checking = false;
    }
  }

  private async reached(position: string): Promise<boolean> {
    if (position === '') {
      // The primary has written nothing to its binary log: nothing to wait for.
      return true;
    }
    const [row] = this.flavour.mariadb
      ? await this.query<{ r: number | string }>('SELECT MASTER_GTID_WAIT(?, 0) AS r', [position])
      : await this.query<{ r: number | string }>(
          'SELECT GTID_SUBSET(?, @@global.gtid_executed) - 1 AS r',
          [position],
        );
    return Number(row?.r) === 0;
  }

  private setLag(lagMs: number): void {
    const next: ReplicaState = lagMs <= (this.settings?.maxLagMs ?? 0) ? 'up' : 'lagging';
    if (next !== this.state) {
      this.logger.log(`Read replica ${next} (lag ${lagMs} ms)`);
    }
    this.state = next;
    this.lagMs = lagMs;
  }

  private markDown(err: unknown): void {
    if (this.state !== 'down') {
      this.logger.warn(`Read replica down, reads go to the primary: ${(err as Error).message}`);
    }
    this.state = 'down';
    this.lagMs = undefined;
  }

  /** `waitsMs`: how long the statement itself waits, on top of DB_STATEMENT_TIMEOUT_MS. */
  private query<R>(sql: string, params: readonly unknown[], waitsMs = 0): Promise<R[]> {
    const pool = this.pool;
    if (!pool) {
      return Promise.reject(new Error('Pool is closed.'));
    }
    const timeoutMs = this.timeouts ? this.timeouts.statementMs + waitsMs : undefined;
    return queryPool<R[]>(pool, sql, params, timeoutMs);
  }
}
