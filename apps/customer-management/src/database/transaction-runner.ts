import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Worker } from 'node:worker_threads';

import type { Database, Statement } from 'better-sqlite3';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';

import { type ResidualCheck, type SqlStatement, underStatementClock } from '@app/tmf-query';

import { AppConfig } from '@server/config/app-config';

import { DEFAULT_RETRY_POLICY, RetryPolicy, retryDelayMs } from './conflict-retry';
import { classifyDatabaseError, commitMayHaveApplied, driverErrno } from './database-errors';
import { asDatabaseUnavailable, conflictsExhausted } from './database-unavailable';
import { Dialect } from './dialect';
import { endFailedTransaction, mysqlPool, queryPool, statementTimeoutMs } from './pool-guard';
import { PreparedReads } from './prepared-reads';
import { currentConsistency } from './read-consistency';
import { GroupPrefetches } from './group-prefetch';
import { ReadBatch, runSteps } from './read-steps';
import { runInOrder } from './run-in-order';
import { ReadReplica, RowQuery } from './read-replica';
import { detectFlavour, positionAfterCommitSql, readSql, ServerFlavour } from './server-flavour';
import { SerialQueue } from './serial-queue';
import { SqliteReaders } from './sqlite-readers';
import { SqliteWriteTurn } from './sqlite-write-turn';
import { SqliteWriter } from './sqlite-writer';
import { STALE_KEY, UNEXPECTED_CHANGES } from './sqlite-write-protocol';
import { ER_LOCK_WAIT_TIMEOUT, MysqlGroupHost, MysqlWriteGroups } from './mysql-write-groups';
import {
  ClosingStatement,
  Deferred,
  GroupRead,
  GroupWrite,
  Outcome,
  PendingUnit,
  Prefetch,
  WriteRetryStats,
} from './write-group';

/** Most units of work committed together on SQLite. */
const MAX_GROUP = 64;
/** Prepared SQLite statements kept for reuse (oldest dropped first). */
const MAX_CACHED_STATEMENTS = 500;
/**
 * The share of DB_STATEMENT_TIMEOUT_MS a MariaDB list statement may run on the server
 * (`max_statement_time`): its error then arrives before the client's own timeout fires.
 */
const SERVER_STATEMENT_SHARE = 0.9;
/** Runs of a unit whose writer-thread group failed for another unit's statement (or a stale key). */
const MAX_THREAD_RUNS = 3;

/** A unit's statement whose answer it does not wait for (see `TransactionRunner.queue`). */
export interface QueuedStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** The rows it must change; another number fails the unit. */
  changes?: number;
}

/** An INTEGER PRIMARY KEY this process hands out itself (see `TransactionRunner.nextKey`). */
export interface KeySequence {
  readonly table: string;
  readonly column: string;
}

export type { RowQuery } from './read-replica';
export type { ReadBatch, ReadStep } from './read-steps';
export type {
  ClosingStatement,
  GroupRead,
  GroupWrite,
  Prefetch,
  WriteRetryStats,
} from './write-group';

/**
 * The unit of work. On SQLite there is one writer connection, so write transactions (and the reads
 * made through an EntityManager) are queued one at a time: a read must never observe another
 * request's uncommitted transaction on the shared connection. The customer reads (`readOne`,
 * `readRows`) run on read connections of their own instead (`SqliteReaders`), so they never wait
 * for the writer. Writes waiting together are committed together (group commit): each unit runs in its
 * own savepoint, so a failing unit is rolled back alone, and nothing is acknowledged before the one
 * COMMIT; a COMMIT costs about as much for one unit as for many, since the units' pages overlap.
 * On MySQL/MariaDB writes are grouped too, several groups at once (`MysqlWriteGroups`), except where
 * each write needs its own commit position (a read replica, Galera). A transaction that lost to another (deadlock victim, Galera certification failure, Group Replication conflict) or
 * met a node not ready yet was rolled back whole, so it is run again after a jittered back-off
 * (`conflict-retry.ts`); when every attempt lost, the answer is a 503 `TRANSACTION_CONFLICT` with
 * Retry-After, never a 500. A database that cannot take the work (unreachable, not ready, read-only)
 * is a 503 `DATABASE_UNAVAILABLE`: nothing was written, unless COMMIT itself failed in a way that
 * may have applied it (a lost connection, a Galera node cut off mid-commit: `commitMayHaveApplied`),
 * when the write is not run again and the 503 says the outcome is unknown (`database-errors.ts`
 * classifies per engine).
 */
@Injectable()
export class TransactionRunner implements OnModuleInit, BeforeApplicationShutdown {
  readonly dialect: Dialect;
  // The connections accept several statements per query (the app's MySQL options set it).
  private readonly multipleStatements: boolean;
  private readonly sqliteQueue = new SerialQueue();
  private readonly logger = new Logger(TransactionRunner.name);
  // Hooks registered through afterCommit, by the manager of the transaction that registered them.
  private readonly commitHooks = new WeakMap<EntityManager, (() => void)[]>();
  // Group writes left by the unit that `manager` runs (see groupWrite).
  private readonly groupWrites = new WeakMap<EntityManager, Deferred>();
  // SQLite: what a write group's closing writes asked to be told of its COMMIT (see onGroupSettled).
  private readonly groupSettlers = new WeakMap<EntityManager, ((committed: boolean) => void)[]>();
  // Values read once per transaction (see `memo`), by the manager of the transaction.
  private readonly memos = new WeakMap<EntityManager, Map<string, unknown>>();
  private pending: PendingUnit[] = [];
  private groupQueued = false;
  // MySQL/MariaDB write groups, once init knows the server (none where each write needs its own
  // commit position).
  private mysqlGroups: MysqlWriteGroups | undefined;
  // Errors of a group that failed before its COMMIT was sent: nothing of it was written.
  private readonly beforeCommit = new WeakSet<object>();
  // Errors of a COMMIT that may have been applied (`commitMayHaveApplied`): never run again.
  private readonly commitsInDoubt = new WeakSet<object>();
  private readonly statements = new Map<string, Statement>();
  // Pooled MySQL connections whose session is already READ COMMITTED.
  private readonly readCommittedSessions = new WeakSet<object>();
  // SQLite read connections beside the writer; absent on MySQL and for an in-memory database.
  private readonly readers: SqliteReaders | undefined;
  // The SQLite write connection on a thread of its own (SQLITE_WRITER_THREAD); absent: TypeORM's.
  private readonly writer: SqliteWriter | undefined;
  // What the writer thread's groups read for their units before they run (see `prefetched`).
  private readonly threadPrefetches = new GroupPrefetches();
  // Write groups whose COMMIT is sent to the writer thread and not answered yet.
  private readonly commitsInFlight = new Set<Promise<void>>();
  readonly retryStats: WriteRetryStats = {
    conflictRetries: 0,
    notReadyRetries: 0,
    conflictsExhausted: 0,
  };
  /** Replaceable by tests (fewer attempts, no waits). */
  retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY;
  // MySQL/MariaDB: which server, known after init; with a replica or on Galera, writes report
  // their commit position (X-Consistency-Token) and reads presenting one honour it.
  private flavour: ServerFlavour | undefined;
  private readonly replica: ReadReplica | undefined;
  private positionsReported = false;
  /** When the last write transaction started (`Date.now()`): background work yields to writes. */
  private lastWriteAt = 0;
  private readonly statementTimeoutMs: number | undefined;
  // MariaDB: a list statement's `max_statement_time` (seconds, 90 % of DB_STATEMENT_TIMEOUT_MS),
  // known once init has read the server's flavour (see `causal`).
  private serverStatementSeconds: string | undefined;
  // MySQL/MariaDB reads sent as prepared statements (the repeated ones; see `PreparedReads`).
  private readonly preparedReads = new PreparedReads();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() readers?: SqliteReaders,
    @Optional() replica?: ReadReplica,
    @Optional() private readonly config?: AppConfig,
    @Optional() private readonly writeTurn?: SqliteWriteTurn,
  ) {
    this.dialect = dataSource.options.type === 'mysql' ? 'mysql' : 'sqlite';
    this.readers = this.dialect === 'sqlite' && readers?.enabled ? readers : undefined;
    const database = config?.database;
    // Not for `:memory:`: a connection on another thread would be a database of its own.
    this.writer =
      this.dialect === 'sqlite' &&
      config?.sqliteWriterThread === true &&
      database?.type === 'sqlite' &&
      database.file !== ':memory:'
        ? new SqliteWriter(database.file, MAX_CACHED_STATEMENTS)
        : undefined;
    this.replica = this.dialect === 'mysql' && replica?.enabled ? replica : undefined;
    this.statementTimeoutMs = statementTimeoutMs(dataSource);
    this.multipleStatements =
      this.dialect === 'mysql' &&
      (dataSource.options as { multipleStatements?: boolean }).multipleStatements === true;
  }

  async onModuleInit(): Promise<void> {
    if (this.dialect !== 'mysql') {
      return;
    }
    this.flavour = await detectFlavour(this.dataSource);
    this.serverStatementSeconds =
      this.flavour.mariadb && this.statementTimeoutMs
        ? ((this.statementTimeoutMs * SERVER_STATEMENT_SHARE) / 1000).toFixed(3)
        : undefined;
    this.positionsReported = this.replica !== undefined || this.flavour.galera;
    // Grouped writes need one commit position per write (consistency tokens) no more than Galera's
    // certification, which would fail a whole group for one unit's conflict: single transactions there.
    const poolSize = (this.dataSource.options as { poolSize?: number }).poolSize ?? 10;
    const groups = this.positionsReported
      ? 0
      : (this.config?.dbWriteGroups ?? Math.max(1, Math.floor(poolSize / 5)));
    if (groups > 0) {
      this.mysqlGroups = new MysqlWriteGroups(this.groupHost(), groups);
    }
  }

  /**
   * SQLite writer thread: the groups waiting or running end first (the HTTP server has closed, so
   * no write comes after them), then the thread closes its connection.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const writer = this.writer;
    if (!writer) {
      return;
    }
    while (this.pending.length > 0 || !this.sqliteQueue.idle || this.commitsInFlight.size > 0) {
      await this.sqliteQueue.run(() => Promise.resolve());
      await Promise.all(this.commitsInFlight);
      if (this.pending.length > 0 && !this.groupQueued) {
        this.queueGroup();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
  }

  /** Test seam: the SQLite writer thread, when it runs (stopping it is what a crash does). */
  writerThread(): Worker | undefined {
    return this.writer?.workerThread();
  }

  /** What the MySQL/MariaDB write groups use of the runner. */
  private groupHost(): MysqlGroupHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- getters below read it live
    const runner = this;
    return {
      readCommitted: (body) => this.readCommitted(body),
      resetMemos: (manager) => this.memos.set(manager, new Map()),
      runGroupWrites: (manager, committed) => this.runGroupWrites(manager, committed),
      beforeCommit: (err) => this.beforeCommit.add(err),
      retryStats: this.retryStats,
      // Replaceable by tests after init.
      get retryPolicy() {
        return runner.retryPolicy;
      },
    };
  }

  /**
   * `prefetch`: on MySQL/MariaDB, a read the write group makes for all its units at once before they
   * run (a locked read of each one's row, say); the unit takes its value with {@link prefetched}.
   */
  async write<T>(work: (manager: EntityManager) => Promise<T>, prefetch?: Prefetch): Promise<T> {
    let outcome: { value: T; hooks: (() => void)[] };
    // Set once the work is done, i.e. while COMMIT runs: a connection lost then leaves the outcome
    // unknown (the database may have committed), which the 503 must say.
    let committing = false;
    this.lastWriteAt = Date.now();
    try {
      outcome = await this.transaction(async (manager) => {
        committing = false;
        const value = await work(manager);
        committing = true;
        return value;
      }, prefetch);
    } catch (err) {
      const sent = committing && !(err instanceof Object && this.beforeCommit.has(err));
      throw asDatabaseUnavailable(err, sent) ?? err;
    }
    for (const hook of outcome.hooks) {
      try {
        hook();
      } catch (err) {
        this.logger.error('An after-commit hook failed', (err as Error).stack);
      }
    }
    return outcome.value;
  }

  /** Milliseconds since this process last started a write transaction (Infinity: none yet). */
  msSinceLastWrite(): number {
    return this.lastWriteAt === 0 ? Infinity : Date.now() - this.lastWriteAt;
  }

  /**
   * Runs `hook` once the write transaction that `manager` belongs to has committed; never when it
   * rolls back (a retried attempt starts with no hooks). Hooks must be quick and must not throw.
   */
  afterCommit(manager: EntityManager, hook: () => void): void {
    const hooks = this.commitHooks.get(manager);
    if (!hooks) {
      throw new Error('afterCommit needs the manager of a TransactionRunner.write transaction');
    }
    hooks.push(hook);
  }

  /**
   * Inside a write transaction: `items` for `write`, which a write group runs once for all its
   * units after the last one, just before COMMIT, outside the units' savepoints; a unit rolled back
   * leaves none. Elsewhere (a manager of no write group) it runs at once. For
   * writes whose cost falls per statement or per savepoint rather than per row (the FTS5 token
   * index writes a segment at each; a MySQL/MariaDB statement is a round trip). On SQLite a group
   * write that fails fails the whole group; on MySQL/MariaDB the group runs again with each unit's
   * items written inside the unit, so that only the unit whose items fail fails. Reads inside the
   * group do not see its items yet.
   */
  async groupWrite<T>(manager: EntityManager, write: GroupWrite<T>, items: T[]): Promise<void> {
    const deferred = this.groupWrites.get(manager);
    if (!deferred || (this.mysqlGroups?.writesInUnits(manager) === true && !write.last)) {
      // One by one: inside a unit, a statement that failed must have changed nothing (`wroteOn`).
      await runInOrder(manager, await write.run(manager, items));
      return;
    }
    const list = deferred.get(write);
    if (list) {
      list.push(...items);
    } else {
      deferred.set(write, [...items]);
    }
  }

  /**
   * SQLite, from a group write's `run`: calls `settle` once the write group committed (true) or
   * failed (false), before any of its units is answered: state held beside the database (the token
   * sets) follows the group's changes as soon as they are visible, and never before an
   * acknowledgement. False (nothing registered) outside a SQLite write group.
   */
  onGroupSettled(manager: EntityManager, settle: (committed: boolean) => void): boolean {
    const settlers = this.groupSettlers.get(manager);
    settlers?.push(settle);
    return settlers !== undefined;
  }

  /**
   * Inside a write transaction: `read`'s value, read once for the whole transaction (a write group's
   * units included) and kept until it ends or {@link forget} drops it. For a value the first read
   * locks until commit (so it cannot change under the transaction) or that only this transaction
   * writes. Outside a transaction it simply reads.
   */
  async memo<T>(manager: EntityManager, key: string, read: () => Promise<T>): Promise<T> {
    const values = this.memos.get(manager);
    if (!values) {
      return read();
    }
    if (values.has(key)) {
      return values.get(key) as T;
    }
    const value = await read();
    values.set(key, value);
    return value;
  }

  /**
   * Inside a write transaction: what the write group read for this unit's `prefetch` key (`value`
   * undefined: nothing), once; undefined when the group read nothing for it (no group, the key
   * served already, or the group's reads undone by a rollback), and the unit reads it itself.
   */
  prefetched<K, V>(
    manager: EntityManager,
    read: GroupRead<K, V>,
    key: K,
  ): { value: V | undefined } | undefined {
    return this.writer
      ? this.threadPrefetches.take(manager, read, key)
      : this.mysqlGroups?.prefetched(manager, read, key);
  }

  /** Drops a {@link memo} value: the unit running on `manager` is changing what it holds. */
  forget(manager: EntityManager, key: string): void {
    this.memos.get(manager)?.delete(key);
  }

  /**
   * Inside a write group on the SQLite writer thread: sends `statements` with the group's next
   * message, their answers not awaited (false elsewhere: the caller runs them). For a unit that
   * computed their answers itself (`changes`), so that its whole write reaches the thread with
   * the group's COMMIT. One that fails, or changes another number of rows, fails its unit; the
   * group, whose own statements counted on it, runs again without it (`failThreadGroup`).
   */
  queue(manager: EntityManager, statements: readonly QueuedStatement[]): boolean {
    const writer = this.writer;
    if (!writer || !this.groupWrites.has(manager)) {
      return false;
    }
    for (const { sql, params, changes } of statements) {
      writer.queue({
        sql,
        params,
        expect: changes === undefined ? undefined : { changes, code: UNEXPECTED_CHANGES },
      });
    }
    return true;
  }

  /**
   * Inside a write group on the SQLite writer thread: the key of a new row, handed out by this
   * process (undefined elsewhere: the database assigns it), so that a unit knows it without
   * waiting for its INSERT. SQLite has one writer and this process is the one writing through it:
   * the greatest key is read once per thread, then counted up. Each group checks, with its other
   * statements, that no key above it appeared since (another process, a migration): if one did,
   * the group runs again with keys read anew. Keys of groups rolled back are skipped, never reused.
   */
  async nextKey(manager: EntityManager, key: KeySequence): Promise<number | undefined> {
    const writer = this.writer;
    const memos = this.memos.get(manager);
    if (!writer || !memos || !this.groupWrites.has(manager)) {
      return undefined;
    }
    const name = `${key.table}.${key.column}`;
    const checked = `key-checked:${name}`;
    let next = writer.keys.get(name);
    if (next === undefined) {
      const [row] = await manager.query<{ greatest: number | string | null }[]>(
        `SELECT MAX(${key.column}) AS greatest FROM ${key.table}`,
      );
      next = Number(row?.greatest ?? 0) + 1;
      memos.set(checked, true);
    } else if (!memos.has(checked)) {
      writer.queue({
        sql: `SELECT COALESCE(MAX(${key.column}), 0) < ? FROM ${key.table}`,
        params: [next],
        expect: { value: 1, code: STALE_KEY },
      });
      memos.set(checked, true);
    }
    writer.keys.set(name, next + 1);
    return next;
  }

  async read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return this.dialect === 'sqlite'
        ? await this.sqliteQueue.run(() => this.inWriterTurn(() => work(this.dataSource.manager)))
        : await work(this.dataSource.manager);
    } catch (err) {
      throw asDatabaseUnavailable(err) ?? err;
    }
  }

  /**
   * The first row of a read-only statement, run as a prepared statement on the driver itself: no
   * TypeORM QueryRunner, broadcaster or logger per call (the GET by id hot path). On SQLite it runs
   * on a read connection; without them (in-memory database) at once when no write group holds the
   * writer, otherwise in its queue.
   */
  async readOne<T>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
    try {
      if (this.readers) {
        return await this.readers.one<T>(sql, params);
      }
      if (this.dialect === 'sqlite') {
        const statement = this.sqliteStatement(sql);
        const run = () => statement.get(...params) as T | undefined;
        return this.sqliteQueue.idle
          ? run()
          : await this.sqliteQueue.run(() => Promise.resolve(run()));
      }
      const onPrimary = async () => (await this.mysqlRows<T>(this.causal(sql), params))[0];
      return this.replica
        ? await this.replica.read(
            async (query) => (await query<T>(sql, params))[0],
            onPrimary,
            (row) => row === undefined,
          )
        : await onPrimary();
    } catch (err) {
      throw asDatabaseUnavailable(err) ?? err;
    }
  }

  /**
   * Several read-only statements as one read (one snapshot on SQLite: one read transaction on a read
   * connection, or the writer's queue without them), through prepared statements on the driver like
   * {@link readOne} (the list hot path). `work` may send statements one by one (`query`) or several
   * as steps (`batch`): on a SQLite read worker a batch is one message, so a read sends together the
   * statements that do not depend on each other. `residual`: the query's residual check (SQLite
   * token index), its budget started again before each step's statement; a read worker registers
   * it for its own connection. `shape`: the list's `queryShape` (SQLite: where it runs, `ReadOffload`).
   */
  async readRows<T>(
    work: (query: RowQuery, batch: ReadBatch) => Promise<T>,
    residual?: ResidualCheck,
    shape?: string,
  ): Promise<T> {
    try {
      if (this.readers) {
        return await this.readers.snapshot(
          (batch) =>
            work(async <R>(sql: string, params: readonly unknown[]) => {
              const [rows] = await batch([{ sql, params }]);
              return (rows ?? []) as R[];
            }, batch),
          residual,
          shape,
        );
      }
      const withBatch = (query: RowQuery) =>
        work(query, (steps) =>
          runSteps(
            steps,
            async (sql, params, first) => {
              const rows = await query<unknown>(sql, params);
              return first ? rows.slice(0, 1) : rows;
            },
            () => residual?.reset(),
          ),
        );
      if (this.dialect === 'sqlite') {
        const query: RowQuery = <R>(sql: string, params: readonly unknown[]) =>
          Promise.resolve(
            underStatementClock(
              this.config?.dbTimeouts.statementMs,
              () => this.sqliteStatement(sql).all(...params) as R[],
            ),
          );
        return await this.sqliteQueue.run(() => withBatch(query));
      }
      const onPrimary = () =>
        withBatch((sql, params) => this.mysqlRows(this.causal(sql, true), params));
      return this.replica ? await this.replica.read(withBatch, onPrimary) : await onPrimary();
    } catch (err) {
      throw asDatabaseUnavailable(err) ?? err;
    }
  }

  /** Connected to MariaDB rather than MySQL (known after init; false before). */
  get mariadb(): boolean {
    return this.flavour?.mariadb ?? false;
  }

  /** Connected to a Galera node (known after init). */
  get galera(): boolean {
    return this.flavour?.galera ?? false;
  }

  /**
   * On a Galera node: whether it takes queries (`wsrep_ready`: synced and in the primary component; an
   * isolated node answers `SELECT 1` but refuses every table with 1047). Undefined elsewhere.
   */
  async galeraNodeReady(): Promise<boolean | undefined> {
    if (!this.flavour?.galera) {
      return undefined;
    }
    const rows = await this.dataSource.query<{ Value: string }[]>("SHOW STATUS LIKE 'wsrep_ready'");
    return rows[0]?.Value === 'ON';
  }

  /** The SQL of a read statement for this server (`readSql`). */
  readSql(statement: SqlStatement): string {
    return readSql(this.flavour, statement);
  }

  /**
   * On Galera, a read presenting a consistency token waits until this node has applied every write
   * the cluster committed before it (`wsrep_sync_wait`), so it sees the client's own write made
   * through another node. Others read without that wait. `bounded` (a list's statements, which may
   * scan): on MariaDB the server stops the statement itself a little before DB_STATEMENT_TIMEOUT_MS
   * (`max_statement_time`, error 1969 on a connection that stays usable); past the client's timeout
   * alone the connection is closed and the server would scan on for nobody. A lookup by key cannot
   * scan: the GET's statement stays as it is.
   */
  private causal(sql: string, bounded = false): string {
    const context = this.flavour?.galera ? currentConsistency() : undefined;
    const settings: string[] = [];
    if (context?.presented || context?.invalid) {
      settings.push('wsrep_sync_wait = 1');
    }
    if (bounded && this.serverStatementSeconds !== undefined) {
      settings.push(`max_statement_time = ${this.serverStatementSeconds}`);
    }
    return settings.length > 0 ? `SET STATEMENT ${settings.join(', ')} FOR ${sql}` : sql;
  }

  /**
   * After COMMIT, on the same connection: the commit's position, for the response's consistency
   * token. The write is committed whatever happens here, so a failure only means no token.
   */
  private async reportPosition(runner: {
    query: (sql: string) => Promise<unknown>;
  }): Promise<void> {
    const context = this.positionsReported ? currentConsistency() : undefined;
    if (!context || !this.flavour) {
      return;
    }
    try {
      const rows = (await runner.query(positionAfterCommitSql(this.flavour))) as {
        p: string | null;
      }[];
      const position = rows[0]?.p;
      context.written = position ? position : this.flavour.galera ? 'wsrep' : undefined;
    } catch (err) {
      this.logger.warn(`No consistency token for a committed write: ${(err as Error).message}`);
    }
  }

  private mysqlRows<R>(sql: string, params: readonly unknown[]): Promise<R[]> {
    const pool = mysqlPool(this.dataSource);
    if (!pool) {
      return Promise.reject(new Error('Pool is closed.'));
    }
    return queryPool<R[]>(
      pool,
      sql,
      params,
      this.statementTimeoutMs,
      this.preparedReads.use(sql, params),
    );
  }

  private sqliteStatement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      const db = (this.dataSource.driver as unknown as { databaseConnection: Database })
        .databaseConnection;
      statement = db.prepare(sql);
      // Bounded: list statements differ with the query's shape (IN-list lengths, filters).
      if (this.statements.size >= MAX_CACHED_STATEMENTS) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private async transaction<T>(
    work: (manager: EntityManager) => Promise<T>,
    prefetch?: Prefetch,
  ): Promise<Outcome<T>> {
    const tracked = async (manager: EntityManager): Promise<Outcome<T>> => {
      const hooks: (() => void)[] = [];
      const deferred: Deferred = new Map();
      this.commitHooks.set(manager, hooks);
      if (this.dialect === 'sqlite' || this.mysqlGroups) {
        this.groupWrites.set(manager, deferred);
      }
      try {
        return { value: await work(manager), hooks, deferred };
      } finally {
        this.commitHooks.delete(manager);
        this.groupWrites.delete(manager);
      }
    };
    if (this.dialect === 'sqlite') {
      return new Promise<Outcome<T>>((resolve, reject) => {
        this.pending.push({
          work: tracked,
          resolve: resolve as (outcome: Outcome<unknown>) => void,
          reject,
          prefetch,
        });
        this.queueGroup();
      });
    }
    const groups = this.mysqlGroups;
    if (groups) {
      return new Promise<Outcome<T>>((resolve, reject) => {
        groups.add({
          work: tracked,
          resolve: resolve as (outcome: Outcome<unknown>) => void,
          reject,
          attempt: 1,
          prefetch,
        });
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.mysqlTransaction(tracked);
      } catch (err) {
        const kind = classifyDatabaseError(err);
        if (
          (kind !== 'conflict' && kind !== 'not-ready') ||
          this.commitsInDoubt.has(err as object)
        ) {
          throw err;
        }
        // A lock wait timeout already waited innodb_lock_wait_timeout (50 s by default): one more
        // run at most, so a lock held by a stuck session cannot hold a request for minutes.
        const attempts = driverErrno(err) === ER_LOCK_WAIT_TIMEOUT ? 2 : this.retryPolicy.attempts;
        if (attempt >= attempts) {
          if (kind === 'conflict') {
            this.retryStats.conflictsExhausted++;
            throw conflictsExhausted(attempt);
          }
          throw err;
        }
        if (kind === 'conflict') {
          this.retryStats.conflictRetries++;
        } else {
          this.retryStats.notReadyRetries++;
        }
        await sleep(retryDelayMs(this.retryPolicy, attempt));
      }
    }
  }

  /** A READ COMMITTED transaction on one pooled connection, committed alone. */
  private async mysqlTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.readCommitted(async (runner) => {
      const value = await work(runner.manager);
      try {
        await runner.commitTransaction();
      } catch (err) {
        if (err instanceof Object && commitMayHaveApplied(err)) {
          this.commitsInDoubt.add(err);
        }
        throw err;
      }
      await this.reportPosition(runner);
      return value;
    });
  }

  /**
   * Runs `body` in a READ COMMITTED transaction on one pooled connection (memos kept for it), which
   * `body` commits. The isolation level is set once per connection for its session, not before
   * every transaction as TypeORM's `transaction(level)` does: one round trip fewer per write. On a
   * failure the transaction is rolled back, or its connection closed (`endFailedTransaction`), and
   * the error rethrown; the connection goes back to the pool (unless closed) before this settles.
   */
  private async readCommitted<T>(body: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const connection = (await runner.connect()) as object;
      if (!this.readCommittedSessions.has(connection)) {
        await runner.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
        this.readCommittedSessions.add(connection);
      }
      await runner.startTransaction();
      this.memos.set(runner.manager, new Map());
      try {
        return await body(runner);
      } catch (err) {
        await endFailedTransaction(runner, connection, err);
        throw err;
      }
    } finally {
      this.memos.delete(runner.manager);
      await runner.release();
    }
  }

  private queueGroup(): void {
    if (this.groupQueued || this.pending.length === 0) {
      return;
    }
    this.groupQueued = true;
    // setImmediate runs after the event loop's I/O phase: every request already readable has
    // reached this point by then and joins the group. Started at once (from a microtask), a group
    // would almost always hold one unit, since better-sqlite3 never yields to I/O mid-transaction.
    const writer = this.writer;
    setImmediate(
      () =>
        void this.sqliteQueue.run(() =>
          this.inWriterTurn(() => (writer ? this.commitGroupOnThread(writer) : this.commitGroup())),
        ),
    );
  }

  /**
   * SQLite: a task of the writer's queue, in the writer's turn against the token index merger
   * (`SqliteWriteTurn`: a transaction that reads before it writes would fail at once on a
   * concurrent or newer write of the merger's connection).
   */
  private inWriterTurn<T>(task: () => Promise<T>): Promise<T> {
    return this.writeTurn ? this.writeTurn.hold(task) : task();
  }

  /** The group writes of the committed units, each once with every unit's items in order. */
  private async runGroupWrites(
    manager: EntityManager,
    committed: { outcome: Outcome<unknown> }[],
  ): Promise<void> {
    await this.runClosing(manager, await this.groupClosing(manager, committed));
  }

  /**
   * Runs the group writes of the committed units (each once with every unit's items in order) and
   * returns the closing statements they leave.
   */
  private async groupClosing(
    manager: EntityManager,
    committed: { outcome: Outcome<unknown> }[],
  ): Promise<ClosingStatement[]> {
    const all: Deferred = new Map();
    for (const { outcome } of committed) {
      for (const [write, items] of outcome.deferred) {
        const list = all.get(write);
        if (list) {
          list.push(...items);
        } else {
          all.set(write, [...items]);
        }
      }
    }
    const closing: ClosingStatement[] = [];
    for (const last of [false, true]) {
      for (const [write, items] of all) {
        if ((write.last ?? false) === last) {
          closing.push(...(await write.run(manager, items)));
        }
      }
    }
    return closing;
  }

  /**
   * A group's closing statements, in order. On MySQL/MariaDB one multi-statement query: one round
   * trip whatever their number, so that token rows, counts and hub outbox rows add no wait to each
   * other (a subscription's outbox row cost a POST a round trip per group: docs/hub.md). The server
   * stops at the first error, which fails the group like any group write's. On SQLite (in-process)
   * one after the other. A statement's `check` is given its answer (one per statement).
   */
  private async runClosing(manager: EntityManager, statements: ClosingStatement[]): Promise<void> {
    if (this.multipleStatements && statements.length > 1) {
      const answers: unknown = await manager.query(
        statements.map((s) => s.sql).join(';\n'),
        statements.flatMap((s) => s.params),
      );
      statements.forEach((s, i) => s.check?.((answers as unknown[])[i]));
      return;
    }
    await runInOrder(manager, statements);
  }

  /**
   * {@link commitGroup} with the write connection on its thread (`SqliteWriter`): the same
   * transaction, savepoints and outcomes; BEGIN and each unit's SAVEPOINT / RELEASE travel with the
   * unit's next statement (a unit that sent none needs neither), and the closing statements with
   * COMMIT, in one message. Returns once COMMIT is sent: the thread runs its messages in order, so
   * the next group may begin meanwhile; the units are answered when COMMIT is. Never rejects.
   */
  private async commitGroupOnThread(writer: SqliteWriter): Promise<void> {
    this.groupQueued = false;
    const group = this.pending.splice(0, MAX_GROUP);
    this.queueGroup();
    const committed: { unit: PendingUnit; outcome: Outcome<unknown> }[] = [];
    const failed: { unit: PendingUnit; err: unknown }[] = [];
    // The group's statements each committed unit queued or sent: [from, to) of `writer.position`.
    const ranges: { unit: PendingUnit; from: number; to: number }[] = [];
    const failGroup = (err: unknown) =>
      this.failThreadGroup(writer, group, ranges, new Map(failed.map((f) => [f.unit, f.err])), err);
    const manager = writer.manager();
    const settlers: ((committed: boolean) => void)[] = [];
    let commit: Promise<unknown>;
    try {
      this.groupSettlers.set(manager, settlers);
      this.memos.set(manager, new Map());
      writer.begin();
      // The rows the units will change, in one statement sent with BEGIN: a PATCH or DELETE then
      // waits for one answer from the thread, its write's, instead of two.
      await this.threadPrefetches.read(manager, group);
      for (const unit of group) {
        const mark = writer.mark();
        const from = writer.position();
        writer.defer('SAVEPOINT unit_of_work');
        try {
          const outcome = await unit.work(manager);
          if (writer.broken) {
            throw writer.broken;
          }
          if (writer.sentSince(mark)) {
            writer.defer('RELEASE unit_of_work');
          } else {
            // Its statements all go with COMMIT: no savepoint, since one that fails there fails
            // the group's message, which then runs again without this unit.
            writer.dropAt(mark);
          }
          ranges.push({ unit, from, to: writer.position() });
          committed.push({ unit, outcome });
        } catch (err) {
          if (writer.broken) {
            // Its own queued statement may be the one that failed (flushed by its read).
            ranges.push({ unit, from, to: Number.MAX_SAFE_INTEGER });
            throw writer.broken;
          }
          // Undoes this unit only; if even that fails, the whole transaction fails.
          this.memos.set(manager, new Map());
          if (writer.sentSince(mark)) {
            // What it changed is undone: later units of its keys read their own rows again.
            this.threadPrefetches.drop(manager);
            writer.defer('ROLLBACK TO unit_of_work');
            writer.defer('RELEASE unit_of_work');
          } else {
            writer.dropSince(mark);
          }
          failed.push({ unit, err });
        }
      }
      let closing = await this.groupClosing(manager, committed);
      if (writer.broken) {
        throw writer.broken;
      }
      if (closing.some((statement) => statement.check)) {
        // A check may fail the group before COMMIT: their answers first.
        const statements = closing;
        closing = [];
        const answers = await writer.run(statements);
        statements.forEach((statement, i) => statement.check?.(answers[i]));
      }
      commit = writer.commit(closing, (err) => this.beforeCommit.add(err));
    } catch (err) {
      this.memos.delete(manager);
      this.groupSettlers.delete(manager);
      if (err instanceof Object) {
        this.beforeCommit.add(err);
      }
      await writer.rollback();
      settle(settlers, false);
      failGroup(err);
      return;
    }
    this.memos.delete(manager);
    this.groupSettlers.delete(manager);
    writer.reset();
    const answered = commit.then(
      () => {
        settle(settlers, true);
        for (const { unit, outcome } of committed) {
          unit.resolve(outcome);
        }
        for (const { unit, err } of failed) {
          unit.reject(err);
        }
      },
      (err: unknown) => {
        settle(settlers, false);
        failGroup(err);
      },
    );
    this.commitsInFlight.add(answered);
    void answered.finally(() => this.commitsInFlight.delete(answered));
  }

  /**
   * A writer-thread group that failed, nothing of it committed. A unit's statement that failed (its
   * `groupAt` in the unit's range: a statement sent with COMMIT, or flushed by a later read) fails
   * that unit alone, with the statement's error; the group's own statements counted on it, so the
   * other units run again in a new group. A stale key (`nextKey`) runs them all again. Any other
   * failure (a group statement, COMMIT, the thread lost) fails every unit. Units that failed on
   * their own keep their errors. A unit runs {@link MAX_THREAD_RUNS} times at most.
   */
  private failThreadGroup(
    writer: SqliteWriter,
    group: readonly PendingUnit[],
    ranges: readonly { unit: PendingUnit; from: number; to: number }[],
    own: ReadonlyMap<PendingUnit, unknown>,
    err: unknown,
  ): void {
    const at = (err as { groupAt?: number } | undefined)?.groupAt;
    const stale = driverCode(err) === STALE_KEY;
    const owner =
      at === undefined || stale
        ? undefined
        : ranges.find((range) => at >= range.from && at < range.to)?.unit;
    if (stale) {
      writer.keys.clear();
    }
    const again: PendingUnit[] = [];
    for (const unit of group) {
      if (own.has(unit)) {
        unit.reject(own.get(unit));
      } else if ((!stale && owner === undefined) || unit === owner) {
        unit.reject(err);
      } else if ((unit.attempt ?? 1) >= MAX_THREAD_RUNS) {
        unit.reject(err);
      } else {
        unit.attempt = (unit.attempt ?? 1) + 1;
        again.push(unit);
      }
    }
    if (again.length > 0) {
      this.pending.unshift(...again);
      this.queueGroup();
    }
  }

  /** One SQLite transaction for the waiting units, a savepoint each. Never rejects. */
  private async commitGroup(): Promise<void> {
    this.groupQueued = false;
    const group = this.pending.splice(0, MAX_GROUP);
    this.queueGroup();
    const committed: { unit: PendingUnit; outcome: Outcome<unknown> }[] = [];
    const failed: { unit: PendingUnit; err: unknown }[] = [];
    const settlers: ((committed: boolean) => void)[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        // The manager outlives the transaction on SQLite (one connection): memos start empty.
        this.memos.set(manager, new Map());
        this.groupSettlers.set(manager, settlers);
        // The unit's savepoint straight on the connection (TypeORM's query adds ~3 awaits and
        // its broadcasts to each of these two statements of every write).
        const savepoint = this.sqliteStatement('SAVEPOINT unit_of_work');
        const release = this.sqliteStatement('RELEASE unit_of_work');
        for (const unit of group) {
          savepoint.run();
          try {
            const outcome = await unit.work(manager);
            release.run();
            committed.push({ unit, outcome });
          } catch (err) {
            // Undoes this unit only; if even that fails, the whole transaction fails below.
            this.memos.set(manager, new Map());
            await manager.query('ROLLBACK TO unit_of_work');
            await manager.query('RELEASE unit_of_work');
            failed.push({ unit, err });
          }
        }
        try {
          await this.runGroupWrites(manager, committed);
        } finally {
          this.memos.delete(manager);
          this.groupSettlers.delete(manager);
        }
      });
    } catch (err) {
      settle(settlers, false);
      // Nothing of the group was committed: every unit fails, with its own error if it had one.
      const own = new Map(failed.map((f) => [f.unit, f.err]));
      for (const unit of group) {
        unit.reject(own.has(unit) ? own.get(unit) : err);
      }
      return;
    }
    settle(settlers, true);
    for (const { unit, outcome } of committed) {
      unit.resolve(outcome);
    }
    for (const { unit, err } of failed) {
      unit.reject(err);
    }
  }
}

/** The driver's code of a statement's error (`QueryFailedError` keeps the driver's error). */
function driverCode(err: unknown): string | undefined {
  const code = (err as { driverError?: { code?: unknown } } | undefined)?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Tells a write group's settlers its outcome (they must not throw; see `onGroupSettled`). */
function settle(settlers: readonly ((committed: boolean) => void)[], committed: boolean): void {
  for (const settler of settlers) {
    settler(committed);
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
