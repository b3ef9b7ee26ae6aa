/**
 * The server as `main.ts` builds it (the built `dist`), plus raw Fastify routes that call the same
 * CustomerService without Nest's router, guards, interceptors and rxjs: `POST /raw/customer`,
 * `GET /raw/customer/:id`, `DELETE /raw/customer/:id`. Fastify's own hooks (request id, metrics,
 * security headers, body parser, lingering close) run for both. For `nest-route-probe.ts` only:
 * the raw routes check no scope and no query parameters.
 *
 *   DIST=<repo>/dist DATABASE_URL=sqlite:<file> PORT=<port> node -r ts-node/register/transpile-only \
 *     test/load/raw-routes-server.ts
 */
import 'reflect-metadata';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type View = { href: string };
interface Service {
  create(body: unknown, mediaType: string | undefined): Promise<View>;
  get(id: string): Promise<View>;
  delete(id: string, ifMatch?: string): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const dist = process.env.DIST ?? 'dist';
const { loadConfig } = require(`${dist}/apps/customer-management/src/config/app-config`) as {
  loadConfig: (env: NodeJS.ProcessEnv) => unknown;
};
const { createApp } = require(`${dist}/apps/customer-management/src/configure-app`) as {
  createApp: (config: unknown) => Promise<{
    getHttpAdapter(): { getInstance(): FastifyInstance };
    get(token: unknown): Service;
    listen(options: { port: number; host: string }): Promise<void>;
  }>;
};
const { CustomerService } = require(
  `${dist}/apps/customer-management/src/customer/customer.service`,
) as { CustomerService: unknown };
const { sendCustomer } = require(`${dist}/apps/customer-management/src/customer/customer-http`) as {
  sendCustomer: (reply: FastifyReply, view: View) => string;
};
const { mediaTypeOf } = require(`${dist}/libs/tmf-common/src/core/media-type`) as {
  mediaTypeOf: (header: string | undefined) => string | undefined;
};
/* eslint-enable @typescript-eslint/no-require-imports */

async function main(): Promise<void> {
  const app = await createApp(loadConfig(process.env));
  const fastify = app.getHttpAdapter().getInstance();
  const service = app.get(CustomerService);
  type ById = FastifyRequest<{ Params: { id: string } }>;
  fastify.post('/raw/customer', async (request, reply) => {
    const view = await service.create(request.body, mediaTypeOf(request.headers['content-type']));
    void reply.header('location', view.href).code(201);
    return sendCustomer(reply, view);
  });
  fastify.get('/raw/customer/:id', async (request: ById, reply) =>
    sendCustomer(reply, await service.get(request.params.id)),
  );
  fastify.delete('/raw/customer/:id', async (request: ById, reply) => {
    const ifMatch = request.headers['if-match'];
    await service.delete(request.params.id, typeof ifMatch === 'string' ? ifMatch : undefined);
    void reply.code(204);
    return '';
  });
  await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
}

void main();
