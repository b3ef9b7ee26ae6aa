import type { CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import type { SubscriptionFilter } from '@server/hub/subscriptions/subscription.repository';

/** A committed change as the outbox holds it: its position and its events. */
export interface OutboxChange {
  id: number;
  events: CustomerEventEnvelope[];
}

/** An event and the subscriptions it goes to (only events with at least one). */
export interface PlannedEvent {
  event: CustomerEventEnvelope;
  subscriptionIds: string[];
}

/**
 * The recipients of each event of each change: the subscriptions positioned before the change in the
 * outbox sequence (`afterOutboxId < change.id`, i.e. created before the change committed; see ADR
 * 0010) whose query matches the event. Pure: the fan-out and the NATS relay share it.
 */
export function planFanOut(
  changes: readonly OutboxChange[],
  subscriptions: readonly SubscriptionFilter[],
  matches: (subscription: SubscriptionFilter, event: CustomerEventEnvelope) => boolean,
): PlannedEvent[] {
  const planned: PlannedEvent[] = [];
  for (const change of changes) {
    const existing = subscriptions.filter((s) => s.afterOutboxId < change.id);
    for (const event of change.events) {
      const subscriptionIds = existing.filter((s) => matches(s, event)).map((s) => s.id);
      if (subscriptionIds.length > 0) {
        planned.push({ event, subscriptionIds });
      }
    }
  }
  return planned;
}
