import { v7 as uuidv7 } from 'uuid';

import type { JsonObject } from '@app/tmf-common';
import type {
  CustomerCreatedEvent,
  CustomerDeletedEvent,
  CustomerUpdatedEvent,
} from '@server/customer/events';
import type { CustomerEventEnvelope, CustomerEventType } from '@server/hub/customer-event-envelope';

// The TMF events a customer domain event becomes, built when some subscription exists.

function envelope(
  eventType: CustomerEventType,
  customer: JsonObject,
  at: Date,
  extra: Partial<CustomerEventEnvelope> = {},
): CustomerEventEnvelope {
  const withResource =
    eventType === 'CustomerAttributeValueChangeEvent'
      ? {}
      : { id: customer.id as string, href: customer.href as string };
  return {
    eventId: uuidv7(), // time-ordered: hub_event rows append
    eventTime: at.toISOString(),
    eventType,
    ...withResource,
    ...extra,
    event: { customer },
  };
}

export function createEvents(source: CustomerCreatedEvent): CustomerEventEnvelope[] {
  return [envelope('CustomerCreateEvent', source.customer, source.occurredAt)];
}

export function deleteEvents(source: CustomerDeletedEvent): CustomerEventEnvelope[] {
  return [envelope('CustomerDeleteEvent', source.customer, source.occurredAt)];
}

/**
 * A change of `status` is a CustomerStateChangeEvent; a change of any other attribute is a
 * CustomerAttributeValueChangeEvent whose `fieldPath` lists them (`name,contactMedium`). A patch
 * that does both emits both, state first; a patch that changes nothing emits nothing.
 */
export function updateEvents(source: CustomerUpdatedEvent): CustomerEventEnvelope[] {
  const events: CustomerEventEnvelope[] = [];
  const changed = source.changedAttributes;
  if (changed.includes('status')) {
    events.push(envelope('CustomerStateChangeEvent', source.customer, source.occurredAt));
  }
  const others = changed.filter((name) => name !== 'status');
  if (others.length > 0) {
    events.push(
      envelope('CustomerAttributeValueChangeEvent', source.customer, source.occurredAt, {
        fieldPath: others.join(','),
      }),
    );
  }
  return events;
}
