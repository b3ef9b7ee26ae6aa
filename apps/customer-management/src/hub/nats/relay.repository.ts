import { randomInt } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { affectedRows } from '@server/database/affected-rows';
import { TransactionRunner } from '@server/database/transaction-runner';
import { deleteChanges } from '@server/hub/outbox/fan-out.repository';

/** A committed change as the relay publishes it. */
export interface RelayedChange {
  id: number;
  payload: string;
}

/**
 * The nats transport's side of `hub_outbox`: a lease on the gate's `relay` row (one relaying replica
 * at a time, without a transaction held across the publish), committed rows in id order, and their
 * deletion once JetStream has acknowledged them.
 */
@Injectable()
export class RelayRepository {
  // The lease value this process wrote last: its expiry (ms) x 1000 plus a random tag.
  private lease = -1;

  constructor(private readonly tx: TransactionRunner) {}

  /** Takes or renews the relay lease until `now + leaseMs`; false when another replica holds it. */
  async acquireLease(now: number, leaseMs: number): Promise<boolean> {
    const next = (now + leaseMs) * 1000 + randomInt(1000);
    const taken = await this.tx.write((manager) =>
      affectedRows(
        manager,
        `UPDATE hub_gate SET value = ? WHERE name = 'relay' AND (value < ? OR value = ?)`,
        [next, now * 1000, this.lease],
      ),
    );
    if (taken === 1) {
      this.lease = next;
      return true;
    }
    return false;
  }

  /** SQLite (one process per file): a lease left by a predecessor that died is void at once. */
  async voidAbandonedLease(): Promise<void> {
    if (this.tx.dialect === 'sqlite') {
      await this.tx.write((manager) =>
        manager.query(`UPDATE hub_gate SET value = 0 WHERE name = 'relay'`),
      );
    }
  }

  async releaseLease(): Promise<void> {
    if (this.lease < 0) {
      return;
    }
    const mine = this.lease;
    this.lease = -1;
    await this.tx.write((manager) =>
      manager.query(`UPDATE hub_gate SET value = 0 WHERE name = 'relay' AND value = ?`, [mine]),
    );
  }

  async next(limit: number): Promise<RelayedChange[]> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ id: number | string; payload: string }[]>(
        'SELECT id, payload FROM hub_outbox ORDER BY id LIMIT ?',
        [limit],
      ),
    );
    return rows.map((row) => ({ id: Number(row.id), payload: row.payload }));
  }

  async remove(ids: number[]): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await this.tx.write((manager) => deleteChanges(manager, ids));
  }
}
