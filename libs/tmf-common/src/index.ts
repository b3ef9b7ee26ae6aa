// The whole of @app/tmf-common, Nest-bound parts included. Nest-free code imports
// @app/tmf-common/core instead.
export * from './core';
export * from './errors/error-mapper';
export * from './errors/tmf-error.dto';
export * from './errors/tmf-exception.filter';
export * from './http/api-errors.decorator';
export * from './http/client-error';
export * from './http/etag';
export * from './http/json-body-parser';
export * from './http/json-text-check';
export * from './http/method-not-allowed';
export * from './http/paging-links';
export * from './http/query-parameters';
export * from './validation/attributes';
export * from './validation/decorators';
export * from './validation/document-schema';
export * from './validation/document-validator';
export * from './validation/extensible.dto';
export * from './validation/time-periods';
export * from './validation/validate-document';
