import { CanActivate, ExecutionContext, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { AppConfig } from '@server/config/app-config';

import { AuthException } from './auth.exception';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_SCOPE, ScopeKind } from './scopes.decorator';
import { TokenVerifier } from './token-verifier';

/**
 * Global guard. With AUTH_ENABLED every route needs a valid bearer token unless marked `@Public()`,
 * and the configured scope named by `@RequireScope()`. Off by default for the embedded setup.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  onModuleInit(): void {
    if (!this.config.auth.enabled) {
      this.logger.warn(
        'Authentication is OFF (AUTH_ENABLED=false): any client can read and change customers and subscriptions',
      );
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context.getHandler(), context.getClass());
    if (access) {
      await this.authorize(context.switchToHttp().getRequest<FastifyRequest>(), access);
    }
    return true;
  }

  /**
   * What a route handler of `controller` asks of a request: nothing (auth off, or `@Public()`), or a
   * valid token with the scope its `@RequireScope()` names. Read once per route by routes served
   * without Nest's guards (http/lean-routes.ts).
   */
  accessOf(
    handler: ReturnType<ExecutionContext['getHandler']>,
    controller: ReturnType<ExecutionContext['getClass']>,
  ): RouteAccess | undefined {
    if (!this.config.auth.enabled) {
      return undefined;
    }
    const targets = [handler, controller];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return undefined;
    }
    const kind = this.reflector.getAllAndOverride<ScopeKind | undefined>(REQUIRED_SCOPE, targets);
    return { scope: kind ? this.config.auth.scopes[kind] : undefined };
  }

  /** @throws AuthException (401) without a valid bearer token, (403) without the route's scope */
  async authorize(request: FastifyRequest, access: RouteAccess): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header) : null;
    if (!match) {
      throw AuthException.missingToken();
    }
    const token = await this.verifier.verify(match[1]);
    if (access.scope && !token.scopes.has(access.scope)) {
      throw AuthException.insufficientScope(access.scope);
    }
  }
}

/** A route's access rule under AUTH_ENABLED: a token, and the configured scope if one is named. */
export interface RouteAccess {
  scope?: string;
}
