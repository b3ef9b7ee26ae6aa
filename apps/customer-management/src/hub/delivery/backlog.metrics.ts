import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';

import { MetricsService } from '@server/metrics/metrics.service';
import { NatsHub } from '@server/hub/nats/nats-hub';
import { OutboxRepository } from '@server/hub/outbox/outbox.repository';

import { CachedSample } from './cached-sample';

// A scrape reuses a sample this recent (and one still being taken): several Prometheus servers, or
// a short scrape interval, then cost the database and NATS one count per interval.
const SAMPLE_TTL_MS = 5_000;

/**
 * `hub_delivery_backlog{transport}`: the deliveries the transport still holds, all replicas. `db`:
 * `hub_delivery` rows not dead (pending or in flight); it exists with both transports, since the
 * database dispatcher also delivers redriven dead letters under nats. `nats`: over every
 * subscription's consumer, messages not yet handed out plus those awaiting an acknowledgement
 * (`num_pending + num_ack_pending`); it includes the events a subscription's query will skip.
 * Changes not yet fanned out or relayed are `hub_outbox_changes`.
 */
@Injectable()
export class BacklogMetrics {
  private readonly logger = new Logger(BacklogMetrics.name);

  constructor(metrics: MetricsService, outbox: OutboxRepository, nats: NatsHub) {
    const samples = new Map<string, CachedSample>([
      ['db', new CachedSample(SAMPLE_TTL_MS, () => outbox.deliveryBacklog())],
    ]);
    if (nats.enabled) {
      samples.set(
        'nats',
        new CachedSample(SAMPLE_TTL_MS, async () => {
          const { backlog } = await nats.consumers();
          return backlog.pending + backlog.ackPending;
        }),
      );
    }
    const logger = this.logger;
    new Gauge({
      name: 'hub_delivery_backlog',
      help: 'Deliveries the transport still holds, all replicas (db: hub_delivery rows not dead; nats: consumers num_pending + num_ack_pending), sampled at most every 5 s',
      labelNames: ['transport'] as const,
      registers: [metrics.registry],
      async collect() {
        const now = Date.now();
        await Promise.all(
          [...samples].map(async ([transport, sample]) => {
            try {
              this.set({ transport }, await sample.get(now));
            } catch (err) {
              // No value rather than a stale one: an absent series is what an alert can see.
              this.remove({ transport });
              logger.warn(`Could not sample the ${transport} backlog: ${(err as Error).message}`);
            }
          }),
        );
      },
    });
  }
}
