import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AckPolicy, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { MsgHdrs, nanos } from '@nats-io/nats-core';

import { AppConfig, HubSettings } from '@server/config/app-config';
import { DeadLetterRepository } from '@server/hub/admin/dead-letter.repository';
import type { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import { attemptResult } from '@server/hub/delivery/attempt-result';
import { CallbackClient } from '@server/hub/delivery/callback-client';
import { DeliveryMetrics } from '@server/hub/delivery/delivery.metrics';
import type { ClaimedDelivery, DeliveryResult } from '@server/hub/delivery/delivery.repository';
import type { DispatcherMetrics } from '@server/hub/delivery/event-dispatcher.service';
import { SubscriptionQueries } from '@server/hub/subscriptions/subscription-queries';
import {
  DeliverableSubscription,
  SubscriptionRepository,
} from '@server/hub/subscriptions/subscription.repository';

import { NatsHub, OUTBOX_ID_HEADER } from './nats-hub';

const ADVISORY_CONSUMER = 'hub-dead-letters';
// Consumers are compared with the subscriptions (created, deleted) this often, besides start-up.
const RECONCILE_EVERY_MS = 10_000;
// At shutdown, how long releasing the messages held by this process may wait for NATS.
const RELEASE_TIMEOUT_MS = 2_000;

/** A max-deliveries advisory as JetStream publishes it. */
interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * HUB_TRANSPORT=nats: delivers from each subscription's durable consumer (pulled by every
 * dispatching replica, so they share the work). A message is acknowledged when delivered, or when the
 * subscription does not receive it (positioned after the change, or its query does not match); a
 * failed attempt is `nak`ed with the back-off delay; the last failed attempt (or an SSRF refusal)
 * becomes a dead letter in the database and the message is terminated. An attempt whose process
 * died comes back after `ack_wait` (the lease); if that was the last one, JetStream's max-deliveries
 * advisory (captured in a stream) makes it a dead letter. Subscriptions are re-read on every poll;
 * consumers are reconciled with them at start-up and every 10 s.
 */
@Injectable()
export class NatsDeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NatsDeliveryService.name);
  private readonly settings: HubSettings;
  private readonly shutdownGraceMs: number;
  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | null = null;
  private lastReconcile = 0;
  private readonly loops = new Map<string, { messages?: ConsumerMessages; stopped: boolean }>();
  private subscriptionsById = new Map<string, DeliverableSubscription>();
  private advisories: ConsumerMessages | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly slotWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  // While shutting down, until the server has dropped this process's pull requests: the messages
  // to release (nak), held so that none is handed back to a request of ours (NatsHub.forgetPulls).
  private held: JsMsg[] | null = null;
  private readonly counters = { delivered: 0, failedAttempts: 0, deadLettered: 0, dropped: 0 };

  constructor(
    config: AppConfig,
    private readonly hub: NatsHub,
    private readonly subscriptions: SubscriptionRepository,
    private readonly client: CallbackClient,
    private readonly queries: SubscriptionQueries,
    private readonly deadLetters: DeadLetterRepository,
    private readonly deliveryMetrics: DeliveryMetrics,
  ) {
    this.settings = config.hub;
    this.shutdownGraceMs = config.shutdownGraceMs;
  }

  get metrics(): DispatcherMetrics {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  onApplicationBootstrap(): void {
    if (!this.hub.enabled || !this.settings.dispatchEnabled) {
      return;
    }
    this.running = true;
    this.pollTimer = setInterval(() => this.refresh(), this.settings.pollIntervalMs);
    this.refresh();
  }

  /**
   * Stops pulling and has the server drop this process's pull requests, waits for the attempts in
   * flight (at most min(SHUTDOWN_GRACE_MS, HUB_DELIVERY_TIMEOUT_MS + 1 s)), then aborts them: those,
   * and messages pulled but not attempted, are nak'ed without delay (due again at once for the other
   * replicas or the next start).
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    clearInterval(this.pollTimer);
    while (this.refreshing) {
      await this.refreshing;
    }
    this.held = [];
    const stopped = [...this.loops.keys()];
    for (const loop of this.loops.values()) {
      loop.stopped = true;
      loop.messages?.stop();
    }
    this.advisories?.stop();
    // Loops waiting for a slot see that they are stopped and hold their message.
    this.slotWaiters.splice(0).forEach((wake) => wake());
    await this.forgetPulls(stopped);
    const attempts = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      attempts.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(
          () => resolve(false),
          Math.min(this.shutdownGraceMs, this.settings.deliveryTimeoutMs + 1000),
        );
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      this.abort.abort();
      await attempts;
    }
  }

  /** Re-reads the subscriptions, starts and stops consumer loops, reconciles consumers now and then. */
  private refresh(): void {
    if (!this.running || this.refreshing) {
      return;
    }
    this.refreshing = this.syncSubscriptions()
      .catch((err: unknown) =>
        this.logger.warn(`NATS delivery: ${(err as Error).message}; will retry`),
      )
      .finally(() => {
        this.refreshing = null;
      });
  }

  private async syncSubscriptions(): Promise<void> {
    await this.hub.ready();
    const current = await this.subscriptions.all();
    this.subscriptionsById = new Map(current.map((s) => [s.id, s]));
    if (Date.now() - this.lastReconcile >= RECONCILE_EVERY_MS) {
      const { ids } = await this.hub.consumers();
      const existing = new Set(ids);
      for (const s of current.filter((sub) => !existing.has(sub.id))) {
        await this.hub.addConsumer(s);
      }
      for (const id of ids.filter((consumer) => !this.subscriptionsById.has(consumer))) {
        await this.hub.deleteConsumer(id);
      }
      this.lastReconcile = Date.now();
    }
    for (const [id, loop] of this.loops) {
      if (!this.subscriptionsById.has(id)) {
        loop.stopped = true;
        loop.messages?.stop();
        this.loops.delete(id);
      }
    }
    for (const s of current) {
      if (!this.loops.has(s.id)) {
        this.startLoop(s.id);
      }
    }
    if (!this.advisories) {
      await this.startAdvisories();
    }
  }

  private startLoop(subscriptionId: string): void {
    const loop: { messages?: ConsumerMessages; stopped: boolean } = { stopped: false };
    this.loops.set(subscriptionId, loop);
    void (async () => {
      const { js } = await this.hub.ready();
      let consumer;
      try {
        consumer = await js.consumers.get(
          this.hub.nats.stream,
          this.hub.consumerName(subscriptionId),
        );
      } catch {
        // Created by the subscription request, or by the next reconciliation.
        const s = this.subscriptionsById.get(subscriptionId);
        if (s) {
          await this.hub.addConsumer(s);
        }
        consumer = await js.consumers.get(
          this.hub.nats.stream,
          this.hub.consumerName(subscriptionId),
        );
      }
      if (loop.stopped) {
        return;
      }
      const messages = await consumer.consume({
        max_messages: this.settings.subscriberConcurrency,
      });
      loop.messages = messages;
      for await (const m of messages) {
        await this.slot();
        if (loop.stopped) {
          // Pulled but not attempted (a change carries several events): due again at once rather
          // than after ack_wait, which would hold the consumer's max_ack_pending meanwhile.
          this.release(m);
          continue;
        }
        const attempt = this.handle(subscriptionId, m).catch((err: unknown) => {
          this.logger.error(
            `Delivery of message ${m.seq} to ${subscriptionId} failed unexpectedly`,
            (err as Error).stack,
          );
          m.nak(this.settings.retryBaseMs);
        });
        this.inFlight.add(attempt);
        void attempt.finally(() => {
          this.inFlight.delete(attempt);
          this.slotWaiters.shift()?.();
        });
      }
    })()
      .catch((err: unknown) => {
        if (!loop.stopped) {
          this.logger.warn(
            `Consumer of subscription ${subscriptionId}: ${(err as Error).message}; restarting`,
          );
        }
      })
      .finally(() => {
        // Restarted by the next refresh while the subscription exists.
        if (this.loops.get(subscriptionId) === loop) {
          this.loops.delete(subscriptionId);
        }
      });
  }

  /**
   * Has the server drop this process's pull requests of the stopped loops (NatsHub.forgetPulls),
   * then naks the messages held meanwhile; later releases are nak'ed at once.
   */
  private async forgetPulls(subscriptionIds: string[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      subscriptionIds.length > 0 ? this.hub.forgetPulls(subscriptionIds) : undefined,
      new Promise((resolve) => {
        timer = setTimeout(resolve, RELEASE_TIMEOUT_MS);
      }),
    ])
      .catch((err: unknown) =>
        this.logger.warn(`NATS delivery: stopping the pulls: ${(err as Error).message}`),
      )
      .finally(() => clearTimeout(timer));
    const held = this.held ?? [];
    this.held = null;
    held.forEach((m) => m.nak());
  }

  /** Makes a message due again at once (an attempt cut by shutdown, or one never attempted). */
  private release(m: JsMsg): void {
    if (this.held) {
      this.held.push(m);
    } else {
      m.nak();
    }
  }

  /** Waits for a free slot of HUB_CONCURRENCY in this process (none while stopping). */
  private async slot(): Promise<void> {
    while (this.running && this.inFlight.size >= this.settings.concurrency) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
  }

  private async handle(subscriptionId: string, m: JsMsg): Promise<void> {
    const subscription = this.subscriptionsById.get(subscriptionId);
    const outboxId = Number((m.headers as MsgHdrs | undefined)?.get(OUTBOX_ID_HEADER) ?? 0);
    const payload = m.string();
    const event = JSON.parse(payload) as CustomerEventEnvelope;
    if (!subscription) {
      // Deleted meanwhile: its consumer goes at the next reconciliation.
      this.counters.dropped++;
      this.deliveryMetrics.observe('dropped');
      m.ack();
      return;
    }
    if (outboxId <= subscription.afterOutboxId || !this.matches(subscription, event)) {
      m.ack();
      return;
    }
    const delivery: ClaimedDelivery = {
      id: `nats:${m.seq}`,
      claimToken: '',
      eventId: event.eventId,
      subscriptionId,
      attempts: m.info.deliveryCount,
      payload,
      callback: subscription.callback,
      query: subscription.query,
      secret: subscription.secret,
    };
    this.deliveryMetrics.inFlight.inc();
    const started = process.hrtime.bigint();
    let result: DeliveryResult;
    try {
      const outcome = await this.client.post({
        callback: subscription.callback,
        body: this.body(subscription, payload),
        eventId: event.eventId,
        secret: subscription.secret,
        timeoutMs: this.settings.deliveryTimeoutMs,
        signal: this.abort.signal,
      });
      result = attemptResult(delivery, outcome, this.settings, Date.now());
    } finally {
      this.deliveryMetrics.inFlight.dec();
    }
    this.deliveryMetrics.observe(result.kind, Number(process.hrtime.bigint() - started) / 1e9);
    switch (result.kind) {
      case 'delivered':
        this.counters.delivered++;
        await m.ackAck().catch(() => m.ack());
        break;
      case 'retry':
        this.counters.failedAttempts++;
        m.nak(Math.max(0, result.nextAttemptAt - Date.now()));
        break;
      case 'dead':
        this.counters.failedAttempts++;
        this.counters.deadLettered++;
        await this.deadLetters.record(
          {
            eventId: event.eventId,
            eventType: event.eventType,
            resourceId: event.event.customer.id as string,
            payload,
            subscriptionId,
            attempts: delivery.attempts,
            lastError: result.error,
            lastStatus: result.status,
          },
          Date.now(),
        );
        this.logger.warn(
          `Dead letter: event ${event.eventId} to subscription ${subscriptionId} after ${delivery.attempts} attempt(s): ${result.error}`,
        );
        m.term(result.error.slice(0, 200));
        break;
      case 'released':
      case 'dropped':
        this.release(m);
        break;
    }
  }

  /** Dead letters for messages whose last attempt ended without an outcome (process gone). */
  private async startAdvisories(): Promise<void> {
    const { js, jsm } = await this.hub.ready();
    const stream = this.hub.advisoryStream;
    await jsm.consumers.add(stream, {
      durable_name: ADVISORY_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.settings.leaseMs),
    });
    const consumer = await js.consumers.get(stream, ADVISORY_CONSUMER);
    const messages = await consumer.consume({ max_messages: 10 });
    this.advisories = messages;
    void (async () => {
      for await (const m of messages) {
        await this.onMaxDeliveries(m.json<MaxDeliveriesAdvisory>())
          .then(() => m.ack())
          .catch((err: unknown) => {
            this.logger.warn(`Max-deliveries advisory: ${(err as Error).message}`);
            m.nak(1000);
          });
      }
    })().finally(() => {
      this.advisories = undefined;
    });
  }

  private async onMaxDeliveries(advisory: MaxDeliveriesAdvisory): Promise<void> {
    const subscriptionId = this.hub.subscriptionOf(advisory.consumer);
    if (!subscriptionId || !this.subscriptionsById.has(subscriptionId)) {
      return;
    }
    const { jsm } = await this.hub.ready();
    const stored = await jsm.streams.getMessage(advisory.stream, { seq: advisory.stream_seq });
    if (!stored) {
      return; // aged out of the stream
    }
    const payload = stored.string();
    const event = JSON.parse(payload) as CustomerEventEnvelope;
    this.counters.deadLettered++;
    this.deliveryMetrics.observe('dead');
    await this.deadLetters.record(
      {
        eventId: event.eventId,
        eventType: event.eventType,
        resourceId: event.event.customer.id as string,
        payload,
        subscriptionId,
        attempts: advisory.deliveries,
        lastError:
          'No outcome recorded for the last attempt (its process stopped or its lease ran out)',
      },
      Date.now(),
    );
  }

  private matches(subscription: DeliverableSubscription, event: CustomerEventEnvelope): boolean {
    try {
      return this.queries.matches(subscription, event);
    } catch {
      return false;
    }
  }

  private body(subscription: DeliverableSubscription, payload: string): string {
    try {
      return this.queries.body(subscription.query, payload);
    } catch {
      return payload;
    }
  }
}
