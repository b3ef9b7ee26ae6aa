/**
 * Deliveries were queued and committed (a customer change, a redrive): wakes the dispatcher, which
 * also polls, so a lost wake-up only delays delivery. In-process only.
 */
export class OutboxCommittedEvent {
  static readonly eventName = 'hub.outbox.committed';

  constructor(
    /** The subscriptions with new deliveries; undefined: look at every subscription. */
    readonly subscriptionIds?: readonly string[],
  ) {}
}
