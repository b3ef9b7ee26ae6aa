import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';

import { AppConfig, HubSettings } from '@server/config/app-config';
import { nextTurn } from '@server/hub/coalescing-runner';
import type { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import { OutboxCommittedEvent, OutboxWrittenEvent } from '@server/hub/events';
import { PolledWorker } from '@server/hub/polled-worker';
import { SubscriptionQueries } from '@server/hub/subscriptions/subscription-queries';
import type { SubscriptionFilter } from '@server/hub/subscriptions/subscription.repository';

import { RoleLease, RoleLeases } from '@server/hub/role-lease';

import { FanOutRepository } from './fan-out.repository';

// One fan-out transaction: at most this many changes and deliveries (whole changes, at least one).
// Small enough that customer writes waiting for SQLite's single writer are not held up for long.
const LIMITS = { changes: 200, deliveries: 2000 };

/**
 * The db transport's fan-out worker, in every process that dispatches: woken when a change's
 * outbox row commits, and polling every HUB_POLL_INTERVAL_MS (rows left by a crash, or written by
 * an API-only replica), it turns committed changes into per-subscription deliveries, batch by batch,
 * and wakes the dispatcher for the subscriptions concerned. On MySQL/MariaDB one replica at a time
 * holds the `hub-fanout` lease (`DatabaseLease`) and fans out.
 */
@Injectable()
export class FanOutService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FanOutService.name);
  private readonly settings: HubSettings;
  // Many commits in one turn of the event loop make one batch (the worker settles for a turn).
  private readonly worker = new PolledWorker({
    pass: () => this.pump(),
    onError: (err) => this.logger.warn(`Fan-out failed; will retry: ${(err as Error).message}`),
    settle: nextTurn,
  });
  private readonly brokenQueries = new Set<string>();
  private readonly role: RoleLease;

  constructor(
    config: AppConfig,
    private readonly repository: FanOutRepository,
    private readonly queries: SubscriptionQueries,
    private readonly emitter: EventEmitter2,
    leases: RoleLeases,
  ) {
    this.settings = config.hub;
    this.role = leases.lease('hub-fanout', config.hub.leaseMs);
  }

  /** In dispatching processes of the db transport (the nats transport relays instead). */
  get enabled(): boolean {
    return this.settings.dispatchEnabled && this.settings.transport === 'db';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      return;
    }
    this.worker.start(this.settings.pollIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    await this.role.release();
  }

  @OnEvent(OutboxWrittenEvent.eventName)
  kick(): void {
    this.worker.kick();
  }

  private async pump(): Promise<void> {
    // One process fans out at a time (the others poll for the lease).
    if (!(await this.role.hold())) {
      return;
    }
    while (this.worker.running) {
      const batch = await this.repository.fanOut(
        LIMITS,
        (subscription, event) => this.matches(subscription, event),
        Date.now(),
      );
      if (batch.recipients.length > 0) {
        this.emitter.emit(
          OutboxCommittedEvent.eventName,
          new OutboxCommittedEvent(batch.recipients),
        );
      }
      if (!batch.more) {
        return;
      }
      // Lets waiting customer writes in between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private matches(subscription: SubscriptionFilter, event: CustomerEventEnvelope): boolean {
    try {
      return this.queries.matches(subscription, event);
    } catch (err) {
      // Queries are validated at registration; one that no longer parses must not block the others.
      if (!this.brokenQueries.has(subscription.id)) {
        this.brokenQueries.add(subscription.id);
        this.logger.error(
          `Subscription ${subscription.id} has a query that no longer parses; it receives nothing: ${(err as Error).message}`,
        );
      }
      return false;
    }
  }
}
