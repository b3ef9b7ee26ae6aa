import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';

/** A customer was deleted; `customer` is its last state. */
export class CustomerDeletedEvent {
  static readonly eventName = 'customer.deleted';

  constructor(
    readonly manager: EntityManager,
    readonly customer: JsonObject,
    readonly occurredAt: Date,
  ) {}
}
