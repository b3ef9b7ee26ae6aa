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
    if (!this.config.auth.enabled) {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header) : null;
    if (!match) {
      throw AuthException.missingToken();
    }
    const token = await this.verifier.verify(match[1]);
    const kind = this.reflector.getAllAndOverride<ScopeKind | undefined>(REQUIRED_SCOPE, targets);
    if (kind) {
      const scope = this.config.auth.scopes[kind];
      if (!token.scopes.has(scope)) {
        throw AuthException.insufficientScope(scope);
      }
    }
    return true;
  }
}
