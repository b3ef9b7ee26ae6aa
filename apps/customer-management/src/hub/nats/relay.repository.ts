import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '@server/database/transaction-runner';
import { deleteChanges } from '@server/hub/outbox/fan-out.repository';

/** A committed change as the relay publishes it. */
export interface RelayedChange {
  id: number;
  payload: string;
}

/**
 * The nats transport's side of `hub_outbox`: committed rows in id order, and their deletion once
 * JetStream has acknowledged them (no transaction is held across the publish).
 */
@Injectable()
export class RelayRepository {
  constructor(private readonly tx: TransactionRunner) {}

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
