import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';

import { MetricsService } from '@server/metrics/metrics.service';

import { OutboxRepository } from '@server/hub/outbox/outbox.repository';

import type { DeliveryResult } from './delivery.repository';

// The `outcome` label of each result (what happened to one attempt, or to a delivery without one).
const OUTCOME: Record<DeliveryResult['kind'], string> = {
  delivered: 'delivered',
  retry: 'failed',
  dead: 'dead_lettered',
  dropped: 'dropped',
  released: 'released',
};

/**
 * Hub metrics on the shared Prometheus registry: attempts by outcome and duration (this process),
 * attempts in flight (this process), and the outbox backlog by state (the database: all replicas).
 */
@Injectable()
export class DeliveryMetrics {
  private readonly logger = new Logger(DeliveryMetrics.name);
  private readonly attempts: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  readonly inFlight: Gauge;

  constructor(metrics: MetricsService, outbox: OutboxRepository) {
    const registers = [metrics.registry];
    this.attempts = new Counter({
      name: 'hub_delivery_attempts_total',
      help: 'Event deliveries by outcome: delivered, failed (will retry), dead_lettered, dropped (subscription gone), released (shutdown)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'hub_delivery_attempt_duration_seconds',
      help: 'Duration of callback POSTs by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'hub_deliveries_in_flight',
      help: 'Callback POSTs in flight in this process',
      registers,
    });
    const logger = this.logger;
    new Gauge({
      name: 'hub_outbox_changes',
      help: 'Changes committed and not yet fanned out (db) or relayed (nats), all replicas',
      registers,
      async collect() {
        try {
          this.set(await outbox.changeCount());
        } catch (err) {
          logger.warn(`Could not count outbox changes: ${(err as Error).message}`);
        }
      },
    });
    new Gauge({
      name: 'hub_outbox_deliveries',
      help: 'Deliveries stored in the outbox by state (all replicas): pending, claimed, dead',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        try {
          const counts = await outbox.counts(Date.now());
          this.set({ state: 'pending' }, counts.pending);
          this.set({ state: 'claimed' }, counts.claimed);
          this.set({ state: 'dead' }, counts.dead);
        } catch (err) {
          logger.warn(`Could not count outbox deliveries: ${(err as Error).message}`);
        }
      },
    });
  }

  observe(result: DeliveryResult['kind'], seconds?: number): void {
    const outcome = OUTCOME[result];
    this.attempts.inc({ outcome });
    if (seconds !== undefined) {
      this.duration.observe({ outcome }, seconds);
    }
  }
}
