import type { JsonObject } from '@app/tmf-common';

/** The four TMF629 v4 event types, named as their schema definitions. */
export const CUSTOMER_EVENT_TYPES = [
  'CustomerCreateEvent',
  'CustomerAttributeValueChangeEvent',
  'CustomerStateChangeEvent',
  'CustomerDeleteEvent',
] as const;
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];

/** An event as POSTed to callbacks (TMF629 v4 `Customer*Event`). */
export interface CustomerEventEnvelope {
  eventId: string;
  eventTime: string;
  eventType: CustomerEventType;
  /** The customer's id and href (every type but AttributeValueChange, whose schema lacks them). */
  id?: string;
  href?: string;
  /** AttributeValueChange only: the changed first-level attributes, comma-separated. */
  fieldPath?: string;
  event: { customer: JsonObject };
}
