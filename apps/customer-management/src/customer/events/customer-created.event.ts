import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';
import type { V5Extension } from '@app/tmf629-v5';

/**
 * A customer was created. Emitted inside the write transaction: listeners that persist something
 * (the hub's outbox) must use `manager`, so their rows commit or roll back with the change.
 */
export class CustomerCreatedEvent {
  static readonly eventName = 'customer.created';

  constructor(
    readonly manager: EntityManager,
    readonly customer: JsonObject,
    readonly occurredAt: Date,
    /** The v5 side bag stored with it (docs/v5.md), for v5 event shapes. */
    readonly extension?: V5Extension,
  ) {}
}
