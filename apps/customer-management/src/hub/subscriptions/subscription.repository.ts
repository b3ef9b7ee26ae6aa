import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { affectedRows } from '@server/database/affected-rows';
import { isAsciiId } from '@server/database/ascii-id';
import { TransactionRunner } from '@server/database/transaction-runner';

/** A subscription as the hub works with it. */
export interface SubscriptionRow {
  id: string;
  callback: string;
  query: string | null;
  secret: string | null;
}

export interface NewSubscription extends SubscriptionRow {
  dedupKey: string;
  createdAt: number;
}

/** What a subscription needs to be matched against an event (no secret, no callback). */
export interface SubscriptionFilter {
  id: string;
  query: string | null;
}

const DUPLICATE_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE']);

/** Data access for hub subscriptions, in plain SQL through the shared DataSource (both dialects). */
@Injectable()
export class SubscriptionRepository {
  constructor(private readonly tx: TransactionRunner) {}

  /** Inserts; false when a subscription with the same dedup key exists. */
  async insert(row: NewSubscription): Promise<boolean> {
    try {
      await this.tx.write((manager) =>
        manager.query(
          `INSERT INTO hub_subscription (id, callback, query, secret, dedup_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [row.id, row.callback, row.query, row.secret, row.dedupKey, row.createdAt],
        ),
      );
      return true;
    } catch (err) {
      const code = (err as { driverError?: { code?: string } }).driverError?.code;
      if (code && DUPLICATE_CODES.has(code)) {
        return false;
      }
      throw err;
    }
  }

  async findById(id: string): Promise<SubscriptionRow | null> {
    if (!isAsciiId(id)) {
      return null;
    }
    const rows = await this.tx.read((manager) =>
      manager.query<SubscriptionRow[]>(
        'SELECT id, callback, query, secret FROM hub_subscription WHERE id = ?',
        [id],
      ),
    );
    return rows[0] ?? null;
  }

  async findIdByDedupKey(dedupKey: string): Promise<string | null> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ id: string }[]>('SELECT id FROM hub_subscription WHERE dedup_key = ?', [
        dedupKey,
      ]),
    );
    return rows[0]?.id ?? null;
  }

  /** Deletes the subscription and every delivery still queued for it; false when unknown. */
  async delete(id: string): Promise<boolean> {
    if (!isAsciiId(id)) {
      return false;
    }
    return this.tx.write(async (manager) => {
      const result = await affectedRows(manager, 'DELETE FROM hub_subscription WHERE id = ?', [id]);
      if (result === 0) {
        return false;
      }
      await manager.query('DELETE FROM hub_delivery WHERE subscription_id = ?', [id]);
      return true;
    });
  }

  /** Inside a write transaction: every subscription, for matching the transaction's events. */
  async filtersIn(manager: EntityManager): Promise<SubscriptionFilter[]> {
    return manager.query<SubscriptionFilter[]>('SELECT id, query FROM hub_subscription');
  }

  /** Every subscription id (the dispatcher's list of queues to look at). */
  async ids(): Promise<string[]> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ id: string }[]>('SELECT id FROM hub_subscription'),
    );
    return rows.map((row) => row.id);
  }

  async count(): Promise<number> {
    const rows = await this.tx.read((manager) =>
      manager.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM hub_subscription'),
    );
    return Number(rows[0]?.n ?? 0);
  }
}
