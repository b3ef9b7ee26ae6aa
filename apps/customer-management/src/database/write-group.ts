import type { EntityManager } from 'typeorm';

import type { SqlStatement } from '@app/tmf-query';

// The types a write group and its units share (`TransactionRunner`, `MysqlWriteGroups`).

/**
 * Writes that a write group makes once for all its units, after the last unit and before COMMIT
 * (see {@link TransactionRunner.groupWrite}).
 */
/**
 * A statement a group write leaves for the group's closing round trip; `check` is given its answer
 * (rows or the result header) and may throw to fail the group before COMMIT (the transaction is
 * then rolled back like after any failed group write).
 */
export interface ClosingStatement extends SqlStatement {
  check?: (answer: unknown) => void;
}

export interface GroupWrite<T> {
  /**
   * Writes the items of the group's committed units, in the units' order: runs the statements
   * whose answers it needs and returns those it does not, which the group sends after every
   * group write's `run`, in order (on MySQL/MariaDB all in one round trip). On MySQL/MariaDB a
   * failure that leaves the transaction open runs the group again with each unit's items written
   * at once inside it (see `MysqlWriteGroups`): the bad item must fail then as well.
   */
  run(manager: EntityManager, items: T[]): Promise<ClosingStatement[]>;
  /** Runs after the group's other writes (it reads what they wrote); never inside a unit. */
  last?: boolean;
}

/**
 * A read that a MySQL/MariaDB write group makes once for all its units before they run (the rows
 * they lock, say), each unit naming its key (`write`'s `prefetch`); a unit takes its value with
 * {@link TransactionRunner.prefetched} instead of a statement of its own.
 */
export interface GroupRead<K, V> {
  /** The values of `keys` (distinct), read in the group's transaction; absent: none. */
  run(manager: EntityManager, keys: K[]): Promise<Map<K, V>>;
}

/** A unit's key for a group read. */
export interface Prefetch<K = unknown, V = unknown> {
  read: GroupRead<K, V>;
  key: K;
}

/** What a unit left for its group: items per group write. */
export type Deferred = Map<GroupWrite<unknown>, unknown[]>;

export type Outcome<T> = { value: T; hooks: (() => void)[]; deferred: Deferred };

/** Counts since start, for the metrics: how writes met conflicts and unready nodes. */
export interface WriteRetryStats {
  /** Runs started again after a conflict (deadlock, certification failure, GR rollback). */
  conflictRetries: number;
  /** Runs started again after a node answered "not ready" (Galera 1047, GR 3100, ...). */
  notReadyRetries: number;
  /** Writes answered 503 TRANSACTION_CONFLICT after their last attempt lost too. */
  conflictsExhausted: number;
}

export interface PendingUnit {
  /** The unit's work with its after-commit hooks tracked (see `transaction`). */
  work: (manager: EntityManager) => Promise<Outcome<unknown>>;
  resolve: (outcome: Outcome<unknown>) => void;
  reject: (err: unknown) => void;
  /** MySQL/MariaDB: the runs so far (a group lost to a conflict runs its units again). */
  attempt?: number;
  /** MySQL/MariaDB write groups: what the group reads for the unit before the units run. */
  prefetch?: Prefetch;
}
