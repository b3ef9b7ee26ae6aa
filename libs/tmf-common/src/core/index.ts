// The framework-free entry of @app/tmf-common: error codes and kinds, the TMF Error body, JSON and
// date-time helpers, the TMF629 API paths. No Nest, Fastify or class-validator behind it
// (lint-enforced), so the Nest-free libraries (json-patch, tmf-query) import this and nothing else
// of tmf-common.
export * from './api-paths';
export * from './app.exception';
export * from './date-time';
export * from './error-kind';
export * from './json';
export * from './media-type';
export * from './tmf-error';
