import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { AppConfig } from '@server/config/app-config';

import { describeHttpEdge } from './http-edge.openapi';

/**
 * The OpenAPI document, generated from the controllers and DTOs at start-up, then completed with
 * what only the configuration knows; served at /docs (Swagger UI) and /docs-json.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
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
  describeHttpEdge(document, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    useGlobalPrefix: true,
  });
  return document;
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
