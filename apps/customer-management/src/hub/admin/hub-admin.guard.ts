import { timingSafeEqual } from 'node:crypto';

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AppConfig } from '@server/config/app-config';

import { HubException } from '@server/hub/hub.exception';

/**
 * With HUB_ADMIN_TOKEN set, /hub-admin needs `Authorization: Bearer <token>`; without it the routes
 * exist only under AUTH_ENABLED (the global guard then asks for the hub scope).
 */
@Injectable()
export class HubAdminGuard implements CanActivate {
  private readonly token: Buffer | undefined;

  constructor(config: AppConfig) {
    this.token = config.hub.adminToken ? Buffer.from(config.hub.adminToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) {
      return true;
    }
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw HubException.adminUnauthorized();
    }
    return true;
  }
}
