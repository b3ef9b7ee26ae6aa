import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';
import type { V5Extension } from '@app/tmf629-v5';

/** A customer was deleted; `customer` is its last state. */
export class CustomerDeletedEvent {
  static readonly eventName = 'customer.deleted';

  constructor(
    readonly manager: EntityManager,
    readonly customer: JsonObject,
    readonly occurredAt: Date,
    /** The v5 side bag it had (docs/v5.md). */
    readonly extension?: V5Extension,
  ) {}
}
