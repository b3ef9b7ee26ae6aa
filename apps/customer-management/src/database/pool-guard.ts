import { Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ExecuteValues, Pool, PoolConnection, QueryValues } from 'mysql2';
import { DataSource, QueryRunner } from 'typeorm';

import { AppConfig } from '@server/config/app-config';

import {
  driverErrno,
  driverErrorCode,
  POOL_ACQUIRE_TIMEOUT,
  STATEMENT_TIMEOUT,
} from './database-errors';

/** The server holds `max_prepared_stmt_count` prepared statements already. */
const ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461;

/** A mysql2 pool connection with the internals the guard reads (mysql2 3.x). */
interface PooledConnection extends PoolConnection {
  /** Set while the pool owns it; unset once it was removed. */
  _pool: unknown;
  /** The command the server has not finished answering. */
  _command: unknown;
  _commands: { length: number };
  stream?: { destroy(): void };
}

/** Counts since start, for the metrics. */
export interface PoolGuardStats {
  /** Connections closed because a statement on them got no answer in time. */
  discarded: number;
  /** Requests for a connection that gave up after the acquire timeout. */
  acquireTimeouts: number;
}

const guards = new WeakMap<Pool, PoolGuardStats>();

/** Leak detection: who holds a connection longer than `afterMs` is reported once. */
export interface LeakWatch {
  afterMs: number;
  report(heldMs: number, takenAt: string): void;
}

interface Holder {
  since: number;
  /**
   * Where the connection was taken: its stack (formatted only when reported), or the SQL of the
   * {@link queryPool} statement it was taken for.
   */
  taken: Error | string;
  reported: boolean;
}

/**
 * Set by {@link queryPool} for the one `getConnection` call it makes (read synchronously by the
 * guard): the statement the connection is taken for. Its holder is then described by the statement
 * instead of a captured stack (V8 walks the async frames too): on every read, that capture was the
 * largest single item of a list's CPU (docs/performance.md, "MariaDB list and POST, where the CPU
 * goes").
 */
let takingFor: string | undefined;

/** Frames kept in a holder's stack: enough to get past TypeORM and mysql2 to the app's caller. */
const HOLDER_STACK_FRAMES = 40;

/** The counts of a guarded pool (undefined for another). */
export function poolGuardStats(pool: Pool | undefined): PoolGuardStats | undefined {
  return pool ? guards.get(pool) : undefined;
}

/**
 * Two bounds mysql2's pool lacks, so no database call waits forever on a node that stopped answering
 * (a Galera node cut off from its cluster or rejoining it, a server stalled on I/O):
 *
 * - A statement that outlived its timeout (mysql2's `timeout` query option) is answered with an
 *   error, but mysql2 3.x leaves the connection as it is, its command still waiting for the server:
 *   returned to the pool, the next statement on it would queue behind one that may never finish.
 *   A connection that comes back with a statement still running is destroyed instead, and the pool
 *   opens a fresh one for whoever waits. The server rolls back an open transaction of a closed
 *   connection.
 * - mysql2 waits for a free connection without limit; after `acquireTimeoutMs` the caller gets a
 *   {@link POOL_ACQUIRE_TIMEOUT} error (and the connection, when it comes, goes back to the pool).
 */
export function guardPool(pool: Pool, acquireTimeoutMs: number, leaks?: LeakWatch): PoolGuardStats {
  const guarded = guards.get(pool);
  if (guarded) {
    return guarded;
  }
  const stats: PoolGuardStats = { discarded: 0, acquireTimeouts: 0 };
  guards.set(pool, stats);
  const holders = new Map<PoolConnection, Holder>();
  if (leaks && leaks.afterMs > 0) {
    watchHolders(pool, holders, leaks);
  }
  const release = pool.releaseConnection.bind(pool);
  pool.releaseConnection = (connection: PoolConnection) => {
    holders.delete(connection);
    const pooled = connection as PooledConnection;
    if (pooled._pool && (pooled._command || pooled._commands?.length > 0)) {
      discardConnection(pooled);
      return;
    }
    release(connection);
  };
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = ((
    callback: (err: NodeJS.ErrnoException | null, connection?: PoolConnection) => void,
  ) => {
    let settled = false;
    const statement = takingFor;
    takingFor = undefined;
    // Captured here, at the request: the pool answers later from a tick of its own.
    const taken = leaks && leaks.afterMs > 0 ? (statement ?? takenHere()) : undefined;
    const timer = setTimeout(() => {
      settled = true;
      stats.acquireTimeouts++;
      const err: NodeJS.ErrnoException = new Error(
        `No database connection free within ${acquireTimeoutMs} ms`,
      );
      err.code = POOL_ACQUIRE_TIMEOUT;
      callback(err);
    }, acquireTimeoutMs);
    const answer = (err: NodeJS.ErrnoException | null, connection?: PoolConnection) => {
      if (settled) {
        connection?.release();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (connection && taken !== undefined) {
        holders.set(connection, { since: Date.now(), taken, reported: false });
      }
      callback(err, connection);
    };
    getConnection(answer);
  }) as Pool['getConnection'];
  return stats;
}

function takenHere(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = HOLDER_STACK_FRAMES;
  const taken = new Error('database connection taken');
  Error.stackTraceLimit = limit;
  return taken;
}

/** Reports each connection held past `afterMs`, once, until the pool ends. */
function watchHolders(pool: Pool, holders: Map<PoolConnection, Holder>, leaks: LeakWatch): void {
  const timer = setInterval(
    () => {
      if ((pool as unknown as { _closed?: boolean })._closed) {
        clearInterval(timer);
        return;
      }
      const now = Date.now();
      for (const [connection, holder] of holders) {
        if ((connection as PooledConnection)._pool === null) {
          holders.delete(connection); // removed from the pool (destroyed) without a release
        } else if (!holder.reported && now - holder.since >= leaks.afterMs) {
          holder.reported = true;
          const { taken } = holder;
          leaks.report(
            now - holder.since,
            typeof taken === 'string'
              ? `one statement: ${taken.slice(0, 200)}`
              : (taken.stack ?? ''),
          );
        }
      }
    },
    Math.max(250, Math.floor(leaks.afterMs / 4)),
  );
  timer.unref();
}

/**
 * One statement on a pooled connection, failing after `timeoutMs`. Unlike mysql2's `pool.query`,
 * which gives the connection back only once the server has answered (never, from a stalled node),
 * the connection is handed back as soon as the caller has its answer, and the guard replaces it
 * when the statement is still running. `prepared`: the values to bind to it as a prepared statement
 * (see `PreparedReads`); absent, it goes as text with `params`.
 */
export function queryPool<R>(
  pool: Pool,
  sql: string,
  params: readonly unknown[],
  timeoutMs: number | undefined,
  prepared?: readonly unknown[],
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    // Its holder is this statement: the connection goes back when it is answered or times out.
    takingFor = sql;
    pool.getConnection((err, connection) => {
      if (err) {
        reject(err);
        return;
      }
      const answered = (qerr: Error | null, result: unknown) => {
        // A server error is reported while its command still counts as running: give the
        // connection back once mysql2 has finished with it, or the guard would discard it.
        setImmediate(() => connection.release());
        if (qerr) {
          reject(qerr);
        } else {
          resolve(result as R);
        }
      };
      const values = [...params] as QueryValues;
      if (!prepared) {
        connection.query({ sql, timeout: timeoutMs }, values, answered);
        return;
      }
      // A prepared statement (cached on the connection) with `prepared`'s values (`PreparedReads`);
      // as text when the server holds as many prepared statements as it allows.
      connection.execute(
        { sql, timeout: timeoutMs },
        [...prepared] as ExecuteValues,
        (qerr, result) => {
          if (driverErrno(qerr) === ER_MAX_PREPARED_STMT_COUNT_REACHED) {
            connection.query({ sql, timeout: timeoutMs }, values, answered);
          } else {
            answered(qerr, result);
          }
        },
      );
    });
    takingFor = undefined; // an unguarded pool did not read it
  });
}

/**
 * Closes a pooled connection for good: out of the pool (which then opens a fresh one for whoever
 * waits) and its socket closed outright, since a stalled server may never answer a polite close.
 * The server rolls back whatever transaction it had open.
 */
export function discardConnection(connection: object): void {
  const pooled = connection as PooledConnection;
  const stats = guards.get(pooled._pool as Pool);
  if (stats) {
    stats.discarded++;
  }
  pooled.destroy();
  pooled.stream?.destroy();
}

/**
 * Ends a transaction on `runner` (whose pooled connection is `connection`) that failed with `err`.
 * A statement with no answer in time may still be running: a ROLLBACK would queue behind it. Closing
 * the connection makes the server roll back; and a connection whose transaction may still be open
 * must never go back to the pool, where the next START TRANSACTION would commit it. Any other
 * failure is rolled back, and the connection closed if even that fails.
 */
export async function endFailedTransaction(
  runner: QueryRunner,
  connection: object,
  err: unknown,
): Promise<void> {
  if (driverErrorCode(err) === STATEMENT_TIMEOUT) {
    discardConnection(connection);
  } else if (runner.isTransactionActive) {
    await runner.rollbackTransaction().catch(() => discardConnection(connection));
  }
}

/** DB_STATEMENT_TIMEOUT_MS as given to the DataSource (undefined: none, e.g. the CLI). */
export function statementTimeoutMs(dataSource: DataSource): number | undefined {
  const options = dataSource.options as { enableQueryTimeout?: boolean };
  return options.enableQueryTimeout ? dataSource.options.maxQueryExecutionTime : undefined;
}

/** The mysql2 pool under TypeORM's MySQL driver (undefined on SQLite or before it connects). */
export function mysqlPool(dataSource: DataSource): Pool | undefined {
  return dataSource.options.type === 'mysql'
    ? (dataSource.driver as unknown as { pool?: Pool }).pool
    : undefined;
}

/** Guards the app's MySQL/MariaDB pool at start-up (see {@link guardPool}). */
@Injectable()
export class PoolGuard implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly config?: AppConfig,
  ) {}

  private readonly logger = new Logger(PoolGuard.name);

  onModuleInit(): void {
    const pool = mysqlPool(this.dataSource);
    if (pool && this.config) {
      guardPool(pool, this.config.dbTimeouts.acquireMs, {
        afterMs: this.config.dbTimeouts.leakDetectionMs,
        report: (heldMs, takenAt) =>
          this.logger.warn(
            `A database connection has been held for ${Math.round(heldMs / 1000)} s ` +
              `(DB_LEAK_DETECTION_MS); taken at: ${takenAt}`,
          ),
      });
    }
  }
}
