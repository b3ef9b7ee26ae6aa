import { v7 as uuidv7 } from 'uuid';

import { changedAttributes } from '@app/json-patch';
import { CUSTOMER_MANAGEMENT_V4, CUSTOMER_MANAGEMENT_V5, JsonObject } from '@app/tmf-common';
import { V5Extension, v5View } from '@app/tmf629-v5';
import type {
  CustomerCreatedEvent,
  CustomerDeletedEvent,
  CustomerUpdatedEvent,
} from '@server/customer/events';
import type { CustomerEventEnvelope, CustomerEventType } from '@server/hub/customer-event-envelope';

// The TMF629 v5 events a customer domain event becomes (docs/v5.md): the v5 `Event` envelope
// (`@type`, `eventId`, `eventTime`, `timeOccurred`, `eventType`) around the customer in its v5 shape,
// for changes made through either version. Built beside the v4 ones when some subscription exists.

/** The customer as v5 shows it, from the v4 resource of a domain event and its side bag. */
function v5Customer(resource: JsonObject, extension: V5Extension | undefined): JsonObject {
  const { id, href, ...document } = resource;
  return {
    id,
    href: (href as string).replace(
      `${CUSTOMER_MANAGEMENT_V4.customer}/`,
      `${CUSTOMER_MANAGEMENT_V5.customer}/`,
    ),
    ...v5View({ document, extension }),
  };
}

function envelope(
  eventType: CustomerEventType,
  customer: JsonObject,
  at: Date,
  extra: Partial<CustomerEventEnvelope> = {},
): CustomerEventEnvelope {
  const time = at.toISOString();
  return {
    '@type': eventType,
    eventId: uuidv7(),
    eventTime: time,
    timeOccurred: time,
    eventType,
    ...extra,
    event: { customer },
  };
}

export function v5CreateEvents(source: CustomerCreatedEvent): CustomerEventEnvelope[] {
  const customer = v5Customer(source.customer, source.extension);
  return [envelope('CustomerCreateEvent', customer, source.occurredAt)];
}

/** The delete event's customer is its identity only, as in the v5 file's example. */
export function v5DeleteEvents(source: CustomerDeletedEvent): CustomerEventEnvelope[] {
  const { id, href, '@type': type } = v5Customer(source.customer, source.extension);
  return [envelope('CustomerDeleteEvent', { id, href, '@type': type }, source.occurredAt)];
}

/**
 * As in v4, on the v5 view: a change of `status` is a CustomerStateChangeEvent, a change of other
 * attributes a CustomerAttributeValueChangeEvent naming them in `fieldPath`. A change v4 cannot see
 * (a `description`) is one for v5 subscribers only.
 */
export function v5UpdateEvents(source: CustomerUpdatedEvent): CustomerEventEnvelope[] {
  const before = v5Customer(source.before, source.extensionBefore);
  const after = v5Customer(source.customer, source.extension);
  const changed = changedAttributes(before, after);
  const events: CustomerEventEnvelope[] = [];
  if (changed.includes('status')) {
    events.push(envelope('CustomerStateChangeEvent', after, source.occurredAt));
  }
  const others = changed.filter((name) => name !== 'status');
  if (others.length > 0) {
    events.push(
      envelope('CustomerAttributeValueChangeEvent', after, source.occurredAt, {
        fieldPath: others.join(','),
      }),
    );
  }
  return events;
}
