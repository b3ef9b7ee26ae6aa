export * from './compiler';
export * from './index-ddl';
export * from './index-encoding';
export * from './index-entries';
export * from './sqlite-regexp';
export * from './storage';
export * from './utf8';
