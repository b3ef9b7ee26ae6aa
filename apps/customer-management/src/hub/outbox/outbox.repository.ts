import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { GroupWrite, TransactionRunner } from '@server/database/transaction-runner';

/** The memo key (`TransactionRunner.memo`) of the subscription count a write transaction read. */
export const SUBSCRIPTION_GATE = 'hub_gate.subscriptions';

export interface OutboxCounts {
  /** Changes committed and not yet fanned out (db) or relayed (nats). */
  changes: number;
  pending: number;
  claimed: number;
  dead: number;
  events: number;
}

/** The subscriptions of each version, as a change's transaction sees them. */
export interface Subscribers {
  v4: number;
  v5: number;
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
   * Inside the change's transaction: how many subscriptions exist, in all and through v5. On
   * MySQL/MariaDB the gate rows are read with a shared lock held until commit, so no subscription
   * can be created or deleted between this read and the commit (writers do not block each other; a
   * subscription change waits for the writes in flight, and they for it). On SQLite the single
   * writer gives the same order. The counts are thus those of the subscriptions that exist when the
   * change commits, its recipients (ADR 0010).
   */
  async subscribersIn(manager: EntityManager): Promise<Subscribers> {
    // Once per transaction: the lock holds until commit, and a subscription change in the same
    // transaction (another unit of its write group) forgets the value (`SUBSCRIPTION_GATE`).
    return this.tx.memo(manager, SUBSCRIPTION_GATE, async () => {
      const rows = await manager.query<{ name: string; value: number | string }[]>(
        `SELECT name, value FROM hub_gate WHERE name IN ('subscriptions', 'subscriptions_v5')${this.shareLock}`,
      );
      const value = (name: string) => Number(rows.find((row) => row.name === name)?.value ?? 0);
      const all = value('subscriptions');
      const v5 = value('subscriptions_v5');
      return { v4: all - v5, v5 };
    });
  }

  /**
   * Inside the change's transaction: the change's events, one row whatever the subscribers. In a
   * write group the rows of all its changes are one INSERT just before COMMIT, in the units' order
   * (a statement per write was most of what a subscription cost a MariaDB POST: docs/hub.md).
   */
  async append(manager: EntityManager, payload: string, now: number): Promise<void> {
    await this.tx.groupWrite(manager, this.rows, [{ payload, now }]);
  }

  private readonly rows: GroupWrite<{ payload: string; now: number }> = {
    run: (_, rows) =>
      Promise.resolve([
        {
          sql: `INSERT INTO hub_outbox (payload, created_at) VALUES ${rows.map(() => '(?, ?)').join(', ')}`,
          params: rows.flatMap((row) => [row.payload, row.now]),
        },
      ]),
  };

  /** Changes committed and not yet fanned out or relayed. */
  async changeCount(): Promise<number> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM hub_outbox'),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Deliveries stored and still to make (pending or in flight, not dead). */
  async deliveryBacklog(): Promise<number> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ n: number | string }[]>(
        "SELECT COUNT(*) AS n FROM hub_delivery WHERE status <> 'dead'",
      ),
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
