import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

/**
 * Dead letters hold customer data and redrive/discard change delivery, so `/hub-admin` exists only
 * when something guards it: a bearer token (`HUB_ADMIN_TOKEN`) or authentication with the hub
 * scope (`AUTH_ENABLED`). Otherwise its routes are not registered at all (404, absent from /docs).
 */
export function hubAdminOpen(config: AppConfig): boolean {
  return config.auth.enabled || config.hub.adminToken !== undefined;
}

/** Says at start-up, once, that the admin routes are closed and how to open them. */
@Injectable()
export class HubAdminNotice implements OnModuleInit {
  private readonly logger = new Logger('Hub');

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (!hubAdminOpen(this.config)) {
      this.logger.log(
        'Hub administration (/hub-admin: dead letters, redrive, stats) is closed: set HUB_ADMIN_TOKEN=<secret> (then send Authorization: Bearer <secret>) or AUTH_ENABLED=true (the hub scope) to open it',
      );
    }
  }
}
