export * from './query-parser';
export * from './query.types';
