import type { EntityManager } from 'typeorm';

import type { JsonObject } from '@app/tmf-common';
import type { V5Extension } from '@app/tmf629-v5';

/** A customer changed; `changedAttributes` names the first-level attributes whose value differs. */
export class CustomerUpdatedEvent {
  static readonly eventName = 'customer.updated';

  constructor(
    readonly manager: EntityManager,
    readonly before: JsonObject,
    readonly customer: JsonObject,
    readonly changedAttributes: string[],
    readonly occurredAt: Date,
    /** The v5 side bag before and after the change (docs/v5.md), for v5 event shapes. */
    readonly extensionBefore?: V5Extension,
    readonly extension?: V5Extension,
  ) {}
}
