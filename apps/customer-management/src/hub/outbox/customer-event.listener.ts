import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';

import {
  CustomerCreatedEvent,
  CustomerDeletedEvent,
  CustomerUpdatedEvent,
} from '@server/customer/events';
import { TransactionRunner } from '@server/database/transaction-runner';
import { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import { OutboxCommittedEvent } from '@server/hub/events';
import { SubscriptionQueries } from '@server/hub/subscriptions/subscription-queries';
import { SubscriptionRepository } from '@server/hub/subscriptions/subscription.repository';

import { createEvents, deleteEvents, updateEvents } from './envelope-builder';
import { OutboxRepository } from './outbox.repository';

// Errors must reach the emitter: the outbox row is part of the change, so a failure to write it
// rolls the customer's transaction back (a change without its event would break at-least-once).
// Invoked directly by emitAsync, which awaits the returned promise: EventEmitter2's `async` and
// `promisify` options would start the listener after a setImmediate, a whole event-loop turn inside
// the write transaction, and on SQLite (writes serialized) other requests' work would then run inside
// every write's critical section. Its `nextTick` variant never calls a promisified listener at all
// (eventemitter2 6.4.9). See docs/hub.md, Measurements.
const IN_TRANSACTION = { async: false, promisify: false, suppressErrors: false } as const;

/**
 * Turns customer domain events into TMF events and queues them in the outbox, inside the write
 * transaction of the change (same EntityManager), one delivery per subscription whose query matches
 * the event at that moment. After commit the dispatcher is woken.
 */
@Injectable()
export class CustomerEventListener {
  private readonly logger = new Logger(CustomerEventListener.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly outbox: OutboxRepository,
    private readonly queries: SubscriptionQueries,
    private readonly tx: TransactionRunner,
    private readonly emitter: EventEmitter2,
  ) {}

  @OnEvent(CustomerCreatedEvent.eventName, IN_TRANSACTION)
  async onCreated(event: CustomerCreatedEvent): Promise<void> {
    await this.enqueue(event.manager, () => createEvents(event));
  }

  @OnEvent(CustomerUpdatedEvent.eventName, IN_TRANSACTION)
  async onUpdated(event: CustomerUpdatedEvent): Promise<void> {
    await this.enqueue(event.manager, () => updateEvents(event));
  }

  @OnEvent(CustomerDeletedEvent.eventName, IN_TRANSACTION)
  async onDeleted(event: CustomerDeletedEvent): Promise<void> {
    await this.enqueue(event.manager, () => deleteEvents(event));
  }

  // The events are built only when someone subscribes: with no subscription (common) a write pays
  // one read, not the envelopes' copies and ids.
  private async enqueue(
    manager: EntityManager,
    eventsOf: () => CustomerEventEnvelope[],
  ): Promise<void> {
    const filters = await this.subscriptions.filtersIn(manager);
    if (filters.length === 0) {
      return;
    }
    const events = eventsOf();
    if (events.length === 0) {
      return;
    }
    const entries = events.map((event) => ({
      eventId: event.eventId,
      eventType: event.eventType,
      resourceId: event.event.customer.id as string,
      payload: JSON.stringify(event),
      subscriptionIds: filters
        .filter((filter) => this.matches(filter.id, filter.query, event))
        .map((filter) => filter.id),
    }));
    if (entries.every((entry) => entry.subscriptionIds.length === 0)) {
      return;
    }
    await this.outbox.append(manager, entries, Date.now());
    const recipients = [...new Set(entries.flatMap((entry) => entry.subscriptionIds))];
    this.tx.afterCommit(manager, () =>
      this.emitter.emit(OutboxCommittedEvent.eventName, new OutboxCommittedEvent(recipients)),
    );
  }

  private matches(id: string, query: string | null, event: CustomerEventEnvelope): boolean {
    try {
      return this.queries.matches(query, event);
    } catch (err) {
      // Queries are validated at registration; one that no longer parses must not block writes.
      this.logger.error(
        `Subscription ${id} has a query that no longer parses; it receives nothing: ${(err as Error).message}`,
      );
      return false;
    }
  }
}
