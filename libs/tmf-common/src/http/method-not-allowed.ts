import type { FastifyInstance } from 'fastify';
import FindMyWay, { HTTPMethod } from 'find-my-way';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Shadows every route Fastify registers so that a request Fastify cannot route can be told apart:
 * an unknown path (404) or a known path with another method (405 with `Allow`).
 */
export class MethodNotAllowedResolver {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });

  /** Must run before the routes are registered (i.e. before `app.init()`). */
  attach(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (METHODS.includes(method as HTTPMethod) && !route.url.includes('*')) {
          this.router.on(method as HTTPMethod, route.url, () => undefined);
        }
      }
    });
  }

  allowedMethods(url: string): string[] {
    const path = url.split('?')[0];
    return METHODS.filter((method) => this.router.find(method, path) !== null);
  }
}
