import type { FastifyInstance } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';

/**
 * Helmet's security headers, computed once. Every response of this server gets the same set (no
 * per-route options, no CSP nonces), yet @fastify/helmet rebuilds the middleware and re-parses the
 * CSP directives on every request: about 7% of the CPU of a GET by id under load. Running helmet
 * itself once against a recording response keeps helmet the source of truth for the header values.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: Error | undefined;
  helmet(options)(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    recorder as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (err?: unknown) => {
      failure =
        err instanceof Error ? err : err ? new Error('helmet refused its options') : undefined;
    },
  );
  if (failure) {
    throw failure;
  }
  return headers;
}

/** Sets the precomputed security headers on every response, before any handler or error runs. */
export function registerSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeaders(options);
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
