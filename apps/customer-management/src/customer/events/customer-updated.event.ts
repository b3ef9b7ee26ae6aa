import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';

/** A customer changed; `changedAttributes` names the first-level attributes whose value differs. */
export class CustomerUpdatedEvent {
  static readonly eventName = 'customer.updated';

  constructor(
    readonly manager: EntityManager,
    readonly before: JsonObject,
    readonly customer: JsonObject,
    readonly changedAttributes: string[],
    readonly occurredAt: Date,
  ) {}
}
