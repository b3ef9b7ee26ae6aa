import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';

import {
  CustomerCreatedEvent,
  CustomerDeletedEvent,
  CustomerUpdatedEvent,
} from '@server/customer/events';
import { TransactionRunner } from '@server/database/transaction-runner';
import { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import { OutboxWrittenEvent } from '@server/hub/events';

import { createEvents, deleteEvents, updateEvents } from './envelope-builder';
import { v5CreateEvents, v5DeleteEvents, v5UpdateEvents } from './v5-envelope-builder';
import type { ApiVersion } from '@server/hub/subscriptions/subscription.repository';

import { OutboxRepository } from './outbox.repository';

// Errors must reach the emitter: the outbox row is part of the change, so a failure to write it
// rolls the customer's transaction back (a change without its event would break at-least-once).
// Invoked directly by emitAsync, which awaits the returned promise: EventEmitter2's `async` and
// `promisify` options would start the listener after a setImmediate, a whole event-loop turn inside
// the write transaction, and on SQLite (writes serialized) other requests' work would then run inside
// every write's critical section. Its `nextTick` variant never calls a promisified listener at all
// (eventemitter2 6.4.9). See docs/hub.md, Measurements.
const IN_TRANSACTION = { async: false, promisify: false, suppressErrors: false } as const;
const API_VERSIONS: readonly ApiVersion[] = ['v4', 'v5'];

/**
 * Turns customer domain events into TMF events and appends them to the outbox, inside the write
 * transaction of the change (same EntityManager): one row per change, whatever the number of
 * subscriptions. Matching and fan-out to subscriptions happen after commit (`FanOutService`, or the
 * NATS relay); the row's position in the outbox sequence decides its recipients (ADR 0010).
 */
@Injectable()
export class CustomerEventListener {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly tx: TransactionRunner,
    private readonly emitter: EventEmitter2,
  ) {}

  @OnEvent(CustomerCreatedEvent.eventName, IN_TRANSACTION)
  async onCreated(event: CustomerCreatedEvent): Promise<void> {
    await this.enqueue(event.manager, {
      v4: () => createEvents(event),
      v5: () => v5CreateEvents(event),
    });
  }

  @OnEvent(CustomerUpdatedEvent.eventName, IN_TRANSACTION)
  async onUpdated(event: CustomerUpdatedEvent): Promise<void> {
    await this.enqueue(event.manager, {
      v4: () => updateEvents(event),
      v5: () => v5UpdateEvents(event),
    });
  }

  @OnEvent(CustomerDeletedEvent.eventName, IN_TRANSACTION)
  async onDeleted(event: CustomerDeletedEvent): Promise<void> {
    await this.enqueue(event.manager, {
      v4: () => deleteEvents(event),
      v5: () => v5DeleteEvents(event),
    });
  }

  // The events of a version are built only when a subscription of that version exists: with no
  // subscription (common) a write pays one read of the gate rows. That read also orders this write
  // against subscription changes, so the versions counted are those of the change's recipients.
  private async enqueue(
    manager: EntityManager,
    eventsOf: Record<ApiVersion, () => CustomerEventEnvelope[]>,
  ): Promise<void> {
    const subscribers = await this.outbox.subscribersIn(manager);
    const events = API_VERSIONS.flatMap((version) =>
      subscribers[version] > 0 ? eventsOf[version]() : [],
    );
    if (events.length === 0) {
      return;
    }
    await this.outbox.append(manager, JSON.stringify(events), Date.now());
    this.tx.afterCommit(manager, () =>
      this.emitter.emit(OutboxWrittenEvent.eventName, new OutboxWrittenEvent()),
    );
  }
}
