import { Injectable } from '@nestjs/common';

import { matches, ParsedQuery, parseQuery, project } from '@app/tmf-query';

import {
  CUSTOMER_EVENT_TYPES,
  CustomerEventEnvelope,
  eventVersion,
} from '@server/hub/customer-event-envelope';
import { customerEventV5QuerySchema } from '@server/hub/customer-event-v5.schema';
import { customerEventQuerySchema } from '@server/hub/customer-event.schema';
import { HubException } from '@server/hub/hub.exception';

import type { ApiVersion, SubscriptionFilter } from './subscription.repository';

const CACHE_SIZE = 1000;
// A projected event always keeps what a subscriber needs to identify and de-duplicate it.
const ALWAYS_SELECTED = ['eventId', 'eventTime', 'eventType', 'id', 'href', 'fieldPath', '@type'];
const SCHEMAS = { v4: customerEventQuerySchema, v5: customerEventV5QuerySchema };

/**
 * Subscription queries: TMF630 filters over the event envelope (`eventType=...`,
 * `event.customer.<attribute>...`), parsed with @app/tmf-query once per distinct query text and
 * evaluated in memory against each event. `fields=` projects the delivered event. A subscription
 * receives the events of its own TMF629 version only, and its query names that version's paths.
 */
@Injectable()
export class SubscriptionQueries {
  private readonly cache = new Map<string, ParsedQuery>();

  /** Parses a query; throws a 400 (QueryException or HubException) naming the problem. */
  parse(raw: string | null, version: ApiVersion = 'v4'): ParsedQuery {
    const text = raw ?? '';
    const key = `${version}:${text}`;
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    const parsed = parseQuery(text, SCHEMAS[version], { maxConditions: 64 });
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
    this.cache.set(key, parsed);
    return parsed;
  }

  matches(subscription: Omit<SubscriptionFilter, 'id'>, event: CustomerEventEnvelope): boolean {
    return (
      eventVersion(event) === subscription.version &&
      matches(this.parse(subscription.query, subscription.version), event)
    );
  }

  /** The JSON text to deliver: the stored text, or its projection when the query has `fields=`. */
  body(raw: string | null, payload: string): string {
    if (raw === null || !raw.includes('fields')) {
      return payload;
    }
    const event = JSON.parse(payload) as CustomerEventEnvelope;
    const fields = this.parse(raw, eventVersion(event)).fields;
    if (fields === undefined) {
      return payload;
    }
    return JSON.stringify(project(event, fields, ALWAYS_SELECTED));
  }
}
