import { isDateTime, isJsonObject } from '@app/tmf-common';

// What a TMF629 v5 event must hold to be accepted by a v5 listener endpoint (`Customer*Event`:
// `Event` + `event.customer`). The customer inside is a whole one for a create, only the changed
// attributes for the change events and `{id, href, @type}` for a delete (the file's own examples), so
// only its identity is checked.

/** The violations of `body` as the `eventType` v5 event (empty: accepted). */
export function v5EventViolations(eventType: string, body: unknown): string[] {
  if (!isJsonObject(body)) {
    return ['the body must be a JSON object'];
  }
  const out: string[] = [];
  if (body['@type'] !== eventType) {
    out.push(`@type must be ${eventType}`);
  }
  if (body.eventType !== undefined && body.eventType !== eventType) {
    out.push(`eventType must be ${eventType}`);
  }
  for (const key of ['eventId', 'id', 'href', 'correlationId', 'domain', 'title', 'priority']) {
    if (body[key] !== undefined && typeof body[key] !== 'string') {
      out.push(`${key} must be a string`);
    }
  }
  for (const key of ['eventTime', 'timeOccurred']) {
    if (body[key] !== undefined && !isDateTime(body[key])) {
      out.push(`${key} must be an ISO 8601 date-time`);
    }
  }
  const customer = isJsonObject(body.event) ? body.event.customer : undefined;
  if (!isJsonObject(customer)) {
    out.push('event.customer is required (an object)');
  } else {
    for (const key of ['@type', 'id']) {
      if (typeof customer[key] !== 'string' || customer[key] === '') {
        out.push(`event.customer.${key} is required (a string)`);
      }
    }
  }
  return out;
}
