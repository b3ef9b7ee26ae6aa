import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

import { AppConfig, HubSettings } from '@server/config/app-config';
import { OutboxCommittedEvent } from '@server/hub/events';
import { PolledWorker } from '@server/hub/polled-worker';
import { SubscriptionQueries } from '@server/hub/subscriptions/subscription-queries';
import { SubscriptionRepository } from '@server/hub/subscriptions/subscription.repository';

import { attemptResult } from './attempt-result';
import { CallbackClient } from './callback-client';
import { DeliveryMetrics } from './delivery.metrics';
import { ClaimedDelivery, DeliveryRepository, DeliveryResult } from './delivery.repository';

const PURGE_EVERY_MS = 60_000;
// Delivered events are purged after this; a margin over any write transaction still in flight.
const PURGE_AGE_MS = 5 * 60_000;
const RECORD_TRIES = 3;

/** Counters of this process since it started (the hub-admin stats endpoint shows them). */
export interface DispatcherMetrics {
  delivered: number;
  failedAttempts: number;
  deadLettered: number;
  dropped: number;
  inFlight: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers queued events. Woken after each commit that queued deliveries and every
 * HUB_POLL_INTERVAL_MS; each round claims due deliveries (leased, so other replicas skip them),
 * POSTs each with its own timeout, and records the outcome: delivered (row deleted), retry with
 * back-off, or dead letter after HUB_MAX_ATTEMPTS. At most HUB_CONCURRENCY attempts are in flight,
 * and at most HUB_SUBSCRIBER_CONCURRENCY per subscription, so a slow subscriber cannot starve others.
 */
@Injectable()
export class EventDispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventDispatcherService.name);
  private readonly settings: HubSettings;
  private readonly shutdownGraceMs: number;
  // Many kicks in one turn of the event loop make one pump; a poll looks at every subscription.
  private readonly worker = new PolledWorker({
    pass: () => this.pump(),
    onError: (err) =>
      this.logger.warn(`Claiming deliveries failed; will retry: ${(err as Error).message}`),
    settle: () => new Promise((resolve) => setTimeout(resolve, 0)),
    onPoll: () => {
      this.everyone = true;
    },
  });
  // One timer per subscription, for its earliest retry this process scheduled.
  private readonly retryTimers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  // Subscriptions that may have due deliveries, in the order they are served; `everyone` on a poll.
  private readonly dirty = new Set<string>();
  private everyone = true;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perSubscription = new Map<string, number>();
  private readonly results: DeliveryResult[] = [];
  private flushing: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private lastPurge = Date.now();
  private readonly counters = { delivered: 0, failedAttempts: 0, deadLettered: 0, dropped: 0 };

  constructor(
    config: AppConfig,
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly client: CallbackClient,
    private readonly queries: SubscriptionQueries,
    private readonly deliveryMetrics: DeliveryMetrics,
  ) {
    this.settings = config.hub;
    this.shutdownGraceMs = config.shutdownGraceMs;
  }

  get metrics(): DispatcherMetrics {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  get enabled(): boolean {
    return this.settings.dispatchEnabled;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.dispatchEnabled) {
      this.logger.log('HUB_DISPATCH_ENABLED=false: this process queues events but delivers none');
      return;
    }
    if (this.deliveries.dialect === 'sqlite') {
      const released = await this.deliveries.releaseAbandonedClaims(Date.now());
      if (released > 0) {
        this.logger.warn(`Released ${released} deliveries claimed by a process that stopped`);
      }
    }
    this.worker.start(this.settings.pollIntervalMs);
  }

  /** Stops claiming, lets in-flight attempts finish (or aborts and releases them), writes every outcome. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker.running) {
      return;
    }
    this.retryTimers.forEach(({ timer }) => clearTimeout(timer));
    this.retryTimers.clear();
    await this.worker.stop();
    const attempts = Promise.allSettled([...this.inFlight.values()]);
    const grace = Math.min(this.shutdownGraceMs, this.settings.deliveryTimeoutMs + 1000);
    let graceTimer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      attempts.then(() => true),
      new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), grace);
      }),
    ]);
    clearTimeout(graceTimer);
    if (!finished) {
      this.abort.abort();
      await attempts;
    }
    while (this.flushing || this.results.length > 0) {
      await this.ensureFlushing();
    }
  }

  /** After a commit that queued deliveries for some subscriptions (none named: for anyone). */
  @OnEvent(OutboxCommittedEvent.eventName)
  wake(event: OutboxCommittedEvent): void {
    if (event.subscriptionIds) {
      event.subscriptionIds.forEach((id) => this.dirty.add(id));
    } else {
      this.everyone = true;
    }
    this.worker.kick();
  }

  /**
   * Claims while there are free slots and subscriptions that may have due deliveries: each dirty
   * subscription gets up to its free slots (HUB_SUBSCRIBER_CONCURRENCY minus its attempts in flight),
   * in turn, so every subscriber is served whatever the others' backlogs.
   */
  private async pump(): Promise<void> {
    const cap = this.settings.subscriberConcurrency;
    while (this.worker.running) {
      let free = this.settings.concurrency - this.inFlight.size;
      if (free <= 0) {
        break;
      }
      if (this.everyone) {
        this.everyone = false;
        (await this.subscriptions.ids()).forEach((id) => this.dirty.add(id));
      }
      const quotas = new Map<string, number>();
      for (const id of this.dirty) {
        if (free <= 0) {
          break;
        }
        this.dirty.delete(id);
        // A subscription at its cap is marked dirty again when one of its attempts ends.
        const room = Math.min(cap - (this.perSubscription.get(id) ?? 0), free);
        if (room > 0) {
          quotas.set(id, room);
          free -= room;
        }
      }
      if (quotas.size === 0) {
        break;
      }
      const claimed = await this.deliveries.claim({
        now: Date.now(),
        leaseMs: this.settings.leaseMs,
        quotas,
      });
      const taken = new Map<string, number>();
      for (const delivery of claimed) {
        taken.set(delivery.subscriptionId, (taken.get(delivery.subscriptionId) ?? 0) + 1);
        this.start(delivery);
      }
      // A full quota means there may be more; served again after the others (end of the set).
      for (const [id, quota] of quotas) {
        if ((taken.get(id) ?? 0) >= quota) {
          this.dirty.add(id);
        }
      }
    }
    if (this.worker.running && Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.deliveries.purgeOrphanDeliveries();
      await this.deliveries.purgeDeliveredEvents(Date.now() - PURGE_AGE_MS);
    }
  }

  private start(delivery: ClaimedDelivery): void {
    const sub = delivery.subscriptionId;
    this.perSubscription.set(sub, (this.perSubscription.get(sub) ?? 0) + 1);
    this.deliveryMetrics.inFlight.inc();
    const started = process.hrtime.bigint();
    const attempt = this.attempt(delivery)
      .catch((err: unknown): DeliveryResult => {
        this.logger.error(`Delivery ${delivery.id} failed unexpectedly`, (err as Error).stack);
        return { kind: 'released', delivery };
      })
      .then((result) => {
        this.deliveryMetrics.observe(result.kind, Number(process.hrtime.bigint() - started) / 1e9);
        this.queueResult(result);
      })
      .finally(() => {
        this.deliveryMetrics.inFlight.dec();
        this.inFlight.delete(delivery.id);
        const left = (this.perSubscription.get(sub) ?? 1) - 1;
        if (left > 0) {
          this.perSubscription.set(sub, left);
        } else {
          this.perSubscription.delete(sub);
        }
        // A slot is free: this subscription may have more due work.
        this.dirty.add(sub);
        this.worker.kick();
      });
    this.inFlight.set(delivery.id, attempt);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<DeliveryResult> {
    if (delivery.callback === null) {
      // The subscription was deleted after the event was queued.
      this.counters.dropped++;
      return { kind: 'dropped', delivery };
    }
    const outcome = await this.client.post({
      callback: delivery.callback,
      body: this.body(delivery),
      eventId: delivery.eventId,
      secret: delivery.secret,
      timeoutMs: this.settings.deliveryTimeoutMs,
      signal: this.abort.signal,
    });
    const now = Date.now();
    const result = attemptResult(delivery, outcome, this.settings, now);
    switch (result.kind) {
      case 'delivered':
        this.counters.delivered++;
        break;
      case 'retry':
        this.counters.failedAttempts++;
        this.wakeLater(delivery.subscriptionId, result.nextAttemptAt - now);
        break;
      case 'dead':
        this.counters.failedAttempts++;
        this.counters.deadLettered++;
        this.logger.warn(
          `Dead letter: event ${delivery.eventId} to subscription ${delivery.subscriptionId} after ${delivery.attempts} attempt(s): ${result.error}`,
        );
        break;
      case 'released':
      case 'dropped':
        break;
    }
    return result;
  }

  /** Looks at a subscription again when a retry falls due (the poll would find it later anyway). */
  private wakeLater(subscriptionId: string, delayMs: number): void {
    const at = Date.now() + delayMs;
    const existing = this.retryTimers.get(subscriptionId);
    if (!this.worker.running || (existing && existing.at <= at)) {
      return;
    }
    if (existing) {
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(subscriptionId);
      this.dirty.add(subscriptionId);
      this.worker.kick();
    }, delayMs);
    this.retryTimers.set(subscriptionId, { timer, at });
  }

  private body(delivery: ClaimedDelivery): string {
    try {
      return this.queries.body(delivery.query, delivery.payload);
    } catch {
      return delivery.payload;
    }
  }

  private queueResult(result: DeliveryResult): void {
    this.results.push(result);
    void this.ensureFlushing();
  }

  private ensureFlushing(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.flushResults().finally(() => {
        this.flushing = null;
        if (this.results.length > 0) {
          void this.ensureFlushing();
        }
      });
    }
    return this.flushing;
  }

  // Outcomes are written in batches (one transaction for everything finished meanwhile).
  private async flushResults(): Promise<void> {
    while (this.results.length > 0) {
      const batch = this.results.splice(0, 500);
      for (let tries = 1; ; tries++) {
        try {
          await this.deliveries.record(batch, Date.now());
          break;
        } catch (err) {
          if (tries >= RECORD_TRIES) {
            // The claims stay leased; the deliveries are attempted again once the lease ends.
            this.logger.error(
              `Could not record ${batch.length} delivery outcome(s); they will be retried after their lease: ${(err as Error).message}`,
            );
            break;
          }
          await sleep(200 * tries);
        }
      }
    }
  }
}
