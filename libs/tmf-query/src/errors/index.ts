export * from './query.exception';
