import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { Dialect } from '@server/database/dialect';
import { TransactionRunner } from '@server/database/transaction-runner';

/** An event to append with the ids of the subscriptions it goes to. */
export interface OutboxEntry {
  eventId: string;
  eventType: string;
  resourceId: string;
  payload: string;
  subscriptionIds: string[];
}

/** A delivery this process has claimed, with everything needed to attempt it. */
export interface ClaimedDelivery {
  id: string;
  claimToken: string;
  eventId: string;
  subscriptionId: string;
  /** Attempts started so far, this one included. */
  attempts: number;
  payload: string;
  /** Null when the subscription was deleted after the event was queued. */
  callback: string | null;
  query: string | null;
  secret: string | null;
}

export type DeliveryResult =
  | { kind: 'delivered'; delivery: ClaimedDelivery }
  | { kind: 'dropped'; delivery: ClaimedDelivery }
  | {
      kind: 'retry';
      delivery: ClaimedDelivery;
      nextAttemptAt: number;
      error: string;
      status?: number;
    }
  | { kind: 'dead'; delivery: ClaimedDelivery; error: string; status?: number }
  | { kind: 'released'; delivery: ClaimedDelivery };

export interface ClaimRequest {
  now: number;
  leaseMs: number;
  /** How many due deliveries to take per subscription (this process's free slots for each). */
  quotas: ReadonlyMap<string, number>;
}

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

export interface OutboxCounts {
  pending: number;
  claimed: number;
  dead: number;
  events: number;
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

const ERROR_MAX = 1000;

/**
 * The outbox tables (`hub_event`, `hub_delivery`) in plain SQL. Appends run in the caller's write
 * transaction; claims use `FOR UPDATE SKIP LOCKED` on MySQL/MariaDB (several replicas) and the single
 * serialized writer on SQLite. A claim leases rows by moving `next_attempt_at` past the lease and
 * stamping a `claim_token`; every later write of the row checks that token.
 */
@Injectable()
export class OutboxRepository {
  readonly dialect: Dialect;

  constructor(private readonly tx: TransactionRunner) {
    this.dialect = tx.dialect;
  }

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

  /**
   * Claims, for each subscription, up to its quota of due deliveries, oldest due first, and leases
   * them until `now + leaseMs`. One index range per subscription (`subscription_id, status,
   * next_attempt_at`), so a subscription with a huge backlog costs the others nothing. Rows another
   * replica holds are skipped.
   */
  async claim(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    if (request.quotas.size === 0) {
      return [];
    }
    return this.tx.write(async (manager) => {
      const lock = this.dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
      const ids: string[] = [];
      for (const [subscriptionId, quota] of request.quotas) {
        if (quota <= 0) {
          continue;
        }
        const due = await manager.query<{ id: string | number }[]>(
          `SELECT id FROM hub_delivery
           WHERE subscription_id = ? AND status = 'pending' AND next_attempt_at <= ?
           ORDER BY next_attempt_at, id LIMIT ?${lock}`,
          [subscriptionId, request.now, quota],
        );
        ids.push(...due.map((row) => String(row.id)));
      }
      if (ids.length === 0) {
        return [];
      }
      const token = randomUUID();
      const inList = ids.map(() => '?').join(', ');
      await manager.query(
        `UPDATE hub_delivery SET claim_token = ?, next_attempt_at = ?, attempts = attempts + 1, updated_at = ?
         WHERE id IN (${inList})`,
        [token, request.now + request.leaseMs, request.now, ...ids],
      );
      const rows = await manager.query<
        {
          id: string | number;
          event_id: string;
          subscription_id: string;
          attempts: number | string;
          payload: string;
          callback: string | null;
          query: string | null;
          secret: string | null;
        }[]
      >(
        `SELECT d.id, d.event_id, d.subscription_id, d.attempts, e.payload, s.callback, s.query, s.secret
         FROM hub_delivery d
         JOIN hub_event e ON e.id = d.event_id
         LEFT JOIN hub_subscription s ON s.id = d.subscription_id
         WHERE d.id IN (${inList})
         ORDER BY d.next_attempt_at, d.id`,
        ids,
      );
      return rows.map((row) => ({
        id: String(row.id),
        claimToken: token,
        eventId: row.event_id,
        subscriptionId: row.subscription_id,
        attempts: Number(row.attempts),
        payload: row.payload,
        callback: row.callback,
        query: row.query,
        secret: row.secret,
      }));
    });
  }

  /** Writes the outcomes of finished attempts in one transaction; rows whose claim was lost are left alone. */
  async record(results: DeliveryResult[], now: number): Promise<void> {
    if (results.length === 0) {
      return;
    }
    await this.tx.write(async (manager) => {
      const removed = results.filter((r) => r.kind === 'delivered' || r.kind === 'dropped');
      for (const [token, ids] of groupByToken(removed)) {
        await manager.query(
          `DELETE FROM hub_delivery WHERE claim_token = ? AND id IN (${ids.map(() => '?').join(', ')})`,
          [token, ...ids],
        );
      }
      for (const result of results) {
        const { id, claimToken } = result.delivery;
        switch (result.kind) {
          case 'delivered':
          case 'dropped':
            break;
          case 'retry':
            await manager.query(
              `UPDATE hub_delivery SET claim_token = NULL, next_attempt_at = ?, last_error = ?, last_status = ?, updated_at = ?
               WHERE id = ? AND claim_token = ?`,
              [
                result.nextAttemptAt,
                truncate(result.error),
                result.status ?? null,
                now,
                id,
                claimToken,
              ],
            );
            break;
          case 'dead':
            await manager.query(
              `UPDATE hub_delivery SET status = 'dead', claim_token = NULL, last_error = ?, last_status = ?, updated_at = ?
               WHERE id = ? AND claim_token = ?`,
              [truncate(result.error), result.status ?? null, now, id, claimToken],
            );
            break;
          case 'released':
            // Shutdown cut the attempt short: due again now, and the attempt does not count.
            await manager.query(
              `UPDATE hub_delivery SET claim_token = NULL, next_attempt_at = ?, attempts = attempts - 1, updated_at = ?
               WHERE id = ? AND claim_token = ?`,
              [now, now, id, claimToken],
            );
            break;
        }
      }
    });
  }

  /**
   * SQLite only (one process owns the file): claims left by a previous process that died are due
   * again at once instead of after their lease.
   */
  async releaseAbandonedClaims(now: number): Promise<number> {
    return this.tx.write(async (manager) => {
      const rows = await manager.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM hub_delivery WHERE status = 'pending' AND claim_token IS NOT NULL`,
      );
      await manager.query(
        `UPDATE hub_delivery SET claim_token = NULL, next_attempt_at = ?, updated_at = ?
         WHERE status = 'pending' AND claim_token IS NOT NULL`,
        [now, now],
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  async deadLetters(
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
      return this.execute(
        manager,
        `UPDATE hub_delivery SET status = 'pending', attempts = 0, next_attempt_at = ?, claim_token = NULL, updated_at = ?
         WHERE ${conditions.join(' AND ')}`,
        params,
      );
    });
  }

  async deleteDeadLetter(id: string): Promise<boolean> {
    return this.tx.write(
      async (manager) =>
        (await this.execute(manager, `DELETE FROM hub_delivery WHERE id = ? AND status = 'dead'`, [
          id,
        ])) === 1,
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

  /**
   * Deletes deliveries whose subscription is gone: a write that raced an unsubscribe may have queued
   * one after the unsubscribe deleted the rest. Nothing claims them (claims go by subscription).
   */
  async purgeOrphanDeliveries(): Promise<number> {
    return this.tx.write((manager) =>
      this.execute(
        manager,
        `DELETE FROM hub_delivery WHERE subscription_id NOT IN (SELECT id FROM hub_subscription)`,
        [],
      ),
    );
  }

  /** Deletes events older than `before` that no delivery refers to any more (bounded batch). */
  async purgeDeliveredEvents(before: number, batch = 1000): Promise<number> {
    return this.tx.write(async (manager) => {
      // One pass over hub_delivery (undelivered rows only), not one probe per event.
      const ids = await manager.query<{ id: string }[]>(
        `SELECT e.id FROM hub_event e
         WHERE e.created_at < ? AND e.id NOT IN (SELECT d.event_id FROM hub_delivery d)
         ORDER BY e.created_at LIMIT ?`,
        [before, batch],
      );
      if (ids.length === 0) {
        return 0;
      }
      return this.execute(
        manager,
        `DELETE FROM hub_event WHERE id IN (${ids.map(() => '?').join(', ')})`,
        ids.map((row) => row.id),
      );
    });
  }

  private async execute(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
    if (!manager.queryRunner) {
      throw new Error('OutboxRepository writes must run inside a transaction');
    }
    const result = await manager.queryRunner.query(sql, params, true);
    return result.affected ?? 0;
  }
}

function groupByToken(results: DeliveryResult[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { delivery } of results) {
    const ids = groups.get(delivery.claimToken) ?? [];
    ids.push(delivery.id);
    groups.set(delivery.claimToken, ids);
  }
  return groups;
}

function truncate(text: string): string {
  return text.length > ERROR_MAX ? `${text.slice(0, ERROR_MAX - 1)}…` : text;
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
