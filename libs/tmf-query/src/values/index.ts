export * from './compare';
export * from './instant';
export * from './stored-value';
