import type { FastifyInstance, FastifyRequest } from 'fastify';

import {
  CONSISTENCY_HEADER,
  consistencyOf,
  RequestConsistency,
  runWithConsistency,
} from '@server/database/read-consistency';

const CONTEXT = Symbol('consistency');
type WithContext = FastifyRequest & { [CONTEXT]?: RequestConsistency };

/**
 * `X-Consistency-Token` (database/read-consistency.ts): the request's handler runs with the token it
 * presented, and a response to a request that committed a write carries that write's position.
 * The preHandler hook goes on inside the context, so the route handler and all it awaits see it.
 */
export function registerConsistencyToken(fastify: FastifyInstance): void {
  const header = CONSISTENCY_HEADER.toLowerCase();
  fastify.addHook('preHandler', (request, _reply, done) => {
    const context = consistencyOf(request.headers[header]);
    (request as WithContext)[CONTEXT] = context;
    runWithConsistency(context, done);
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const written = (request as WithContext)[CONTEXT]?.written;
    if (written) {
      void reply.header(CONSISTENCY_HEADER, written);
    }
    done(null, payload);
  });
}
