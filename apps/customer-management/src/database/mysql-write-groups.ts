import { EntityManager, QueryRunner } from 'typeorm';

import { RetryPolicy, retryDelayMs } from './conflict-retry';
import { classifyDatabaseError, commitMayHaveApplied, driverErrno } from './database-errors';
import { conflictsExhausted } from './database-unavailable';
import { GroupPrefetches } from './group-prefetch';
import { GroupRead, Outcome, PendingUnit, WriteRetryStats } from './write-group';

/** MySQL's "lock wait timeout exceeded". */
export const ER_LOCK_WAIT_TIMEOUT = 1205;
/** Most units of work committed together on MySQL/MariaDB. */
const MAX_MYSQL_GROUP = 32;

/** What the write groups use of their `TransactionRunner`. */
export interface MysqlGroupHost {
  /** A READ COMMITTED transaction on one pooled connection, which `body` commits. */
  readCommitted<T>(body: (runner: QueryRunner) => Promise<T>): Promise<T>;
  /** Forgets the transaction's memo values (a rollback undid what they hold). */
  resetMemos(manager: EntityManager): void;
  /** The committed units' group writes, then their closing statements. */
  runGroupWrites(manager: EntityManager, committed: { outcome: Outcome<unknown> }[]): Promise<void>;
  /** Marks an error of a group that failed before its COMMIT was sent. */
  beforeCommit(err: object): void;
  readonly retryStats: WriteRetryStats;
  readonly retryPolicy: RetryPolicy;
}

/**
 * MySQL/MariaDB write groups (`TransactionRunner`): several HTTP writes in one transaction, `size`
 * transactions at once.
 */
export class MysqlWriteGroups {
  // Waiting units, and groups running now.
  private pending: PendingUnit[] = [];
  private running = 0;
  // Groups run again after a group write failed: their units' group writes (but the `last` ones)
  // run at once inside each unit, so the failing item fails its own unit.
  private readonly unitWrites = new WeakSet<EntityManager>();
  // What a group read for its units (see `prefetched`), each value served once.
  private readonly prefetches = new GroupPrefetches();

  constructor(
    private readonly host: MysqlGroupHost,
    private readonly size: number,
  ) {}

  /** Queues a unit for the next group free. */
  add(unit: PendingUnit): void {
    this.pending.push(unit);
    this.start();
  }

  /** Whether the group running on `manager` writes each unit's group items inside the unit. */
  writesInUnits(manager: EntityManager): boolean {
    return this.unitWrites.has(manager);
  }

  /** See `TransactionRunner.prefetched`. */
  prefetched<K, V>(
    manager: EntityManager,
    read: GroupRead<K, V>,
    key: K,
  ): { value: V | undefined } | undefined {
    return this.prefetches.take(manager, read, key);
  }

  /**
   * MySQL/MariaDB group commit: up to `size` transactions run at once (DB_WRITE_GROUPS, by
   * default a fifth of the pool: the rest is left to reads); writes that arrive while they are all busy wait, and the next one free
   * takes every waiting write as one group. So an idle server commits each write alone, and a
   * loaded one shares a transaction's fixed costs (START, COMMIT and its redo-log write, the
   * maintained counts' upsert and the token rows as one statement each, see `groupWrite`) between
   * the writes waiting at that moment.
   */
  private start(): void {
    while (this.running < this.size && this.pending.length > 0) {
      const group = this.pending.splice(0, MAX_MYSQL_GROUP);
      this.running++;
      void this.commit(group).finally(() => {
        this.running--;
        this.start();
      });
    }
  }

  /**
   * One READ COMMITTED transaction for a group's units, run one after the other on one connection.
   * A unit that fails is undone alone, without a savepoint per unit (a round trip each): a unit that
   * fails before any of its statements changed a row has nothing to undo (InnoDB undoes a failed
   * statement itself; its locks stay until the end of the transaction, as they would after ROLLBACK
   * TO SAVEPOINT), and the writes refuse bad input before they write (404, 412, 422 come from reads
   * and validation). A unit that fails after changing rows rolls the transaction back, and the group
   * runs again without it, a savepoint per unit this time, so at most once per group. A failure that
   * ends the transaction (a conflict, a lost connection) fails the group: after a conflict its units
   * run again, in a later group, after the jittered back-off of `conflict-retry.ts`. A group write
   * (`groupWrite`: several units' rows in one statement) that fails otherwise cannot tell whose
   * item failed: the transaction is rolled back and the group runs again with each unit's group
   * writes at once inside it, a savepoint per unit, so the unit with the bad item fails alone
   * (at most once per group). Nothing is acknowledged before the COMMIT. Never rejects.
   */
  private async commit(group: PendingUnit[]): Promise<void> {
    let committed: { unit: PendingUnit; outcome: Outcome<unknown> }[] = [];
    const failed = new Map<PendingUnit, unknown>();
    let commitSent = false;
    try {
      await this.host.readCommitted(async (runner) => {
        try {
          // Whether a statement of the running unit changed rows (see `wroteOn`).
          const wrote = wroteOn(runner);
          let savepoints = false;
          for (let run = true; run;) {
            run = false;
            committed = [];
            await this.prefetches.read(
              runner.manager,
              group.filter((unit) => !failed.has(unit)),
            );
            for (const unit of group) {
              if (failed.has(unit)) {
                continue;
              }
              if (savepoints && committed.length > 0) {
                await runner.query('SAVEPOINT unit_of_work');
              }
              wrote.reset();
              try {
                committed.push({ unit, outcome: await unit.work(runner.manager) });
              } catch (err) {
                const kind = classifyDatabaseError(err);
                if (kind === 'conflict' || kind === 'unreachable' || kind === 'not-ready') {
                  throw err; // the transaction is gone (or its locks are): the whole group
                }
                failed.set(unit, err);
                if (!wrote.any) {
                  continue; // nothing of it to undo
                }
                // What a memo read may have been undone with it (a lock, a value it wrote); the
                // prefetched rows' locks too, on a rollback: later units read their own.
                this.host.resetMemos(runner.manager);
                this.prefetches.drop(runner.manager);
                if (savepoints && committed.length > 0) {
                  await runner.query('ROLLBACK TO SAVEPOINT unit_of_work');
                  continue;
                }
                await runner.rollbackTransaction();
                await runner.startTransaction();
                if (committed.length > 0) {
                  // Again from the start without the failed units, a savepoint each.
                  savepoints = true;
                  run = true;
                  break;
                }
              }
            }
            if (run) {
              continue;
            }
            try {
              await this.host.runGroupWrites(runner.manager, committed);
            } catch (err) {
              const kind = classifyDatabaseError(err);
              if (
                kind === 'conflict' ||
                kind === 'unreachable' ||
                kind === 'not-ready' ||
                committed.length < 2 ||
                this.unitWrites.has(runner.manager)
              ) {
                throw err; // the whole group (a single unit fails with it)
              }
              // Whose item failed is unknown: again, each unit's group writes inside the unit.
              this.host.resetMemos(runner.manager);
              await runner.rollbackTransaction();
              await runner.startTransaction();
              this.unitWrites.add(runner.manager);
              savepoints = true;
              run = true;
            }
          }
          commitSent = true;
          await runner.commitTransaction();
        } finally {
          // The group's state for this transaction ends with it.
          this.unitWrites.delete(runner.manager);
          this.prefetches.drop(runner.manager);
        }
      });
    } catch (err) {
      if (!commitSent && err instanceof Object) {
        this.host.beforeCommit(err);
      }
      // A COMMIT that failed may have been applied (a node cut off mid-commit): never run again.
      const inDoubt = commitSent && commitMayHaveApplied(err);
      for (const unit of group) {
        if (failed.has(unit)) {
          unit.reject(failed.get(unit));
        } else if (inDoubt) {
          unit.reject(err);
        } else {
          this.retryUnit(unit, err);
        }
      }
      return;
    }
    for (const { unit, outcome } of committed) {
      unit.resolve(outcome);
    }
    for (const [unit, err] of failed) {
      unit.reject(err);
    }
  }

  /** A unit of a group that failed whole: queued again after a conflict, else failed with it. */
  private retryUnit(unit: PendingUnit, err: unknown): void {
    const kind = classifyDatabaseError(err);
    const attempt = unit.attempt ?? 1;
    if (kind !== 'conflict' && kind !== 'not-ready') {
      unit.reject(err);
      return;
    }
    // A lock wait timeout already waited innodb_lock_wait_timeout: one more run at most.
    const attempts = driverErrno(err) === ER_LOCK_WAIT_TIMEOUT ? 2 : this.host.retryPolicy.attempts;
    if (attempt >= attempts) {
      if (kind === 'conflict') {
        this.host.retryStats.conflictsExhausted++;
        unit.reject(conflictsExhausted(attempt));
      } else {
        unit.reject(err);
      }
      return;
    }
    if (kind === 'conflict') {
      this.host.retryStats.conflictRetries++;
    } else {
      this.host.retryStats.notReadyRetries++;
    }
    unit.attempt = attempt + 1;
    void sleep(retryDelayMs(this.host.retryPolicy, attempt)).then(() => {
      this.pending.push(unit);
      this.start();
    });
  }
}

/** Statements that change nothing a rollback would undo (a locking read's locks stay either way). */
const READ_ONLY = /^\s*(SELECT|SHOW)\b/i;

/**
 * Whether a statement's answer says it may have changed rows: rows returned (`… RETURNING`), or
 * rows affected (a DELETE or UPDATE that found nothing changed nothing); anything else counts.
 */
function mayHaveChanged(result: unknown): boolean {
  const raw = result instanceof Object && 'raw' in result ? result.raw : result;
  if (Array.isArray(raw)) {
    return raw.length > 0;
  }
  if (raw instanceof Object && 'affectedRows' in raw && typeof raw.affectedRows === 'number') {
    return raw.affectedRows > 0;
  }
  return true;
}

/**
 * Watches `runner`'s statements: `any` is whether a statement that changed rows succeeded since the
 * last `reset`. A failed statement counts for nothing: InnoDB undoes it whole (an error that ends
 * the transaction instead fails the whole group).
 */
function wroteOn(runner: QueryRunner): { readonly any: boolean; reset(): void } {
  const state = { any: false };
  const query = runner.query.bind(runner) as (
    sql: string,
    parameters?: unknown[],
    structured?: boolean,
  ) => Promise<unknown>;
  runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
    const result = await query(sql, parameters, structured);
    if (!state.any && !READ_ONLY.test(sql) && mayHaveChanged(result)) {
      state.any = true;
    }
    return result;
  }) as QueryRunner['query'];
  return {
    get any() {
      return state.any;
    },
    reset() {
      state.any = false;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
