import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { AppException, ErrorKind } from '@app/tmf-common/core';

/** The parts of an OpenAPI 3 document this reads (the one `/docs-json` serves). */
export interface OpenApiLike {
  paths: Record<string, object>;
}

interface ParameterLike {
  name: string;
  in: string;
  schema?: Record<string, unknown>;
}

/** What one operation accepts in its query string, as its OpenAPI description declares. */
interface OperationQuery {
  /** Declared names with their JSON Schema (each scalar: given at most once). */
  readonly declared: ReadonlyMap<string, Record<string, unknown>>;
  /** A `style: form` object parameter (TMF630 attribute filters): other names are free-form. */
  readonly freeForm: boolean;
  readonly validate: ValidateFunction;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

export enum QueryParameterErrorCode {
  Repeated = 'QUERY_PARAMETER_REPEATED',
  Unknown = 'QUERY_PARAMETER_UNKNOWN',
  Invalid = 'QUERY_PARAMETER_INVALID',
}

/**
 * The query parameters of every route, taken from the OpenAPI document the server generates at
 * start-up: what a route documents is what it accepts. A declared parameter is given at most once and
 * must match its schema (type, bounds, length); a name the operation does not declare is refused
 * unless the operation declares free-form attribute filters. So no controller ever sees an array where
 * it expects a string, and the document cannot promise a parameter the server ignores.
 */
export class QueryParameterRules {
  private readonly operations = new Map<string, OperationQuery>();

  constructor(document: OpenApiLike) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const [path, item] of Object.entries(document.paths)) {
      // `{id}` in OpenAPI is `:id` in the Fastify route table.
      const route = path.replace(/\{([^}]+)\}/g, ':$1');
      for (const method of METHODS) {
        const operation = (item as Record<string, unknown>)[method] as
          { parameters?: ParameterLike[] } | undefined;
        if (operation) {
          this.operations.set(
            `${method.toUpperCase()} ${route}`,
            compile(ajv, operation.parameters ?? []),
          );
        }
      }
    }
  }

  /** @throws AppException (400) for a repeated, unknown or invalid parameter */
  check(method: string, route: string, query: unknown): void {
    const rules = this.operations.get(`${method === 'HEAD' ? 'GET' : method} ${route}`);
    if (!rules) {
      return; // not in the document (probes, metrics, /docs): they read no parameters
    }
    const given = (query ?? {}) as Record<string, string | string[]>;
    const typed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(given)) {
      const schema = rules.declared.get(name);
      if (!schema) {
        if (!rules.freeForm) {
          throw invalid(
            QueryParameterErrorCode.Unknown,
            `Unknown query parameter '${name}'; this operation takes ${describe(rules.declared)}`,
          );
        }
        continue;
      }
      if (Array.isArray(value)) {
        throw invalid(
          QueryParameterErrorCode.Repeated,
          `Query parameter '${name}' is given ${value.length} times; give it once`,
        );
      }
      typed[name] = fromText(schema, value);
    }
    if (!rules.validate(typed)) {
      throw invalid(QueryParameterErrorCode.Invalid, messageOf(rules.validate.errors ?? [], given));
    }
  }
}

const RULES = Symbol('queryParameterRules');

/** Makes `rules` the query-parameter rules of the routes of `fastify` (QueryParametersGuard reads them). */
export function useQueryParameterRules(fastify: FastifyInstance, rules: QueryParameterRules): void {
  fastify.decorate(RULES, rules);
}

/**
 * Checks the query string against the rules of the app serving the request. A guard rather than an
 * interceptor: one global interceptor puts every request through Nest's interceptor chain (rxjs
 * observables, two AsyncResource.bind), about 90 µs of CPU per GET by id; a guard costs a call. It
 * must run after every access guard (an anonymous caller learns nothing), so it goes last in each
 * route's own guard list (see `guardQueryParametersLast` in the app); it holds no state, so all apps in a process share it.
 */
@Injectable()
export class QueryParametersGuard implements CanActivate {
  static readonly instance = new QueryParametersGuard();

  canActivate(context: ExecutionContext): boolean {
    checkQueryParameters(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}

/**
 * The query check of the route serving `request`, by the rules of its app (`useQueryParameterRules`):
 * what QueryParametersGuard runs, and routes served without Nest's guards call directly.
 * @throws AppException (400) for a repeated, unknown or invalid parameter
 */
export function checkQueryParameters(request: FastifyRequest): void {
  const route = request.routeOptions?.url;
  const rules = (request.server as unknown as Record<symbol, QueryParameterRules | undefined>)[
    RULES
  ];
  if (route !== undefined && rules) {
    rules.check(request.method, route, request.query);
  }
}

function compile(ajv: Ajv, parameters: ParameterLike[]): OperationQuery {
  const declared = new Map<string, Record<string, unknown>>();
  let freeForm = false;
  for (const parameter of parameters) {
    if (parameter.in !== 'query') {
      continue;
    }
    const schema = parameter.schema ?? { type: 'string' };
    if (schema.type === 'object') {
      freeForm = true;
    } else {
      declared.set(parameter.name, schema);
    }
  }
  const validate = ajv.compile({
    type: 'object',
    properties: Object.fromEntries(declared),
  });
  return { declared, freeForm, validate };
}

// Query values arrive as text: integers and booleans are read strictly (no `''` → 0, no `1.5` → 1);
// anything else stays text and fails the schema's type check with its own value in the message.
function fromText(schema: Record<string, unknown>, value: string): unknown {
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d{1,15}$/.test(value)) {
    return Number(value);
  }
  if (schema.type === 'boolean' && (value === 'true' || value === 'false')) {
    return value === 'true';
  }
  return value;
}

function describe(declared: ReadonlyMap<string, unknown>): string {
  const names = [...declared.keys()];
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

function messageOf(errors: ErrorObject[], given: Record<string, string | string[]>): string {
  return errors
    .map((error) => {
      const name = error.instancePath.slice(1);
      const value = JSON.stringify(given[name]);
      switch (error.keyword) {
        case 'type':
          return `Query parameter '${name}' must be ${article(String(error.params.type))}, got ${value}`;
        case 'minimum':
        case 'maximum':
          return `Query parameter '${name}' must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(error.params.limit)}, got ${value}`;
        default:
          return `Query parameter '${name}' ${error.message ?? 'is invalid'}, got ${value}`;
      }
    })
    .join('; ');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function invalid(code: QueryParameterErrorCode, message: string): AppException {
  return new AppException(ErrorKind.BadRequest, code, message);
}
