import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

import { mysqlPool, poolGuardStats } from '@server/database/pool-guard';
import { SqliteMerger } from '@server/database/sqlite-merger';
import { SqliteReaders } from '@server/database/sqlite-readers';
import { SqliteWriteTurn } from '@server/database/sqlite-write-turn';
import { ReadReplica, ReadRoute } from '@server/database/read-replica';
import { TransactionRunner } from '@server/database/transaction-runner';

interface MysqlPoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

/**
 * The Prometheus registry (prom-client) and the HTTP and database metrics. Other modules register
 * their own metrics on `registry` (the hub: outbox backlog, deliveries, dead letters).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Optional() readers?: SqliteReaders,
    @Optional() tx?: TransactionRunner,
    @Optional() replica?: ReadReplica,
    @Optional() merger?: SqliteMerger,
    @Optional() turn?: SqliteWriteTurn,
  ) {
    collectDefaultMetrics({ register: this.registry });
    if (merger && turn) {
      this.registerMergerMetrics(merger, turn);
    }
    if (replica?.enabled) {
      this.registerReplicaMetrics(replica);
    }
    if (tx) {
      // Counted by the runner as plain numbers; read at scrape time.
      new Counter({
        name: 'db_write_retries_total',
        help: 'Write transactions run again, by reason: conflict (deadlock, Galera certification failure, Group Replication rollback), not_ready (node not ready)',
        labelNames: ['reason'] as const,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc({ reason: 'conflict' }, tx.retryStats.conflictRetries);
          this.inc({ reason: 'not_ready' }, tx.retryStats.notReadyRetries);
        },
      });
      new Counter({
        name: 'db_write_conflicts_exhausted_total',
        help: 'Writes answered 503 TRANSACTION_CONFLICT after every attempt lost to concurrent writers',
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(tx.retryStats.conflictsExhausted);
        },
      });
    }
    const pool = () => (dataSource.driver as unknown as { pool?: MysqlPoolInternals }).pool;
    new Counter({
      name: 'db_pool_discarded_connections_total',
      help: 'MySQL/MariaDB connections closed because a statement on them got no answer within DB_STATEMENT_TIMEOUT_MS',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(poolGuardStats(mysqlPool(dataSource))?.discarded ?? 0);
      },
    });
    new Counter({
      name: 'db_pool_acquire_timeouts_total',
      help: 'Waits for a free MySQL/MariaDB pooled connection that gave up after DB_ACQUIRE_TIMEOUT_MS',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(poolGuardStats(mysqlPool(dataSource))?.acquireTimeouts ?? 0);
      },
    });
    // mysql2 exposes no public pool statistics: read its counters. On SQLite: the read connections.
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state (MySQL/MariaDB: the pool; SQLite: the read connections beside the one writer, one per read worker thread with SQLITE_READ_WORKERS > 0; in_use: held by a read)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (dataSource.options.type !== 'mysql' && readers?.enabled) {
          const r = readers.stats();
          this.set({ state: 'total' }, r.total);
          this.set({ state: 'idle' }, r.total - r.inUse);
          this.set({ state: 'in_use' }, r.inUse);
          this.set({ state: 'waiting_requests' }, r.waiting);
          this.set({ state: 'max' }, r.max);
          return;
        }
        if (dataSource.options.type !== 'mysql' || !p) {
          this.set({ state: 'total' }, dataSource.isInitialized ? 1 : 0);
          return;
        }
        const total = p._allConnections?.length ?? 0;
        const free = p._freeConnections?.length ?? 0;
        this.set({ state: 'total' }, total);
        this.set({ state: 'idle' }, free);
        this.set({ state: 'in_use' }, total - free);
        this.set({ state: 'waiting_requests' }, p._connectionQueue?.length ?? 0);
        this.set({ state: 'max' }, p.config?.connectionLimit ?? 0);
      },
    });
    if (dataSource.options.type !== 'mysql' && readers?.enabled) {
      new Gauge({
        name: 'db_read_offloaded_shapes',
        help: 'SQLite: list shapes measured dearer than SQLITE_READ_OFFLOAD_MS on the event loop, now run on the read workers',
        registers: [this.registry],
        collect() {
          this.set(readers.offloadedShapes);
        },
      });
    }
  }

  /** SQLite: the token index's segments and the merger's work (read at scrape time). */
  private registerMergerMetrics(merger: SqliteMerger, turn: SqliteWriteTurn): void {
    const registers = [this.registry];
    new Gauge({
      name: 'sqlite_token_index_segments',
      help: 'Segments of the SQLite token index (FTS5) as the merger last read them; 0 without a merger (SQLITE_MERGE_PAGES=0)',
      registers,
      collect() {
        this.set(merger.stats.segments);
      },
    });
    new Gauge({
      name: 'sqlite_token_index_merging',
      help: 'The SQLite token index merger is merging (1) or waiting for new segments (0)',
      registers,
      collect() {
        this.set(merger.stats.merging ? 1 : 0);
      },
    });
    new Counter({
      name: 'sqlite_token_index_merge_passes_total',
      help: 'Merge passes of the SQLite token index merger (SQLITE_MERGE_PAGES pages each at most)',
      registers,
      collect() {
        this.reset();
        this.inc(merger.stats.passes);
      },
    });
    new Counter({
      name: 'sqlite_write_turn_waits_total',
      help: 'SQLite write groups that waited for a merge pass to end',
      registers,
      collect() {
        this.reset();
        this.inc(turn.stats.waits);
      },
    });
    new Counter({
      name: 'sqlite_write_turn_wait_seconds_total',
      help: 'Time SQLite write groups waited for merge passes to end',
      registers,
      collect() {
        this.reset();
        this.inc(turn.stats.waitedMs / 1000);
      },
    });
  }

  /** DATABASE_READ_URL: the replica's state and lag, and where reads were served and why. */
  private registerReplicaMetrics(replica: ReadReplica): void {
    const registers = [this.registry];
    new Gauge({
      name: 'db_replica_up',
      help: 'Read replica serving reads (1), or out of reads (0: lagging beyond DB_READ_MAX_LAG_MS, or down)',
      registers,
      collect() {
        this.set(replica.state === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'Read replica lag behind the primary at the last check (age of the oldest primary position not applied yet); NaN while down',
      registers,
      collect() {
        this.set(replica.lagMs === undefined ? NaN : replica.lagMs / 1000);
      },
    });
    new Counter({
      name: 'db_replica_reads_total',
      help: 'Customer reads by where they were served and why: replica, replica_waited (token applied in time), primary_replica_out, primary_wait_timeout, primary_miss (GET by id not on the replica), primary_replica_error, primary_bad_token',
      labelNames: ['route'] as const,
      registers,
      collect() {
        this.reset();
        for (const [route, count] of Object.entries(replica.reads) as [ReadRoute, number][]) {
          this.inc({ route }, count);
        }
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }
}
