import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';

import { Public } from '@server/auth/public.decorator';
import { MigrationService } from '@server/database/migration.service';
import { ReadReplica } from '@server/database/read-replica';
import { TransactionRunner } from '@server/database/transaction-runner';

/**
 * Kubernetes probes. Liveness says only that the process serves HTTP (restarting it cannot fix a
 * database outage); readiness says the database answers (on Galera: the node is synced and in the primary
 * component) and every migration is applied, and shows
 * the read replica's state and lag (DATABASE_READ_URL) without depending on it.
 */
@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly migrations: MigrationService,
    private readonly indicators: HealthIndicatorService,
    private readonly replica: ReadReplica,
    private readonly tx: TransactionRunner,
  ) {}

  @Get('live')
  async live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: 1500 }),
        () => this.migrationsApplied(),
        ...(this.tx.galera ? [() => this.clusterNode()] : []),
        ...(this.replica.enabled ? [() => this.readReplica()] : []),
      ]);
    } catch (err) {
      // Terminus reports "not ready" as an exception carrying the full result; answer it as is.
      const result = (err as { getResponse?: () => unknown }).getResponse?.();
      if (result && typeof result === 'object') {
        void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
        return result as HealthCheckResult;
      }
      throw err;
    }
  }

  /**
   * Shown, never failing readiness: while the replica is out of reads the primary serves them, so
   * this process still serves every request.
   */
  private readReplica(): HealthIndicatorResult {
    return this.indicators.check('readReplica').up({
      state: this.replica.state,
      ...(this.replica.lagMs === undefined ? {} : { lagMs: this.replica.lagMs }),
      servingReads: this.replica.state === 'up',
    });
  }

  /**
   * On Galera: the node this process uses must be synced and in the primary component; otherwise
   * every query on a table fails (1047) and the process must leave the load balancer until it is.
   */
  private async clusterNode(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('clusterNode');
    try {
      return (await this.tx.galeraNodeReady())
        ? indicator.up({ cluster: 'galera', wsrepReady: true })
        : indicator.down({ cluster: 'galera', wsrepReady: false });
    } catch (err) {
      return indicator.down({ message: err instanceof Error ? err.message : 'unknown' });
    }
  }

  private async migrationsApplied(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('migrations');
    try {
      return (await this.migrations.upToDate())
        ? indicator.up()
        : indicator.down({ message: 'pending migrations' });
    } catch (err) {
      return indicator.down({ message: err instanceof Error ? err.message : 'unknown' });
    }
  }
}
