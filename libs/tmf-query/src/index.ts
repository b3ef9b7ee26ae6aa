// Public API of the TMF630 query language (see libs/tmf-query/README.md).
export * from './cursor';
export * from './errors';
export * from './memory';
export * from './parser';
export * from './plan';
export * from './projection';
export * from './regex';
export * from './schema';
export * from './sql';
export * from './values';
