import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { affectedRows } from '@server/database/affected-rows';
import { Dialect } from '@server/database/dialect';
import { TransactionRunner } from '@server/database/transaction-runner';

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

const ERROR_MAX = 1000;

/**
 * The dispatcher's side of `hub_delivery`, in plain SQL. Claims use `FOR UPDATE SKIP LOCKED` on
 * MySQL/MariaDB (several replicas) and the single serialized writer on SQLite. A claim leases rows by
 * moving `next_attempt_at` (the retry time, and while `claim_token` is set the end of the lease) past
 * the lease and stamping a `claim_token`; every later write of the row checks that token. `attempts`
 * counts attempts started (counted when claimed, so a crash mid-attempt counts too).
 */
@Injectable()
export class DeliveryRepository {
  readonly dialect: Dialect;

  constructor(private readonly tx: TransactionRunner) {
    this.dialect = tx.dialect;
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
      // The UPDATE is the claim (a compare-and-set: still pending and due, i.e. unclaimed or its lease
      // over), and only the rows it took are read back: correctness does not rest on SKIP LOCKED,
      // which only finds candidates (per node on Galera / Group Replication, ignored by TiDB).
      await manager.query(
        `UPDATE hub_delivery SET claim_token = ?, next_attempt_at = ?, attempts = attempts + 1, updated_at = ?
         WHERE id IN (${inList}) AND status = 'pending' AND next_attempt_at <= ?`,
        [token, request.now + request.leaseMs, request.now, ...ids, request.now],
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
         WHERE d.id IN (${inList}) AND d.claim_token = ?
         ORDER BY d.next_attempt_at, d.id`,
        [...ids, token],
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

  /**
   * Deletes deliveries whose subscription is gone: a write that raced an unsubscribe may have queued
   * one after the unsubscribe deleted the rest. Nothing claims them (claims go by subscription).
   */
  async purgeOrphanDeliveries(): Promise<number> {
    return this.tx.write((manager) =>
      affectedRows(
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
      return affectedRows(
        manager,
        `DELETE FROM hub_event WHERE id IN (${ids.map(() => '?').join(', ')})`,
        ids.map((row) => row.id),
      );
    });
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
