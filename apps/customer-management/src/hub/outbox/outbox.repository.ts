import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { TransactionRunner } from '@server/database/transaction-runner';

export interface OutboxCounts {
  /** Changes committed and not yet fanned out (db) or relayed (nats). */
  changes: number;
  pending: number;
  claimed: number;
  dead: number;
  events: number;
}

/**
 * The outbox as the write path and the operators see it. `hub_outbox` holds one row per change (its
 * events, as the JSON array of envelopes), appended in the change's transaction whatever the number
 * of subscribers; the fan-out (`FanOutRepository`) turns it into `hub_event` (each event once, the
 * exact JSON delivered; its id is the stable `eventId`) and `hub_delivery` (one row per event and
 * subscription still to deliver, or dead).
 */
@Injectable()
export class OutboxRepository {
  private readonly shareLock: string;

  constructor(private readonly tx: TransactionRunner) {
    this.shareLock = tx.dialect === 'mysql' ? ' LOCK IN SHARE MODE' : '';
  }

  /**
   * Inside the change's transaction: how many subscriptions exist. On MySQL/MariaDB the gate row is
   * read with a shared lock held until commit, so no subscription can be created or deleted between
   * this read and the commit (writers do not block each other; a subscription change waits for the
   * writes in flight, and they for it). On SQLite the single writer gives the same order.
   */
  async subscriptionCountIn(manager: EntityManager): Promise<number> {
    const rows = await manager.query<{ value: number | string }[]>(
      `SELECT value FROM hub_gate WHERE name = 'subscriptions'${this.shareLock}`,
    );
    return Number(rows[0]?.value ?? 0);
  }

  /** Inside the change's transaction: the change's events, one row whatever the subscribers. */
  async append(manager: EntityManager, payload: string, now: number): Promise<void> {
    await manager.query('INSERT INTO hub_outbox (payload, created_at) VALUES (?, ?)', [
      payload,
      now,
    ]);
  }

  /** Changes committed and not yet fanned out or relayed. */
  async changeCount(): Promise<number> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM hub_outbox'),
    );
    return Number(rows[0]?.n ?? 0);
  }

  async counts(now: number): Promise<OutboxCounts> {
    return this.tx.read(async (manager) => {
      const rows = await manager.query<
        { status: string; claimed: number | string; n: number | string }[]
      >(
        `SELECT status, CASE WHEN claim_token IS NOT NULL AND next_attempt_at > ? THEN 1 ELSE 0 END AS claimed,
                COUNT(*) AS n
         FROM hub_delivery GROUP BY status, CASE WHEN claim_token IS NOT NULL AND next_attempt_at > ? THEN 1 ELSE 0 END`,
        [now, now],
      );
      const events = await manager.query<{ n: number | string }[]>(
        'SELECT COUNT(*) AS n FROM hub_event',
      );
      const changes = await manager.query<{ n: number | string }[]>(
        'SELECT COUNT(*) AS n FROM hub_outbox',
      );
      const counts: OutboxCounts = { changes: 0, pending: 0, claimed: 0, dead: 0, events: 0 };
      for (const row of rows) {
        const n = Number(row.n);
        if (row.status === 'dead') {
          counts.dead += n;
        } else if (Number(row.claimed) === 1) {
          counts.claimed += n;
        } else {
          counts.pending += n;
        }
      }
      counts.events = Number(events[0]?.n ?? 0);
      counts.changes = Number(changes[0]?.n ?? 0);
      return counts;
    });
  }
}
