import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { TransactionRunner } from '@server/database/transaction-runner';
import type { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import {
  SubscriptionFilter,
  SubscriptionRepository,
} from '@server/hub/subscriptions/subscription.repository';

import { OutboxChange, planFanOut } from './fan-out-plan';

export interface FanOutBatch {
  /** Outbox rows taken (0: none committed). */
  changes: number;
  /** Subscriptions that got new deliveries. */
  recipients: string[];
  deliveries: number;
  /** Rows were left for another batch. */
  more: boolean;
}

// Rows per multi-row INSERT (5 parameters each; under SQLite's and MySQL's placeholder limits).
const INSERT_CHUNK = 500;

/**
 * The db transport's fan-out: in one transaction, takes committed `hub_outbox` rows in id order,
 * writes `hub_event` and one `hub_delivery` per recipient, and deletes the rows, so a crash leaves
 * either all of a batch or none of it. One process at a time runs it (`FanOutService`'s lease), so
 * deliveries are queued in outbox order; two that overlap (a lease lost mid-batch) conflict on the
 * same rows and one of them rolls back.
 */
@Injectable()
export class FanOutRepository {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly subscriptions: SubscriptionRepository,
  ) {}

  async fanOut(
    limits: { changes: number; deliveries: number },
    matches: (subscription: SubscriptionFilter, event: CustomerEventEnvelope) => boolean,
    now: number,
  ): Promise<FanOutBatch> {
    return this.tx.write(async (manager) => {
      const none: FanOutBatch = { changes: 0, recipients: [], deliveries: 0, more: false };
      const rows = await manager.query<{ id: number | string; payload: string }[]>(
        'SELECT id, payload FROM hub_outbox ORDER BY id LIMIT ?',
        [limits.changes],
      );
      if (rows.length === 0) {
        return none;
      }
      const subscriptions = await this.subscriptions.filtersIn(manager);
      // Whole changes, until the batch holds `limits.deliveries` rows (at least one change).
      const taken: number[] = [];
      const plan: ReturnType<typeof planFanOut> = [];
      let deliveries = 0;
      for (const row of rows) {
        const change: OutboxChange = {
          id: Number(row.id),
          events: JSON.parse(row.payload) as CustomerEventEnvelope[],
        };
        const planned = planFanOut([change], subscriptions, matches);
        const size = planned.reduce((n, p) => n + p.subscriptionIds.length, 0);
        if (taken.length > 0 && deliveries + size > limits.deliveries) {
          break;
        }
        taken.push(change.id);
        plan.push(...planned);
        deliveries += size;
      }
      await insertRows(
        manager,
        'INSERT INTO hub_event (id, event_type, resource_id, payload, created_at) VALUES',
        plan.map(({ event }) => [
          event.eventId,
          event.eventType,
          event.event.customer.id as string,
          JSON.stringify(event),
          now,
        ]),
      );
      await insertRows(
        manager,
        'INSERT INTO hub_delivery (event_id, subscription_id, status, attempts, next_attempt_at, created_at, updated_at) VALUES',
        plan.flatMap(({ event, subscriptionIds }) =>
          subscriptionIds.map((s) => [event.eventId, s, 'pending', 0, now, now, now]),
        ),
      );
      await deleteChanges(manager, taken);
      return {
        changes: taken.length,
        recipients: [...new Set(plan.flatMap((p) => p.subscriptionIds))],
        deliveries,
        more: taken.length < rows.length || rows.length === limits.changes,
      };
    });
  }
}

/**
 * Deletes fanned-out (or relayed) outbox rows and raises the gate's `fanout` row to the highest id
 * deleted, in the caller's transaction: a subscription's position (ADR 0010) must count ids that are
 * no longer in the table.
 */
export async function deleteChanges(manager: EntityManager, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) {
    return;
  }
  await manager.query(`DELETE FROM hub_outbox WHERE id IN (${ids.map(() => '?').join(', ')})`, [
    ...ids,
  ]);
  const highest = Math.max(...ids);
  await manager.query(
    `UPDATE hub_gate SET value = CASE WHEN value < ? THEN ? ELSE value END WHERE name = 'fanout'`,
    [highest, highest],
  );
}

async function insertRows(
  manager: EntityManager,
  head: string,
  rows: readonly unknown[][],
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const tuple = `(${chunk[0].map(() => '?').join(', ')})`;
    await manager.query(`${head} ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}
