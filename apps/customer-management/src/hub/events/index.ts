// The hub's in-process events, classes that own their name like the customer's domain events.
export * from './notification-received.event';
export * from './outbox-committed.event';
export * from './outbox-written.event';
