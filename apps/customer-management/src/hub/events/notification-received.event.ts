import type { CustomerEventType } from '@server/hub/customer-event-envelope';

/**
 * A client-side listener endpoint (`/listener/*`) accepted an event another instance sent, validated
 * against its schema. Published in-process for whatever consumes them.
 */
export class NotificationReceivedEvent {
  static readonly eventName = 'hub.notification.received';

  constructor(
    readonly eventType: CustomerEventType,
    readonly event: Record<string, unknown>,
    /** The TMF629 version of the event's shape. */
    readonly version: 'v4' | 'v5' = 'v4',
  ) {}
}
