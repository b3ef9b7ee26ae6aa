import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import {
  MethodNotAllowedResolver,
  registerJsonBodyParser,
  TmfExceptionFilter,
} from '@app/tmf-common';

import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';

/**
 * Builds the application exactly as production runs it; main.ts and the e2e tests both use this,
 * so the tests exercise the real pipeline (parsers, limits, filters, routes).
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    // Request ids, timeouts and logging are configured with the ops work; keep Fastify's logger off.
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    bufferLogs: false,
    logger: nestLogLevels(config.logLevel),
  });
  configureApp(app);
  await app.init();
  return app;
}

export function configureApp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(fastify);
  const methods = new MethodNotAllowedResolver();
  methods.attach(fastify);
  app.useGlobalFilters(new TmfExceptionFilter(methods));
  app.enableShutdownHooks();
  setupOpenApi(app);
}

function setupOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Customer Management')
      .setDescription(
        'TMF629 Customer Management API v4 (TM Forum Open API), with TMF630 query and patch',
      )
      .setVersion('4.0.0')
      .addTag('customer')
      .addTag('events subscription')
      .addTag('notification listeners (client side)')
      .addTag('hub administration')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

function nestLogLevels(
  level: AppConfig['logLevel'],
): Array<'error' | 'warn' | 'log' | 'debug' | 'verbose'> | false {
  switch (level) {
    case 'silent':
      return false;
    case 'fatal':
    case 'error':
      return ['error'];
    case 'warn':
      return ['error', 'warn'];
    case 'info':
      return ['error', 'warn', 'log'];
    case 'debug':
      return ['error', 'warn', 'log', 'debug'];
    case 'trace':
      return ['error', 'warn', 'log', 'debug', 'verbose'];
  }
}
