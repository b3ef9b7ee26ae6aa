import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';

import { AppConfig, HubSettings } from '@server/config/app-config';
import { nextTurn } from '@server/hub/coalescing-runner';
import type { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import { OutboxWrittenEvent } from '@server/hub/events';
import { PolledWorker } from '@server/hub/polled-worker';

import { RoleLease, RoleLeases } from '@server/hub/role-lease';

import { NatsHub } from './nats-hub';
import { RelayRepository } from './relay.repository';

const BATCH = 200;

/**
 * HUB_TRANSPORT=nats: relays committed outbox rows to the JetStream stream, in id order, one event
 * per message (`Nats-Msg-Id` = eventId, so a republish after a crash is dropped by the stream;
 * header `Hub-Outbox-Id` = the change's position, which decides its recipients), then deletes them.
 * Woken after each commit and polling; while NATS is unreachable rows stay in the outbox and the
 * relay resumes from them. One replica relays at a time (the `hub-relay` DatabaseLease on
 * MySQL/MariaDB).
 */
@Injectable()
export class NatsRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NatsRelayService.name);
  private readonly settings: HubSettings;
  private readonly worker = new PolledWorker({
    pass: () => this.relay(),
    onError: (err) => this.failed(err),
    settle: nextTurn,
  });
  private failing = false;
  private relayed = 0;
  private readonly role: RoleLease;

  constructor(
    config: AppConfig,
    private readonly hub: NatsHub,
    private readonly outbox: RelayRepository,
    leases: RoleLeases,
  ) {
    this.settings = config.hub;
    this.role = leases.lease('hub-relay', config.hub.leaseMs);
  }

  get changesRelayed(): number {
    return this.relayed;
  }

  onApplicationBootstrap(): void {
    if (!this.hub.enabled || !this.settings.dispatchEnabled) {
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

  private async relay(): Promise<void> {
    await this.pump();
    if (this.failing) {
      this.failing = false;
      this.logger.log('Relaying to NATS again');
    }
  }

  /** Logged once per outage. */
  private failed(err: unknown): void {
    if (!this.failing) {
      this.failing = true;
      this.logger.warn(
        `Relaying to NATS failed; the changes stay in the outbox: ${(err as Error).message}`,
      );
    }
  }

  private async pump(): Promise<void> {
    await this.hub.ready();
    while (this.worker.running) {
      if (!(await this.role.hold())) {
        return;
      }
      const changes = await this.outbox.next(BATCH);
      if (changes.length === 0) {
        return;
      }
      // Published concurrently, acknowledged each; a failure leaves the whole batch for later
      // (what was stored is dropped as a duplicate then).
      await Promise.all(
        changes.flatMap((change) =>
          (JSON.parse(change.payload) as CustomerEventEnvelope[]).map((event) =>
            this.hub.publish(event.eventId, change.id, JSON.stringify(event)),
          ),
        ),
      );
      await this.outbox.remove(changes.map((c) => c.id));
      this.relayed += changes.length;
      if (changes.length < BATCH) {
        return;
      }
    }
  }
}
