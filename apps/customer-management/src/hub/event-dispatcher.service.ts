import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

import { AppConfig, HubSettings } from '@server/config/app-config';

import { retryDelayMs } from './backoff';
import { CallbackClient, DeliveryOutcome } from './callback-client';
import { OUTBOX_COMMITTED } from './outbox.listener';
import { ClaimedDelivery, DeliveryResult, OutboxRepository } from './outbox.repository';
import { SubscriptionQueries } from './subscription-query';

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
  private running = false;
  private pumping: Promise<void> | null = null;
  private rerun = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perSubscription = new Map<string, number>();
  private readonly results: DeliveryResult[] = [];
  private flushing: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private lastPurge = Date.now();
  private readonly counters = { delivered: 0, failedAttempts: 0, deadLettered: 0, dropped: 0 };

  constructor(
    config: AppConfig,
    private readonly outbox: OutboxRepository,
    private readonly client: CallbackClient,
    private readonly queries: SubscriptionQueries,
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
    if (this.outbox.dialect === 'sqlite') {
      const released = await this.outbox.releaseAbandonedClaims(Date.now());
      if (released > 0) {
        this.logger.warn(`Released ${released} deliveries claimed by a process that stopped`);
      }
    }
    this.running = true;
    this.schedule(0);
  }

  /** Stops claiming, lets in-flight attempts finish (or aborts and releases them), writes every outcome. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pumping) {
      await this.pumping;
    }
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

  @OnEvent(OUTBOX_COMMITTED)
  wake(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) {
      return;
    }
    const at = Date.now() + Math.max(0, delayMs);
    if (at >= this.timerAt) {
      return;
    }
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, at - Date.now());
  }

  private tick(): void {
    if (this.pumping) {
      this.rerun = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) =>
        this.logger.warn(`Claiming deliveries failed; will retry: ${(err as Error).message}`),
      )
      .finally(() => {
        this.pumping = null;
        if (this.rerun) {
          this.rerun = false;
          this.schedule(0);
        }
        this.schedule(this.settings.pollIntervalMs);
      });
  }

  private async pump(): Promise<void> {
    const cap = this.settings.subscriberConcurrency;
    while (this.running) {
      const free = this.settings.concurrency - this.inFlight.size;
      if (free <= 0) {
        break;
      }
      const saturated = [...this.perSubscription].filter(([, n]) => n >= cap).map(([id]) => id);
      const claimed = await this.outbox.claim({
        limit: free,
        now: Date.now(),
        leaseMs: this.settings.leaseMs,
        excludeSubscriptions: saturated,
        room: (id) => cap - (this.perSubscription.get(id) ?? 0),
      });
      if (claimed.length === 0) {
        break;
      }
      for (const delivery of claimed) {
        this.start(delivery);
      }
    }
    if (this.running && Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.outbox.purgeDeliveredEvents(Date.now() - PURGE_AGE_MS);
    }
  }

  private start(delivery: ClaimedDelivery): void {
    const sub = delivery.subscriptionId;
    this.perSubscription.set(sub, (this.perSubscription.get(sub) ?? 0) + 1);
    const attempt = this.attempt(delivery)
      .catch((err: unknown): DeliveryResult => {
        this.logger.error(`Delivery ${delivery.id} failed unexpectedly`, (err as Error).stack);
        return { kind: 'released', delivery };
      })
      .then((result) => this.queueResult(result))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        const left = (this.perSubscription.get(sub) ?? 1) - 1;
        if (left > 0) {
          this.perSubscription.set(sub, left);
        } else {
          this.perSubscription.delete(sub);
        }
        // A slot is free: there may be more due work (a backlog, or a saturated subscriber's).
        this.schedule(0);
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
    return this.resultOf(delivery, outcome);
  }

  private resultOf(delivery: ClaimedDelivery, outcome: DeliveryOutcome): DeliveryResult {
    if (outcome.ok) {
      this.counters.delivered++;
      return { kind: 'delivered', delivery };
    }
    if (outcome.aborted) {
      return { kind: 'released', delivery };
    }
    this.counters.failedAttempts++;
    const error = outcome.error ?? 'delivery failed';
    if (outcome.permanent || delivery.attempts >= this.settings.maxAttempts) {
      this.counters.deadLettered++;
      this.logger.warn(
        `Dead letter: event ${delivery.eventId} to subscription ${delivery.subscriptionId} after ${delivery.attempts} attempt(s): ${error}`,
      );
      return { kind: 'dead', delivery, error, status: outcome.status };
    }
    const backoff = retryDelayMs(
      delivery.attempts,
      this.settings.retryBaseMs,
      this.settings.retryMaxMs,
    );
    const delay = Math.min(this.settings.retryMaxMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
    this.schedule(delay);
    return {
      kind: 'retry',
      delivery,
      nextAttemptAt: Date.now() + delay,
      error,
      status: outcome.status,
    };
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
          await this.outbox.record(batch, Date.now());
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
