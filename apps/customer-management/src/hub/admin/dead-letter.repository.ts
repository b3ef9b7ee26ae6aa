import { Injectable } from '@nestjs/common';

import { affectedRows } from '@server/database/affected-rows';
import { TransactionRunner } from '@server/database/transaction-runner';

export interface DeadLetter {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  callback: string | null;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deadAt: number;
  event: unknown;
}

export interface NewDeadLetter {
  eventId: string;
  eventType: string;
  resourceId: string;
  payload: string;
  subscriptionId: string;
  attempts: number;
  lastError: string;
  lastStatus?: number;
}

interface DeadLetterRow {
  id: string | number;
  event_id: string;
  event_type: string;
  subscription_id: string;
  callback: string | null;
  attempts: number | string;
  last_status: number | null;
  last_error: string | null;
  created_at: number | string;
  updated_at: number | string;
  payload: string;
}

/**
 * Dead letters: deliveries left in `hub_delivery` with `status = 'dead'` after HUB_MAX_ATTEMPTS (or a
 * refusal by the SSRF policy), with their last error, for operators to list, redrive or discard.
 */
@Injectable()
export class DeadLetterRepository {
  constructor(private readonly tx: TransactionRunner) {}

  /** One page of dead letters, oldest first, and how many there are in all. */
  async page(
    filter: { subscriptionId?: string },
    offset: number,
    limit: number,
  ): Promise<{ items: DeadLetter[]; total: number }> {
    return this.tx.read(async (manager) => {
      const where = filter.subscriptionId
        ? `d.status = 'dead' AND d.subscription_id = ?`
        : `d.status = 'dead'`;
      const params = filter.subscriptionId ? [filter.subscriptionId] : [];
      const rows = await manager.query<DeadLetterRow[]>(
        `SELECT d.id, d.event_id, e.event_type, d.subscription_id, s.callback, d.attempts, d.last_status,
                d.last_error, d.created_at, d.updated_at, e.payload
         FROM hub_delivery d
         JOIN hub_event e ON e.id = d.event_id
         LEFT JOIN hub_subscription s ON s.id = d.subscription_id
         WHERE ${where}
         ORDER BY d.updated_at, d.id LIMIT ? OFFSET ?`,
        [...params, limit, offset],
      );
      const counted = await manager.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM hub_delivery d WHERE ${where}`,
        params,
      );
      return { items: rows.map(toDeadLetter), total: Number(counted[0]?.n ?? 0) };
    });
  }

  /** Makes dead letters pending again with a fresh attempt budget; returns how many. */
  async redrive(filter: { ids?: string[]; subscriptionId?: string }, now: number): Promise<number> {
    return this.tx.write(async (manager) => {
      const conditions = [`status = 'dead'`];
      const params: unknown[] = [now, now];
      if (filter.ids) {
        if (filter.ids.length === 0) {
          return 0;
        }
        conditions.push(`id IN (${filter.ids.map(() => '?').join(', ')})`);
        params.push(...filter.ids);
      }
      if (filter.subscriptionId) {
        conditions.push('subscription_id = ?');
        params.push(filter.subscriptionId);
      }
      return affectedRows(
        manager,
        `UPDATE hub_delivery SET status = 'pending', attempts = 0, next_attempt_at = ?, claim_token = NULL, updated_at = ?
         WHERE ${conditions.join(' AND ')}`,
        params,
      );
    });
  }

  /**
   * Stores a dead letter decided outside `hub_delivery` (the nats transport): the event once, and a
   * dead delivery unless that event already has a row for that subscription.
   */
  async record(letter: NewDeadLetter, now: number): Promise<void> {
    await this.tx.write(async (manager) => {
      const known = await manager.query<unknown[]>('SELECT id FROM hub_event WHERE id = ?', [
        letter.eventId,
      ]);
      if (known.length === 0) {
        await manager.query(
          'INSERT INTO hub_event (id, event_type, resource_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
          [letter.eventId, letter.eventType, letter.resourceId, letter.payload, now],
        );
      }
      const existing = await manager.query<unknown[]>(
        'SELECT id FROM hub_delivery WHERE event_id = ? AND subscription_id = ?',
        [letter.eventId, letter.subscriptionId],
      );
      if (existing.length === 0) {
        await manager.query(
          `INSERT INTO hub_delivery (event_id, subscription_id, status, attempts, next_attempt_at, last_error, last_status, created_at, updated_at)
           VALUES (?, ?, 'dead', ?, ?, ?, ?, ?, ?)`,
          [
            letter.eventId,
            letter.subscriptionId,
            letter.attempts,
            now,
            letter.lastError.slice(0, 1000),
            letter.lastStatus ?? null,
            now,
            now,
          ],
        );
      }
    });
  }

  async discard(id: string): Promise<boolean> {
    return this.tx.write(
      async (manager) =>
        (await affectedRows(manager, `DELETE FROM hub_delivery WHERE id = ? AND status = 'dead'`, [
          id,
        ])) === 1,
    );
  }
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  let event: unknown;
  try {
    event = JSON.parse(row.payload);
  } catch {
    event = row.payload;
  }
  return {
    id: String(row.id),
    eventId: row.event_id,
    eventType: row.event_type,
    subscriptionId: row.subscription_id,
    callback: row.callback,
    attempts: Number(row.attempts),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    deadAt: Number(row.updated_at),
    event,
  };
}
