import type { JsonObject } from '@app/tmf-common';

/** The four TMF629 v4 event types, named as their schema definitions. */
export const CUSTOMER_EVENT_TYPES = [
  'CustomerCreateEvent',
  'CustomerAttributeValueChangeEvent',
  'CustomerStateChangeEvent',
  'CustomerDeleteEvent',
] as const;
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];

/**
 * An event as POSTed to callbacks: TMF629 v4 `Customer*Event`, or v5 (`@type` set, `timeOccurred`,
 * the customer in its v5 shape; docs/v5.md).
 */
export interface CustomerEventEnvelope {
  /** v5 only: the event type (its presence tells a v5 event from a v4 one). */
  '@type'?: CustomerEventType;
  eventId: string;
  eventTime: string;
  eventType: CustomerEventType;
  /** v5 only: when the change happened (the same instant as `eventTime`). */
  timeOccurred?: string;
  /** The customer's id and href (every type but AttributeValueChange, whose schema lacks them). */
  id?: string;
  href?: string;
  /** AttributeValueChange only: the changed first-level attributes, comma-separated. */
  fieldPath?: string;
  event: { customer: JsonObject };
}

/** The TMF629 version whose shape an event has. */
export function eventVersion(event: { '@type'?: unknown }): 'v4' | 'v5' {
  return event['@type'] === undefined ? 'v4' : 'v5';
}
