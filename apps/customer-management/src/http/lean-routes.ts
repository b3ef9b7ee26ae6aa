import { RequestMethod, type Type } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  RESPONSE_PASSTHROUGH_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { type NestFastifyApplication, RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';

import { checkQueryParameters, QueryParametersGuard, TmfExceptionFilter } from '@app/tmf-common';
import { AuthGuard } from '@server/auth/auth.guard';

/**
 * Controllers whose routes Fastify serves directly, without Nest's per-request layer.
 *
 * Nest's router proxy, guards consumer, execution contexts and exception zone cost a GET by id
 * 6-22 % of its CPU (14-23 µs on SQLite at 100k customers) and 10-47 % of its req/s, after the
 * interceptor chain was already gone (docs/performance.md, "Results: what Nest's routing layer
 * costs a request" and "Results: the customer routes served without Nest's per-request layer").
 * The controller stays what it is: the route table (Nest still registers each route, once, with
 * every Fastify hook: request id, metrics, rate limit, body parser, 405s), the OpenAPI source, and
 * the handler that runs. Only the handler Nest gives Fastify is replaced, by one that does what
 * Nest's does for these handlers, in the same order:
 *
 * 1. the global AuthGuard's check (its own code: 401/403, `@Public()`, `@RequireScope()`);
 * 2. the query-parameter check (QueryParametersGuard's code: the 400s);
 * 3. the status Nest would set (`@HttpCode`, else 201 for POST, 200 otherwise);
 * 4. the controller method, with the arguments of its `@Req()`, `@Res({ passthrough: true })` and
 *    `@Param(name)`; what it returns is the body;
 * 5. anything thrown answered by the global TmfExceptionFilter (the same instance and mapping).
 *
 * Start-up fails for a handler that asks for more (pipes, interceptors, other guards or filters,
 * other parameter decorators, `@Header`, `@Redirect`, `@Render`, `@Sse`): it would need Nest.
 * Global interceptors and pipes are not run either; the app has none (configure-app.ts).
 */
export function LeanRoutes(): ClassDecorator {
  return (controller) => {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler)) {
        const route: LeanRoute = { controller: controller as unknown as Type, method: name };
        RouteConfig({ [LEAN_ROUTE]: route })(
          prototype,
          name,
          Object.getOwnPropertyDescriptor(prototype, name) as PropertyDescriptor,
        );
      }
    }
  };
}

/**
 * Puts the lean handler in place of Nest's on every route of a `@LeanRoutes()` controller (Fastify
 * lets an `onRoute` hook change a route's options). Before `app.init()`, which registers the routes.
 */
export function serveLeanRoutes(app: NestFastifyApplication, errors: TmfExceptionFilter): void {
  const auth = app.get(AuthGuard);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (options) => {
      const route = (options.config as Record<string, unknown> | undefined)?.[LEAN_ROUTE];
      if (route) {
        options.handler = leanHandler(app, auth, errors, route as LeanRoute);
      }
    });
}

// The key of a route's Fastify `config` that names its controller method.
const LEAN_ROUTE = 'leanRoute';

interface LeanRoute {
  controller: Type;
  method: string;
}

type Handler = (...args: unknown[]) => unknown;
type ArgumentOf = (request: FastifyRequest, reply: FastifyReply) => unknown;

function leanHandler(
  app: NestFastifyApplication,
  auth: AuthGuard,
  errors: TmfExceptionFilter,
  { controller, method }: LeanRoute,
): RouteHandlerMethod {
  const instance = app.get<unknown, Record<string, Handler>>(controller, { strict: false });
  const handler = instance[method];
  const name = `${controller.name}.${method}`;
  assertNothingElse(controller, handler, name);
  const access = auth.accessOf(handler, controller);
  const status = statusOf(handler);
  const argumentsOf = argumentReaders(controller, method, name);
  const hasParams = String(Reflect.getMetadata(PATH_METADATA, handler)).includes(':');
  return async function serve(request, reply) {
    // As Nest's Fastify adapter: an empty path parameter matches no route (a 404, not `id=''`).
    if (hasParams && hasEmptyParam(request.params)) {
      reply.callNotFound();
      return reply;
    }
    try {
      if (access) {
        await auth.authorize(request, access);
      }
      checkQueryParameters(request);
      void reply.code(status);
      const body = await handler.apply(
        instance,
        argumentsOf.map((read) => read(request, reply)),
      );
      return reply.send(body);
    } catch (err) {
      errors.send(err, request, reply);
      return reply;
    }
  };
}

function statusOf(handler: Handler): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
  const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
  return code ?? (verb === RequestMethod.POST ? 201 : 200);
}

function argumentReaders(controller: Type, method: string, name: string): ArgumentOf[] {
  const params = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { index: number; data?: unknown; pipes?: unknown[] }
  >;
  const readers: ArgumentOf[] = [];
  for (const [key, { index, data, pipes }] of Object.entries(params)) {
    const type = Number(key.split(':')[0]) as RouteParamtypes;
    if (pipes && pipes.length > 0) {
      throw new Error(`${name}: parameter ${index} has pipes; a lean route runs none`);
    }
    if (type === RouteParamtypes.REQUEST) {
      readers[index] = (request) => request;
    } else if (type === RouteParamtypes.RESPONSE) {
      if (Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, controller, method) !== true) {
        throw new Error(`${name}: @Res() without passthrough; a lean route sends what it returns`);
      }
      readers[index] = (_request, reply) => reply;
    } else if (type === RouteParamtypes.PARAM && typeof data === 'string') {
      readers[index] = (request) => (request.params as Record<string, string>)[data];
    } else {
      throw new Error(`${name}: parameter ${index} is not @Req(), @Res() or @Param(name)`);
    }
  }
  return readers;
}

/** Nest features a lean route does not run: a handler or controller with one cannot be served lean. */
function assertNothingElse(controller: Type, handler: Handler, name: string): void {
  for (const target of [controller, handler]) {
    for (const key of [INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA]) {
      if (((Reflect.getMetadata(key, target) as unknown[] | undefined) ?? []).length > 0) {
        throw new Error(
          `${name}: ${key} is set; a lean route runs no interceptors, pipes or filters`,
        );
      }
    }
    const guards = (Reflect.getMetadata(GUARDS_METADATA, target) ?? []) as unknown[];
    if (guards.some((guard) => guard !== QueryParametersGuard.instance)) {
      throw new Error(`${name}: has guards of its own; a lean route runs only AuthGuard's check`);
    }
  }
  for (const key of [HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA]) {
    if (Reflect.hasMetadata(key, handler)) {
      throw new Error(`${name}: ${key} is set; a lean route sends only what the handler returns`);
    }
  }
}

function hasEmptyParam(params: unknown): boolean {
  const values = params as Record<string, string>;
  for (const name in values) {
    if (values[name] === '' && name !== '*') {
      return true;
    }
  }
  return false;
}
