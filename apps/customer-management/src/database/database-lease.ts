import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

import { classifyDatabaseError } from './database-errors';

/**
 * Created before any migration (the migrations run under a lease): `IF NOT EXISTS` makes every
 * process's CREATE harmless, and it has a primary key, which Galera and Group Replication require.
 */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS tmf_lease (
  name VARCHAR(64) NOT NULL,
  holder VARCHAR(128) NULL,
  expires_at DATETIME(3) NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB`;

/**
 * Per data source, the leases whose `tmf_lease` table and row are known to exist: created once per
 * process. On Galera every CREATE TABLE, even one that finds the table, is a DDL run in total order
 * isolation, which waits for the whole cluster and holds every node's commits meanwhile; a role
 * lease that each process polls for would run one per poll.
 */
const prepared = new WeakMap<DataSource, Set<string>>();

export interface LeaseOptions {
  /** How long a lease lasts unless renewed: a crashed holder's lease is free after this. */
  ttlMs: number;
  /** How long `acquire` keeps trying before it gives up. */
  waitMs: number;
  /** Pause between attempts to take a held lease. */
  pollMs: number;
}

/**
 * A named lease held in a row of `tmf_lease` (MySQL / MariaDB): a compare-and-set on the row
 * (`holder` unset or `expires_at` past) takes it, the holder renews it while it works, and a crashed
 * holder's lease expires. Unlike GET_LOCK, which is local to one server, a row is the same on every
 * node of a Galera or Group Replication cluster (and on TiDB): two processes on two nodes cannot
 * both hold it, since the later commit of the same row fails certification. Times are the database's
 * (NOW(3)), so the app hosts' clocks do not matter.
 */
export class DatabaseLease {
  private readonly logger = new Logger(DatabaseLease.name);
  /** Who holds it: host, process and a random part (two processes of one host differ). */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private renewal?: NodeJS.Timeout;
  private lost = false;

  constructor(
    private readonly dataSource: DataSource,
    readonly name: string,
    private readonly options: LeaseOptions,
  ) {}

  /** Takes the lease, waiting while another holder has it; throws after `waitMs`. */
  async acquire(): Promise<void> {
    let names = prepared.get(this.dataSource);
    if (!names?.has(this.name)) {
      if (!names) {
        await this.dataSource.query(CREATE_TABLE);
        names = new Set();
        prepared.set(this.dataSource, names);
      }
      await this.tolerateConflict(() =>
        this.dataSource.query(
          'INSERT IGNORE INTO tmf_lease (name, holder, expires_at) VALUES (?, NULL, NULL)',
          [this.name],
        ),
      );
      names.add(this.name);
    }
    const deadline = Date.now() + this.options.waitMs;
    while (!(await this.tryTake())) {
      if (Date.now() >= deadline) {
        throw new Error(
          `Could not take the lease '${this.name}' within ${this.options.waitMs / 1000}s (held by ${await this.currentHolder()})`,
        );
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs * (0.5 + Math.random())));
    }
    this.lost = false;
    // Renewed three times per TTL: one late renewal does not lose it.
    this.renewal = setInterval(() => void this.renew(), this.options.ttlMs / 3);
    this.renewal.unref();
  }

  /** Frees the lease at once for the next holder (it would expire anyway). */
  async release(): Promise<void> {
    clearInterval(this.renewal);
    this.renewal = undefined;
    await this.dataSource
      .query(
        'UPDATE tmf_lease SET holder = NULL, expires_at = NULL WHERE name = ? AND holder = ?',
        [this.name, this.holder],
      )
      .catch((err: Error) => this.logger.warn(`Lease '${this.name}' not released: ${err.message}`));
  }

  /** True when a renewal found the lease taken over (it expired: this holder stalled past TTL). */
  get wasLost(): boolean {
    return this.lost;
  }

  private async tryTake(): Promise<boolean> {
    const result = await this.tolerateConflict(() =>
      this.dataSource.query(
        `UPDATE tmf_lease SET holder = ?, expires_at = NOW(3) + INTERVAL ? MICROSECOND
          WHERE name = ? AND (holder IS NULL OR expires_at < NOW(3))`,
        [this.holder, this.options.ttlMs * 1000, this.name],
      ),
    );
    return affected(result) === 1;
  }

  private async renew(): Promise<void> {
    try {
      const result = await this.tolerateConflict(() =>
        this.dataSource.query(
          'UPDATE tmf_lease SET expires_at = NOW(3) + INTERVAL ? MICROSECOND WHERE name = ? AND holder = ?',
          [this.options.ttlMs * 1000, this.name, this.holder],
        ),
      );
      if (result !== undefined && affected(result) === 0) {
        this.lost = true;
        this.logger.error(
          `Lease '${this.name}' was taken over: this holder stalled beyond its TTL`,
        );
      }
    } catch (err) {
      this.logger.warn(`Lease '${this.name}' not renewed: ${(err as Error).message}`);
    }
  }

  private async currentHolder(): Promise<string> {
    const rows = await this.dataSource.query<{ holder: string | null }[]>(
      'SELECT holder FROM tmf_lease WHERE name = ?',
      [this.name],
    );
    return rows[0]?.holder ?? 'nobody';
  }

  /**
   * Runs one autocommit statement; a conflict (another node committed the same row first: Galera
   * certification, Group Replication) means "not taken this time", so undefined, never an error.
   */
  private async tolerateConflict(run: () => Promise<unknown>): Promise<unknown> {
    try {
      return await run();
    } catch (err) {
      if (classifyDatabaseError(err) === 'conflict') {
        return undefined;
      }
      throw err;
    }
  }
}

function affected(result: unknown): number {
  return (result as { affectedRows?: number } | undefined)?.affectedRows ?? 0;
}
