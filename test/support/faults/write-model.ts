/**
 * What a client knows after each write: the acknowledged state of every customer it owns, the
 * events that must reach subscribers, and the counts the closing report quotes. A write whose
 * answer was lost (connection cut by a crash or an outage) is "in doubt" until the client has
 * looked: applied (then its events are owed too) or not.
 */
export class WriteModel {
  /** id -> the acknowledged (or, after an in-doubt write, observed) document. */
  readonly live = new Map<string, Record<string, any>>();
  readonly deleted = new Set<string>();
  /** `eventType|id|statusReason` (statusReason is the write's unique tag; none for deletes). */
  readonly expectedEvents = new Set<string>();
  acknowledged = 0;
  inDoubt = 0;
  inDoubtApplied = 0;

  /** A write answered 201/200: `after` is the acknowledged document, `before` the previous one. */
  saved(after: Record<string, any>, before?: Record<string, any>): void {
    this.live.set(after.id, after);
    for (const key of eventsOf(after, before)) {
      this.expectedEvents.add(key);
    }
  }

  removed(id: string): void {
    const last = this.live.get(id);
    this.live.delete(id);
    this.deleted.add(id);
    if (last) {
      this.expectedEvents.add(`CustomerDeleteEvent|${id}|`);
    }
  }
}

/** The event keys a change from `before` (none: a create) to `after` must produce. */
export function eventsOf(after: Record<string, any>, before?: Record<string, any>): string[] {
  const tag = String(after.statusReason ?? '');
  if (!before) {
    return [`CustomerCreateEvent|${after.id}|${tag}`];
  }
  const keys = [`CustomerAttributeValueChangeEvent|${after.id}|${tag}`];
  if (before.status !== after.status) {
    keys.push(`CustomerStateChangeEvent|${after.id}|${tag}`);
  }
  return keys;
}

/** The key of an event a subscriber received (see WriteModel.expectedEvents). */
export function eventKey(body: any): string {
  const customer = body?.event?.customer ?? {};
  const reason = body?.eventType === 'CustomerDeleteEvent' ? '' : String(customer.statusReason);
  return `${body?.eventType}|${customer.id}|${reason}`;
}
