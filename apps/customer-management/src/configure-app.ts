import rateLimit from '@fastify/rate-limit';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';

import {
  AppException,
  ErrorKind,
  MethodNotAllowedResolver,
  QueryParameterRules,
  registerJsonBodyParser,
  tmfClientErrorHandler,
  TmfExceptionFilter,
  tmfFrameworkErrorHandler,
  useQueryParameterRules,
} from '@app/tmf-common';

import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { CONSISTENCY_HEADER } from './database/read-consistency';
import { registerCloseAfterDrain } from './http/close-after-drain';
import { registerConsistencyToken } from './http/consistency-token';
import { serveLeanRoutes } from './http/lean-routes';
import { registerLingeringClose } from './http/lingering-close';
import { guardQueryParametersLast } from './http/query-parameter-guard';
import { registerSecurityHeaders } from './http/security-headers';
import { MetricsService } from './metrics/metrics.service';
import { setupOpenApi } from './openapi/openapi-document';
import { createRootLogger, PinoNestLogger } from './observability/logger';
import {
  registerRequestIdHeader,
  REQUEST_ID_HEADER,
  RequestLogController,
  requestIdOf,
} from './observability/request-logging';

export interface CreateAppOptions {
  /** Where JSON logs go (default stdout); tests capture them. */
  logDestination?: DestinationStream;
}

const EXPOSED_HEADERS = [
  'Location',
  'ETag',
  'Link',
  'X-Total-Count',
  'X-Result-Count',
  'X-Request-ID',
  'X-Correlation-ID',
  CONSISTENCY_HEADER,
];
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;
// After an early answer (413), the rest of a body is read and dropped up to this many times
// BODY_LIMIT_BYTES (128 MiB by default) within HTTP_REQUEST_TIMEOUT_MS (docs/operations.md).
const LINGER_BODY_LIMITS = 128;
// Probes and scrapes must never be throttled (paths below API_PATH_PREFIX).
const UNLIMITED_PATHS = ['/health/live', '/health/ready', '/metrics'];

/**
 * Builds the application exactly as production runs it; main.ts and the e2e tests both use this,
 * so the tests exercise the real pipeline (parsers, limits, hooks, guards, filters, routes).
 */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLogController(),
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    // Slow clients (slowloris) cannot hold a connection forever.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionTimeout: config.http.requestTimeoutMs * 2,
    // Node checks the header and request deadlines only this often (default 30 s, which made a
    // 2 s HTTP_HEADERS_TIMEOUT_MS a 30 s one); every second keeps them within a second of the setting.
    http: { connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
    // Requests the HTTP parser refuses (URL too long, bad syntax, timeouts) get a TMF Error too.
    clientErrorHandler: tmfClientErrorHandler,
    frameworkErrors: tmfFrameworkErrorHandler,
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  await configureApp(app, config);
  await app.init();
  const server = app.getHttpServer();
  server.headersTimeout = config.http.headersTimeoutMs;
  // Beyond the cap new connections are closed at once: memory and descriptors stay bounded
  // whatever a flood of (slow) clients does; the timeouts above free the slots.
  server.maxConnections = config.http.maxConnections;
  return app;
}

async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (config.apiPathPrefix !== '') {
    // Every route, /docs included: a gateway that forwards the prefix unchanged reaches them all.
    app.setGlobalPrefix(config.apiPathPrefix);
  }
  registerJsonBodyParser(fastify);
  registerLingeringClose(fastify, {
    maxBytes: LINGER_BODY_LIMITS * config.bodyLimitBytes,
    maxMs: config.http.requestTimeoutMs,
  });
  registerCloseAfterDrain(fastify);
  registerRequestIdHeader(fastify);
  registerHttpMetrics(fastify, app.get(MetricsService));
  registerConsistencyToken(fastify);
  const methods = new MethodNotAllowedResolver();
  methods.attach(fastify);
  const errors = new TmfExceptionFilter(methods);
  app.useGlobalFilters(errors);
  // The hot customer routes skip Nest's per-request layer, with the same checks and errors.
  serveLeanRoutes(app, errors);
  // HSTS, and CSP upgrade-insecure-requests with it, only where clients reach the server over https:
  // over plain HTTP (an http ingress, docker compose) the upgrade sent the browser to fetch the
  // Swagger UI assets over https, and /docs stayed blank on any host but localhost.
  const https = config.publicBaseUrl.startsWith('https:');
  registerSecurityHeaders(fastify, {
    // Swagger UI at /docs needs its own scripts and styles; the API itself serves only JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    hsts: https,
  });
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'If-Match',
        'If-None-Match',
        REQUEST_ID_HEADER,
        CONSISTENCY_HEADER,
      ],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  if (config.http.rateLimitPerMinute > 0) {
    const unlimited = UNLIMITED_PATHS.map((path) => `${config.apiPathPrefix}${path}`);
    await app.register(rateLimit, {
      global: true,
      max: config.http.rateLimitPerMinute,
      timeWindow: 60000,
      allowList: (request) => unlimited.includes(request.url.split('?')[0]),
      errorResponseBuilder: (_request, context) =>
        new AppException(
          ErrorKind.TooManyRequests,
          'RATE_LIMITED',
          `Rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
          { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        ),
    });
  }
  const documents = setupOpenApi(app, config);
  // What the documents declare is what each route accepts in its query string (and nothing else).
  useQueryParameterRules(fastify, new QueryParameterRules({ paths: documents.routes }));
  guardQueryParametersLast(app);
}

function registerHttpMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: bounded label cardinality.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
