import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

import { CUSTOMER_MANAGEMENT_V5 } from '@app/tmf-common';
import { TMF629_V5_SPEC } from '@app/tmf629-v5';
import { AppConfig } from '@server/config/app-config';

// The TMF629 v5 OpenAPI document: operations generated from the v5 controllers' decorators, with the
// official file's schemas, request bodies, responses and examples (libs/tmf629-v5/spec), and what the
// HTTP edge adds (conditional requests, paging headers, the statuses every route may answer).

const ERROR = { $ref: '#/components/schemas/Error' };
const JSON_TYPE = 'application/json';
const INTEGER_HEADER = { schema: { type: 'integer', minimum: 0 } };
const ETag = {
  description: 'The version of this representation, a strong entity tag ("3"); shared with v4',
  schema: { type: 'string' },
};
const PAGING_HEADERS = {
  'X-Total-Count': { $ref: '#/components/headers/X-Total-Count' },
  'X-Result-Count': { $ref: '#/components/headers/X-Result-Count' },
  Link: {
    description:
      'RFC 8288 links to the first, prev, next and last pages (prev and next as keyset cursors)',
    schema: { type: 'string' },
  },
};
const METHODS = ['get', 'post', 'patch', 'delete'] as const;

/** True for a route of v5 (either root), with the deployment prefix in front. */
export function isV5Path(path: string, prefix: string): boolean {
  return [CUSTOMER_MANAGEMENT_V5.root, CUSTOMER_MANAGEMENT_V5.alias].some(
    (root) => path === `${prefix}${root}` || path.startsWith(`${prefix}${root}/`),
  );
}

/**
 * The v5 document from the generated v5 paths (both roots, with the prefix). Paths are relative to
 * the two `servers` (`/customer`, `/customer/{id}`, ...), as in the official file, so each
 * operationId appears once.
 */
export function v5Document(
  generated: Record<string, PathItemObject>,
  config: AppConfig,
): OpenAPIObject {
  const root = `${config.apiPathPrefix}${CUSTOMER_MANAGEMENT_V5.root}`;
  const paths: Record<string, PathItemObject> = {};
  for (const [path, item] of Object.entries(generated)) {
    if (path.startsWith(`${root}/`)) {
      const relative = path.slice(root.length);
      const copy = JSON.parse(JSON.stringify(item)) as PathItemObject;
      for (const method of METHODS) {
        const operation = copy[method];
        if (operation) {
          describeOperation(relative, method, operation, config);
        }
      }
      paths[relative] = copy;
    }
  }
  const spec = TMF629_V5_SPEC;
  const document: OpenAPIObject = {
    openapi: '3.0.1',
    info: {
      title: 'Customer Management',
      version: spec.info.version,
      description:
        'TMF629 Customer Management API v5.0.1, served beside v4 from one store (docs/v5.md): every customer in both versions. Schemas from the official file.',
    },
    servers: [
      { url: `${config.publicBaseUrl}${CUSTOMER_MANAGEMENT_V5.root}`, description: 'This server' },
      {
        url: `${config.publicBaseUrl}${CUSTOMER_MANAGEMENT_V5.alias}`,
        description: 'The same API at the root the official file names',
      },
    ],
    tags: spec.tags,
    paths,
    components: JSON.parse(JSON.stringify(spec.components)) as OpenAPIObject['components'],
  };
  if (config.auth.enabled) {
    document.components!.securitySchemes = {
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    };
  } else {
    delete document.components!.securitySchemes;
  }
  return document;
}

function describeOperation(
  path: string,
  method: string,
  operation: OperationObject,
  config: AppConfig,
): void {
  const responses = operation.responses;
  // The official operation's error responses (components/responses), then what this server adds.
  const official = Object.values(TMF629_V5_SPEC.paths[path] ?? {}).find(
    (o) => o.operationId === operation.operationId,
  ) as { responses?: Record<string, unknown> } | undefined;
  for (const [status, response] of Object.entries(official?.responses ?? {})) {
    if (/^[45]\d\d$/.test(status) && status !== '501') {
      responses[status] ??= response as ResponseObject;
    }
  }
  if (config.auth.enabled) {
    operation.security = [{ bearer: [] }];
  } else {
    delete operation.security;
    delete responses['401'];
    delete responses['403'];
  }
  responses['400'] ??= errorResponse('A bad request');
  if (path.includes('{id}')) {
    responses['404'] ??= errorResponse('Not Found');
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
  switch (`${method} ${path}`) {
    case 'get /customer':
      responses['200'] = { $ref: '#/components/responses/200CustomerArray' };
      responses['206'] = {
        description: 'A page holding only part of the matches',
        headers: PAGING_HEADERS,
        content: {
          [JSON_TYPE]: {
            schema: { type: 'array', items: { $ref: '#/components/schemas/Customer' } },
          },
        },
      };
      break;
    case 'post /customer':
      operation.requestBody = { $ref: '#/components/requestBodies/Customer_FVO' };
      responses['201'] = {
        description: 'OK/Created',
        headers: {
          Location: { description: 'The new customer', schema: { type: 'string', format: 'uri' } },
          ETag,
        },
        content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/Customer' } } },
      };
      break;
    case 'get /customer/{id}':
      addHeaderParameter(operation, 'If-None-Match', 'Entity tags; a match answers 304');
      responses['200'] = {
        description: 'Success (or the attributes `fields` selects)',
        headers: { ETag },
        content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/Customer' } } },
      };
      responses['304'] = { description: 'Not modified', headers: { ETag } };
      break;
    case 'patch /customer/{id}':
      operation.requestBody = { $ref: '#/components/requestBodies/Customer_MVO' };
      addHeaderParameter(operation, 'If-Match', 'Entity tag (or *) the customer must still have');
      responses['200'] = {
        description: 'Success',
        headers: { ETag },
        content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/Customer' } } },
      };
      responses['412'] = errorResponse('If-Match does not match', { ETag });
      break;
    case 'delete /customer/{id}':
      addHeaderParameter(operation, 'If-Match', 'Entity tag (or *) the customer must still have');
      responses['412'] = errorResponse('If-Match does not match', { ETag });
      break;
    default:
      break;
  }
  if (method === 'post' || method === 'patch') {
    responses['413'] ??= errorResponse('A body over BODY_LIMIT_BYTES');
    responses['415'] ??= errorResponse('A Content-Type the operation does not accept');
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

function errorResponse(description: string, headers?: Record<string, object>): ResponseObject {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [JSON_TYPE]: { schema: ERROR } },
  };
}
