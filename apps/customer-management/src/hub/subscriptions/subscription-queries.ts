import { Injectable } from '@nestjs/common';

import { matches, ParsedQuery, parseQuery, project } from '@app/tmf-query';

import { CUSTOMER_EVENT_TYPES, CustomerEventEnvelope } from '@server/hub/customer-event-envelope';
import { customerEventQuerySchema } from '@server/hub/customer-event.schema';
import { HubException } from '@server/hub/hub.exception';

const CACHE_SIZE = 1000;
// A projected event always keeps what a subscriber needs to identify and de-duplicate it.
const ALWAYS_SELECTED = ['eventId', 'eventTime', 'eventType', 'id', 'href', 'fieldPath'];

/**
 * Subscription queries: TMF630 filters over the event envelope (`eventType=...`,
 * `event.customer.<attribute>...`), parsed with @app/tmf-query once per distinct query text and
 * evaluated in memory against each event. `fields=` projects the delivered event.
 */
@Injectable()
export class SubscriptionQueries {
  private readonly cache = new Map<string, ParsedQuery>();

  /** Parses a query; throws a 400 (QueryException or HubException) naming the problem. */
  parse(raw: string | null): ParsedQuery {
    const text = raw ?? '';
    const cached = this.cache.get(text);
    if (cached) {
      return cached;
    }
    const parsed = parseQuery(text, customerEventQuerySchema, { maxConditions: 64 });
    for (const clause of parsed.clauses) {
      for (const condition of clause.conditions) {
        const value = condition.value.text;
        if (
          condition.attribute.path === 'eventType' &&
          (condition.op === 'eq' || condition.op === 'ne') &&
          !(CUSTOMER_EVENT_TYPES as readonly string[]).includes(value)
        ) {
          throw HubException.invalidSubscription(
            `Unknown eventType '${value}' in query; this API emits ${CUSTOMER_EVENT_TYPES.join(', ')}`,
          );
        }
      }
    }
    if (this.cache.size >= CACHE_SIZE) {
      this.cache.clear();
    }
    this.cache.set(text, parsed);
    return parsed;
  }

  matches(raw: string | null, event: CustomerEventEnvelope): boolean {
    return matches(this.parse(raw), event);
  }

  /** The JSON text to deliver: the stored text, or its projection when the query has `fields=`. */
  body(raw: string | null, payload: string): string {
    const fields = this.parse(raw).fields;
    if (fields === undefined) {
      return payload;
    }
    return JSON.stringify(project(JSON.parse(payload), fields, ALWAYS_SELECTED));
  }
}
