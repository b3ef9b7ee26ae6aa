import { defineQuerySchema } from './define-schema';
import { QuerySchema, SchemaObject } from './schema.types';

/**
 * Builds the descriptor of a TMF event envelope whose payload carries one resource, so that hub
 * subscription queries such as `eventType=ThingCreateEvent&event.thing.status=approved` can be
 * checked and evaluated. Envelope attributes (TMF API v4 events): `eventId`, `eventTime`, `eventType`,
 * `correlationId`, `domain`, `title`, `description`, `priority`, `timeOcurred` (sic), `fieldPath`, `id`,
 * `href`, `@type`, plus `event.<resourceKey>.<resource path>`.
 *
 * @param resourceKey the payload key, e.g. `thing`
 * @param resource the resource's schema tree
 */
export function defineEventQuerySchema(
  name: string,
  resourceKey: string,
  resource: SchemaObject,
): QuerySchema {
  return defineQuerySchema(name, {
    eventId: 'string',
    eventTime: 'date-time',
    eventType: 'string',
    correlationId: 'string',
    domain: 'string',
    title: 'string',
    description: 'string',
    priority: 'string',
    timeOcurred: 'date-time',
    fieldPath: 'string',
    id: 'string',
    href: 'string',
    '@type': 'string',
    event: { [resourceKey]: resource },
  });
}
