import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { DatabaseLease } from '@server/database/database-lease';
import { TransactionRunner } from '@server/database/transaction-runner';

/**
 * A role one process plays at a time (the fan-out, the NATS relay). On MySQL/MariaDB a
 * `DatabaseLease` row (a compare-and-set, so it holds on Galera and Group Replication too), taken
 * when free and renewed while held; a holder that stalls past the TTL loses it to the next. On
 * SQLite the one process owns the file, so it always holds the role.
 */
export class RoleLease {
  private lease: DatabaseLease | undefined;

  constructor(
    private readonly dataSource: DataSource | undefined,
    readonly name: string,
    private readonly ttlMs: number,
  ) {}

  /** Whether this process holds the role now (taking it when it is free). */
  async hold(): Promise<boolean> {
    if (!this.dataSource) {
      return true;
    }
    if (this.lease && !this.lease.wasLost) {
      return true;
    }
    await this.lease?.release();
    const lease = new DatabaseLease(this.dataSource, this.name, {
      ttlMs: this.ttlMs,
      waitMs: 0,
      pollMs: 0,
    });
    try {
      await lease.acquire();
    } catch {
      this.lease = undefined;
      return false; // another process holds it
    }
    this.lease = lease;
    return true;
  }

  async release(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }
}

/** Makes the hub's role leases (MySQL/MariaDB rows; nothing to hold on SQLite). */
@Injectable()
export class RoleLeases {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
  ) {}

  lease(name: string, ttlMs: number): RoleLease {
    return new RoleLease(this.tx.dialect === 'mysql' ? this.dataSource : undefined, name, ttlMs);
  }
}
