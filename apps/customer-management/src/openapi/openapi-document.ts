import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { AppConfig } from '@server/config/app-config';

import { describeHttpEdge } from './http-edge.openapi';
import { isV5Path, v5Document } from './v5-document';

/** The two documents: v4 (at /docs-json) and v5 (at /docs/v5-json), and every route's parameters. */
export interface OpenApiDocuments {
  v4: OpenAPIObject;
  v5: OpenAPIObject;
  /** Every generated path with its full route (both v5 roots), for QueryParameterRules. */
  routes: OpenAPIObject['paths'];
}

/**
 * The OpenAPI documents, generated from the controllers and DTOs at start-up, then completed with
 * what only the configuration knows: v4 at /docs-json, v5 at /docs/v5-json (docs/v5.md); Swagger UI
 * at /docs shows both (a selector), /docs/v5 the v5 one alone.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): OpenApiDocuments {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Customer Management')
      .setDescription(
        'TMF629 Customer Management API v4 (TM Forum Open API), with TMF630 query and patch',
      )
      .setVersion('4.0.0')
      .addTag('customer')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addTag('events subscription')
      .addTag('notification listeners (client side)')
      .addTag('hub administration')
      .build(),
  );
  applyConfiguredLimits(document, config);
  const routes = document.paths;
  const v5Paths = Object.fromEntries(
    Object.entries(routes).filter(([path]) => isV5Path(path, config.apiPathPrefix)),
  );
  document.paths = Object.fromEntries(
    Object.entries(routes).filter(([path]) => !isV5Path(path, config.apiPathPrefix)),
  );
  describeHttpEdge(document, config);
  const v5 = v5Document(v5Paths, config);
  SwaggerModule.setup('docs/v5', app, v5, {
    jsonDocumentUrl: 'docs/v5-json',
    useGlobalPrefix: true,
  });
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    useGlobalPrefix: true,
    explorer: true,
    swaggerOptions: {
      urls: [
        { url: `${config.apiPathPrefix}/docs-json`, name: 'TMF629 v4' },
        { url: `${config.apiPathPrefix}/docs/v5-json`, name: 'TMF629 v5' },
      ],
    },
  });
  return { v4: document, v5, routes };
}

/** `limit` of the customer list: its maximum is LIST_MAX_LIMIT. */
function applyConfiguredLimits(document: OpenAPIObject, config: AppConfig): void {
  for (const item of Object.values(document.paths)) {
    const limit = item.get?.operationId === 'listCustomer' ? item.get.parameters : undefined;
    for (const parameter of limit ?? []) {
      if ('name' in parameter && parameter.name === 'limit' && parameter.schema) {
        Object.assign(parameter.schema, { maximum: config.listMaxLimit });
      }
    }
  }
}
