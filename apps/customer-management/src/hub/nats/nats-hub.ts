import { readFileSync } from 'node:fs';

import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  JetStreamClient,
  jetstreamManager,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { credsAuthenticator, headers, NatsConnection, nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

import { AppConfig, HubSettings, NatsSettings } from '@server/config/app-config';

/** What a subscription's consumer is made from. */
export interface ConsumerSpec {
  id: string;
  /** The subscription's creation time: its consumer starts there (the outbox position decides). */
  createdAt: number;
}

/** Undelivered messages over every subscription's consumer. */
export interface NatsBacklog {
  pending: number;
  ackPending: number;
}

export const OUTBOX_ID_HEADER = 'Hub-Outbox-Id';
const CONSUMER_PREFIX = 'hub-';
// Republishing after a crash between publish and the outbox delete is dropped by JetStream within
// this window (Nats-Msg-Id = eventId); a relay back within it sends no duplicate.
const DUPLICATE_WINDOW_MS = 10 * 60_000;
// A consumer starts this long before its subscription was created: covers clock skew between the
// servers and NATS; the outbox position then decides precisely (ADR 0010).
const START_MARGIN_MS = 5 * 60_000;

/**
 * The NATS JetStream side of the hub (HUB_TRANSPORT=nats): one connection per process (reconnecting
 * forever), the events stream (`<stream>`, subject `<stream>.events`, limits retention by age), the
 * stream capturing its max-deliveries advisories (`<stream>_ADVISORIES`), and one durable pull
 * consumer per subscription (`hub-<subscription id>`): ack_wait = HUB_LEASE_MS, max_deliver =
 * HUB_MAX_ATTEMPTS, max_ack_pending = HUB_SUBSCRIBER_CONCURRENCY. Replicas share the consumers.
 */
@Injectable()
export class NatsHub implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsHub.name);
  private readonly settings: HubSettings;
  private connecting: Promise<{
    nc: NatsConnection;
    js: JetStreamClient;
    jsm: JetStreamManager;
  }> | null = null;
  private connection: NatsConnection | undefined;

  constructor(config: AppConfig) {
    this.settings = config.hub;
  }

  get enabled(): boolean {
    return this.settings.transport === 'nats';
  }

  get nats(): NatsSettings {
    return this.settings.nats as NatsSettings;
  }

  get subject(): string {
    return `${this.nats.stream}.events`;
  }

  get advisoryStream(): string {
    return `${this.nats.stream}_ADVISORIES`;
  }

  consumerName(subscriptionId: string): string {
    return `${CONSUMER_PREFIX}${subscriptionId}`;
  }

  subscriptionOf(consumerName: string): string | undefined {
    return consumerName.startsWith(CONSUMER_PREFIX)
      ? consumerName.slice(CONSUMER_PREFIX.length)
      : undefined;
  }

  /** Connected, with both streams in place; retried by the callers (relay, delivery) on failure. */
  async ready(): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> {
    if (!this.connecting) {
      this.connecting = this.open().catch((err: unknown) => {
        this.connecting = null;
        throw err;
      });
    }
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    const nc = this.connection;
    this.connection = undefined;
    if (nc && !nc.isClosed()) {
      await nc.drain().catch(() => nc.close());
    }
  }

  private async open() {
    const nats = this.nats;
    // Typed here: transport-node's own declarations point into nats-core's `internal` entry.
    const nc = (await connect({
      servers: nats.servers,
      name: 'tmf629-customer-management-hub',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
      token: nats.token,
      user: nats.user,
      pass: nats.password,
      authenticator: nats.credsFile
        ? credsAuthenticator(new Uint8Array(readFileSync(nats.credsFile)))
        : undefined,
    })) as unknown as NatsConnection;
    this.connection = nc;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          this.logger.warn(`NATS ${status.type}`);
        }
      }
    })().catch(() => undefined);
    const jsm = await jetstreamManager(nc);
    await this.ensureStream(jsm, {
      name: nats.stream,
      subjects: [this.subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: nats.replicas,
      max_age: nanos(nats.maxAgeMs),
      duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, nats.maxAgeMs)),
      discard: DiscardPolicy.Old,
    });
    await this.ensureStream(jsm, {
      name: this.advisoryStream,
      subjects: [`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${nats.stream}.*`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: nats.replicas,
      max_age: nanos(nats.maxAgeMs),
      discard: DiscardPolicy.Old,
    });
    return { nc, js: jetstream(nc), jsm };
  }

  private async ensureStream(
    jsm: JetStreamManager,
    config: Parameters<JetStreamManager['streams']['add']>[0],
  ): Promise<void> {
    try {
      await jsm.streams.info(config.name);
    } catch {
      await jsm.streams.add(config);
      return;
    }
    const { name, ...rest } = config;
    await jsm.streams.update(name, rest);
  }

  /** Publishes a change's event; a republished eventId is dropped by the stream (idempotent). */
  async publish(eventId: string, outboxId: number, payload: string): Promise<void> {
    const { js } = await this.ready();
    const h = headers();
    h.set(OUTBOX_ID_HEADER, String(outboxId));
    await js.publish(this.subject, payload, { msgID: eventId, headers: h, timeout: 5000 });
  }

  /** Creates (or confirms) a subscription's durable consumer; idempotent. */
  async addConsumer(spec: ConsumerSpec): Promise<void> {
    const { jsm } = await this.ready();
    await jsm.consumers.add(this.nats.stream, {
      durable_name: this.consumerName(spec.id),
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.settings.leaseMs),
      max_deliver: this.settings.maxAttempts,
      max_ack_pending: this.settings.subscriberConcurrency,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(spec.createdAt - START_MARGIN_MS).toISOString(),
      filter_subject: this.subject,
    });
  }

  async deleteConsumer(subscriptionId: string): Promise<void> {
    const { jsm } = await this.ready();
    try {
      await jsm.consumers.delete(this.nats.stream, this.consumerName(subscriptionId));
    } catch (err) {
      if (!/consumer not found/i.test((err as Error).message)) {
        throw err;
      }
    }
  }

  /**
   * Makes the server drop this process's pull requests to the given consumers, once their
   * subscriptions are stopped. A stopped pull subscription leaves its requests queued on the server
   * until they expire; nats-server 2.9, handing a redelivery (a `nak`) to such a request, finds no
   * interest and rewinds the consumer's stream position as if the message were new: the nak'ed
   * message then waits for `ack_wait` and the next message is delivered a second time. The flush
   * makes the server process our unsubscriptions; consumer info then purges the requests that lost
   * their interest. Call it before `nak`ing messages of stopped subscriptions.
   */
  async forgetPulls(subscriptionIds: Iterable<string>): Promise<void> {
    const { nc, jsm } = await this.ready();
    await nc.flush();
    await Promise.all(
      [...subscriptionIds].map((id) =>
        jsm.consumers.info(this.nats.stream, this.consumerName(id)).catch(() => undefined),
      ),
    );
  }

  /** The subscription ids that have a consumer, and the backlog over them. */
  async consumers(): Promise<{ ids: string[]; backlog: NatsBacklog }> {
    const { jsm } = await this.ready();
    const ids: string[] = [];
    const backlog: NatsBacklog = { pending: 0, ackPending: 0 };
    for await (const info of jsm.consumers.list(this.nats.stream)) {
      const id = this.subscriptionOf(info.name);
      if (id) {
        ids.push(id);
        backlog.pending += info.num_pending;
        backlog.ackPending += info.num_ack_pending;
      }
    }
    return { ids, backlog };
  }
}
