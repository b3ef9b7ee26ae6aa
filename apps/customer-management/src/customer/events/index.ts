export * from './customer-created.event';
export * from './customer-deleted.event';
export * from './customer-updated.event';
