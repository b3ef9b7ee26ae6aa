export * from './query-parser';
export * from './query.types';
export * from './query-shape';
