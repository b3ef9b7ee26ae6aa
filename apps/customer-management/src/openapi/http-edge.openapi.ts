import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

import { PATCH_MEDIA_TYPES } from '@app/json-patch';
import { AppConfig } from '@server/config/app-config';

import { REQUEST_EXAMPLES } from './request-examples';

const ERROR = { $ref: '#/components/schemas/Error' };
// What a read or list returns: `fields` may select any attributes, so only the identity is certain.
const SELECTION = { $ref: '#/components/schemas/Customer_Selection' };
const JSON_UTF8 = 'application/json';

const INTEGER_HEADER = { schema: { type: 'integer', minimum: 0 } };
const ETag = {
  description: 'The version of this representation, a strong entity tag ("3")',
  schema: { type: 'string', pattern: '^"\\d+(-[0-9a-f]+)?"$' },
};
const PAGING_HEADERS = {
  'X-Total-Count': { description: 'Matches in all pages', ...INTEGER_HEADER },
  'X-Result-Count': { description: 'Items in this page', ...INTEGER_HEADER },
  Link: {
    description: 'RFC 8288 links to the first, prev, next and last pages (when there are several)',
    schema: { type: 'string' },
  },
};

/** One JSON Patch (RFC 6902) operation; JSON Patch Query paths may hold TMF630 filters. */
const JSON_PATCH = {
  type: 'array',
  items: {
    type: 'object',
    required: ['op', 'path'],
    properties: {
      op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
      path: { type: 'string' },
      from: { type: 'string' },
      value: {},
    },
  },
};

/**
 * What the HTTP edge does that the controllers' decorators cannot say: the PATCH formats, 206, 304,
 * 412 and conditional headers, entity tags and paging headers, the status codes every route may
 * answer (414, 429, 503), security only where it is enforced, where the server is, and an example
 * for every request body. Applied to the generated document at start-up, with the configuration.
 */
export function describeHttpEdge(document: OpenAPIObject, config: AppConfig): void {
  addSelectionSchemas(document.components?.schemas ?? {}, 'Customer');
  document.servers = [{ url: config.publicBaseUrl, description: 'This server (PUBLIC_BASE_URL)' }];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) {
        continue;
      }
      describeOperation(path, method, operation, config);
    }
  }
  if (!config.auth.enabled && config.hub.adminToken === undefined) {
    delete document.components?.securitySchemes;
  }
}

function describeOperation(
  path: string,
  method: string,
  operation: OperationObject,
  config: AppConfig,
): void {
  const responses = operation.responses;
  const admin = path.includes('/hub-admin/');
  // Bearer tokens are checked only with AUTH_ENABLED (all but the API root), or on /hub-admin with
  // HUB_ADMIN_TOKEN; elsewhere a document that asks for one would be a lie.
  if (config.auth.enabled && operation.operationId !== 'retrieveApiRoot') {
    operation.security = [{ bearer: [] }];
  } else if (admin && config.hub.adminToken !== undefined) {
    operation.security = [{ bearer: [] }];
  } else {
    delete operation.security;
    delete responses['401'];
    delete responses['403'];
  }
  // Any operation refuses a query parameter it does not declare (QueryParameterRules).
  responses['400'] ??= errorResponse(
    'A bad request (an undeclared or repeated query parameter, ...)',
  );
  if (path.includes('{id}')) {
    responses['414'] = errorResponse('A path segment over 100 characters');
  }
  if (config.http.rateLimitPerMinute > 0) {
    responses['429'] = errorResponse('Over RATE_LIMIT_PER_MINUTE', {
      'Retry-After': { description: 'Seconds to wait', ...INTEGER_HEADER },
    });
  }
  responses['503'] = errorResponse(
    'The database is unreachable, or the server is draining on shutdown',
  );
  switch (operation.operationId ?? '') {
    case 'createCustomer':
      withHeaders(responses['201'], {
        Location: { description: 'The new customer', schema: { type: 'string', format: 'uri' } },
        ETag,
      });
      break;
    case 'listCustomer':
      responses['200'] = {
        description: 'Every match, in one page',
        headers: PAGING_HEADERS,
        content: { [JSON_UTF8]: { schema: { type: 'array', items: SELECTION } } },
      };
      responses['206'] = {
        description: 'A page holding only part of the matches',
        headers: PAGING_HEADERS,
        content: { [JSON_UTF8]: { schema: { type: 'array', items: SELECTION } } },
      };
      responses['501'] = errorResponse('filter= (TMF630 Part 6 JSONPath) is not implemented');
      break;
    case 'retrieveCustomer':
      addHeaderParameter(operation, 'If-None-Match', 'Entity tags; a match answers 304');
      responses['200'] = {
        description: 'The customer (or the attributes `fields` selects)',
        content: { [JSON_UTF8]: { schema: SELECTION } },
      };
      withHeaders(responses['200'], {
        ETag,
        'Accept-Patch': {
          description: 'The PATCH formats',
          schema: { type: 'string', example: PATCH_MEDIA_TYPES.join(', ') },
        },
      });
      responses['304'] = { description: 'Not modified', headers: { ETag } };
      break;
    case 'patchCustomer':
      describePatchBody(operation);
      addHeaderParameter(operation, 'If-Match', 'Entity tag (or *) the customer must still have');
      withHeaders(responses['200'], { ETag });
      responses['412'] = errorResponse('If-Match does not match', { ETag });
      break;
    case 'deleteCustomer':
      addHeaderParameter(operation, 'If-Match', 'Entity tag (or *) the customer must still have');
      responses['412'] = errorResponse('If-Match does not match', { ETag });
      break;
    case 'registerListener':
      withHeaders(responses['201'], {
        Location: { description: 'The new listener', schema: { type: 'string', format: 'uri' } },
      });
      break;
    default:
      break;
  }
  if (method !== 'get' && method !== 'delete') {
    responses['413'] ??= errorResponse('A body over BODY_LIMIT_BYTES');
    responses['415'] ??= errorResponse('A Content-Type the operation does not accept');
  }
  addExamples(operation);
}

function describePatchBody(operation: OperationObject): void {
  const body = operation.requestBody as { content: Record<string, unknown> } | undefined;
  const merge = body?.content['application/json'] as { schema: unknown } | undefined;
  if (!body || !merge) {
    return;
  }
  body.content = {
    'application/merge-patch+json': { schema: merge.schema },
    'application/json': { schema: merge.schema },
    'application/json-patch+json': { schema: JSON_PATCH },
    'application/json-patch-query+json': { schema: JSON_PATCH },
  };
}

function addExamples(operation: OperationObject): void {
  const content = (operation.requestBody as { content?: Record<string, { example?: unknown }> })
    ?.content;
  for (const [type, media] of Object.entries(content ?? {})) {
    const example = REQUEST_EXAMPLES[`${operation.operationId} ${type}`];
    if (example === undefined) {
      throw new Error(
        `No request example for ${operation.operationId} ${type} (request-examples.ts)`,
      );
    }
    media.example = example;
  }
}

function addHeaderParameter(operation: OperationObject, name: string, description: string): void {
  const parameter: ParameterObject = {
    name,
    in: 'header',
    required: false,
    description,
    schema: { type: 'string' },
  };
  operation.parameters = [...(operation.parameters ?? []), parameter];
}

function withHeaders(
  response: OperationObject['responses'][string] | undefined,
  headers: Record<string, object>,
): void {
  if (response && !('$ref' in response)) {
    response.headers = { ...(response.headers ?? {}), ...headers };
  }
}

function errorResponse(description: string, headers?: Record<string, object>): ResponseObject {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [JSON_UTF8]: { schema: ERROR } },
  };
}

/**
 * `<Name>_Selection` for a schema and every schema it references: the same attributes, none
 * required (`fields` may leave any out, at any depth) but the identity a projection always keeps.
 */
function addSelectionSchemas(schemas: Record<string, unknown>, name: string): void {
  const selection = `${name}_Selection`;
  if (schemas[selection] !== undefined || schemas[name] === undefined) {
    return;
  }
  schemas[selection] = {}; // placeholder for recursive references
  const copy = JSON.parse(JSON.stringify(schemas[name]), (key, value: unknown) => {
    if (key === '$ref' && typeof value === 'string') {
      const target = value.replace('#/components/schemas/', '');
      addSelectionSchemas(schemas, target);
      return `#/components/schemas/${target}_Selection`;
    }
    return value;
  }) as Record<string, unknown>;
  delete copy.required;
  schemas[selection] =
    name === 'Customer'
      ? {
          ...copy,
          required: ['id', 'href', '@type'],
          description:
            'A Customer as a read or a list returns it: whole, or with only the attributes `fields` selects (id, href and @type always)',
        }
      : copy;
}
