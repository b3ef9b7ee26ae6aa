export * from './filter-plan';
