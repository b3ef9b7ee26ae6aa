/**
 * A change's outbox row committed: wakes the fan-out (db transport) or the relay (nats), which also
 * poll, so a lost wake-up only delays the events. In-process only.
 */
export class OutboxWrittenEvent {
  static readonly eventName = 'hub.outbox.written';
}
