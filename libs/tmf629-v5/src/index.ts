// TMF629 v5 beside v4 from one store (docs/v5.md): the mapping between the stored v4 document and
// the v5 representation, and the side bag of what only v5 can express. Framework-free.
export * from './mapping/characteristic.mapping';
export * from './mapping/contact-medium.mapping';
export * from './mapping/customer.mapping';
export * from './mapping/v5-types';
export * from './query/customer-v5.schema';
export * from './query/v5-query-translation';
export * from './store/element-matching';
export * from './store/merge-patch-diff';
export * from './store/stored-customer';
export * from './store/v5-extension';
export * from './spec/v5-spec';
