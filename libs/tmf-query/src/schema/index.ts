export * from './define-schema';
export * from './event.schema';
export * from './schema.types';
