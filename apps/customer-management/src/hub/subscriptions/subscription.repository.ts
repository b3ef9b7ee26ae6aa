import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { affectedRows } from '@server/database/affected-rows';
import { isAsciiId } from '@server/database/ascii-id';
import { GroupWrite, TransactionRunner } from '@server/database/transaction-runner';
import { SUBSCRIPTION_GATE } from '@server/hub/outbox/outbox.repository';

/** The TMF629 version a subscription was registered through: its events' shape and query paths. */
export type ApiVersion = 'v4' | 'v5';

/** A subscription as the hub works with it. */
export interface SubscriptionRow {
  id: string;
  callback: string;
  query: string | null;
  secret: string | null;
  version: ApiVersion;
}

export interface NewSubscription extends SubscriptionRow {
  dedupKey: string;
  createdAt: number;
}

/** What a subscription needs to be matched against an event (no secret, no callback). */
export interface SubscriptionFilter {
  id: string;
  query: string | null;
  /** Its position in the outbox sequence: it receives the changes with a greater outbox id. */
  afterOutboxId: number;
  version: ApiVersion;
}

/** A subscription as a NATS consumer loop delivers to it. */
export interface DeliverableSubscription extends SubscriptionRow {
  afterOutboxId: number;
  createdAt: number;
}

const DUPLICATE_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE']);

// The highest outbox id so far: of the rows still there, or of those already fanned out or relayed
// and deleted (kept in the gate's `fanout` row).
const LAST_OUTBOX_ID = `(SELECT MAX(id) FROM (
  SELECT MAX(id) AS id FROM hub_outbox
  UNION ALL SELECT value AS id FROM hub_gate WHERE name = 'fanout') positions)`;

/** Data access for hub subscriptions, in plain SQL through the shared DataSource (both dialects). */
@Injectable()
export class SubscriptionRepository {
  constructor(private readonly tx: TransactionRunner) {}

  /** New subscriptions' positions, set after the group's outbox rows (see `insert`). */
  private readonly positions: GroupWrite<string> = {
    last: true,
    run: (_, ids) =>
      Promise.resolve([
        {
          sql: `UPDATE hub_subscription SET after_outbox_id = ${LAST_OUTBOX_ID} WHERE id IN (${ids.map(() => '?').join(', ')})`,
          params: ids,
        },
      ]),
  };

  /**
   * Inserts; false when a subscription with the same dedup key exists. The gate row is updated
   * first: on MySQL/MariaDB that waits for the writes holding it (shared, until their commit) and
   * holds back new ones until this commits, so every outbox row already written has committed and
   * every later one commits after this subscription. Its position is the highest outbox id when its
   * transaction commits: it receives exactly the changes of later transactions (ADR 0010). Changes of
   * its own write group commit with it and are not delivered to it: their outbox rows are written
   * at the group's end, so the position is set again then (`positions`, after them).
   */
  async insert(row: NewSubscription): Promise<boolean> {
    try {
      await this.tx.write(async (manager) => {
        await manager.query(`UPDATE hub_gate SET value = value + 1 WHERE name = 'subscriptions'`);
        if (row.version === 'v5') {
          // After the `subscriptions` row, as writers lock them (no deadlock with a write).
          await manager.query(
            `UPDATE hub_gate SET value = value + 1 WHERE name = 'subscriptions_v5'`,
          );
        }
        this.tx.forget(manager, SUBSCRIPTION_GATE);
        // Not made redundant by `positions`: until the group's end, a fan-out later in the same
        // write group sees this row, and must find it past the changes committed before it.
        const [last] = await manager.query<{ id: number | string | null }[]>(
          `SELECT ${LAST_OUTBOX_ID} AS id`,
        );
        await manager.query(
          `INSERT INTO hub_subscription (id, callback, query, secret, dedup_key, created_at, after_outbox_id, version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            row.id,
            row.callback,
            row.query,
            row.secret,
            row.dedupKey,
            row.createdAt,
            Number(last?.id ?? 0),
            row.version,
          ],
        );
        await this.tx.groupWrite(manager, this.positions, [row.id]);
      });
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
        'SELECT id, callback, query, secret, version FROM hub_subscription WHERE id = ?',
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
      const [row] = await manager.query<{ version: ApiVersion }[]>(
        'SELECT version FROM hub_subscription WHERE id = ?',
        [id],
      );
      const result = await affectedRows(manager, 'DELETE FROM hub_subscription WHERE id = ?', [id]);
      if (!row || result === 0) {
        return false;
      }
      await manager.query(`UPDATE hub_gate SET value = value - 1 WHERE name = 'subscriptions'`);
      if (row.version === 'v5') {
        await manager.query(
          `UPDATE hub_gate SET value = value - 1 WHERE name = 'subscriptions_v5'`,
        );
      }
      this.tx.forget(manager, SUBSCRIPTION_GATE);
      await manager.query('DELETE FROM hub_delivery WHERE subscription_id = ?', [id]);
      return true;
    });
  }

  /** Inside the fan-out's transaction: every subscription, to match the changes against. */
  async filtersIn(manager: EntityManager): Promise<SubscriptionFilter[]> {
    const rows = await manager.query<
      { id: string; query: string | null; after_outbox_id: number | string; version: ApiVersion }[]
    >('SELECT id, query, after_outbox_id, version FROM hub_subscription');
    return rows.map((row) => ({
      id: row.id,
      query: row.query,
      afterOutboxId: Number(row.after_outbox_id),
      version: row.version,
    }));
  }

  /** Every subscription with what delivering to it takes (the NATS consumers' list). */
  async all(): Promise<DeliverableSubscription[]> {
    const rows = await this.tx.read((manager) =>
      manager.query<
        (SubscriptionRow & { after_outbox_id: number | string; created_at: number | string })[]
      >(
        'SELECT id, callback, query, secret, version, after_outbox_id, created_at FROM hub_subscription',
      ),
    );
    return rows.map((row) => ({
      id: row.id,
      callback: row.callback,
      query: row.query,
      secret: row.secret,
      version: row.version,
      afterOutboxId: Number(row.after_outbox_id),
      createdAt: Number(row.created_at),
    }));
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
