import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { TransactionRunner } from '@server/database/transaction-runner';

/** An event to append with the ids of the subscriptions it goes to. */
export interface OutboxEntry {
  eventId: string;
  eventType: string;
  resourceId: string;
  payload: string;
  subscriptionIds: string[];
}

export interface OutboxCounts {
  pending: number;
  claimed: number;
  dead: number;
  events: number;
}

/**
 * The outbox as the write path and the operators see it: `hub_event` holds each event once, the exact
 * JSON every subscriber receives (its id is the stable `eventId`); `hub_delivery` one row per event and
 * subscription still to deliver, or dead. Appends run in the caller's write transaction; the delivery
 * side (claims, outcomes, purges) is `DeliveryRepository`, the dead letters `DeadLetterRepository`.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly tx: TransactionRunner) {}

  /** Inside the change's transaction: the events and one pending delivery per subscription. */
  async append(manager: EntityManager, entries: OutboxEntry[], now: number): Promise<void> {
    const events = entries.filter((e) => e.subscriptionIds.length > 0);
    if (events.length === 0) {
      return;
    }
    await manager.query(
      `INSERT INTO hub_event (id, event_type, resource_id, payload, created_at) VALUES ${events
        .map(() => '(?, ?, ?, ?, ?)')
        .join(', ')}`,
      events.flatMap((e) => [e.eventId, e.eventType, e.resourceId, e.payload, now]),
    );
    const deliveries = events.flatMap((e) => e.subscriptionIds.map((s) => [e.eventId, s]));
    await manager.query(
      `INSERT INTO hub_delivery (event_id, subscription_id, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ${deliveries.map(() => `(?, ?, 'pending', 0, ?, ?, ?)`).join(', ')}`,
      deliveries.flatMap(([eventId, subscriptionId]) => [eventId, subscriptionId, now, now, now]),
    );
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
      const counts: OutboxCounts = { pending: 0, claimed: 0, dead: 0, events: 0 };
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
      return counts;
    });
  }
}
