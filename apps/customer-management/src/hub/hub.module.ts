import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

import { CallbackClient } from './callback-client';
import { EventDispatcherService } from './event-dispatcher.service';
import { HubAdminNotice, hubAdminOpen } from './hub-admin.access';
import { HubAdminController } from './hub-admin.controller';
import { HubAdminGuard } from './hub-admin.guard';
import { HubAdminService } from './hub-admin.service';
import { HubSubscriptionRepository } from './hub-subscription.repository';
import { HubMetrics } from './hub.metrics';
import { HubController } from './hub.controller';
import { HubService } from './hub.service';
import { ListenerController } from './listener.controller';
import { ListenerService } from './listener.service';
import { OutboxListener } from './outbox.listener';
import { OutboxRepository } from './outbox.repository';
import { SubscriptionQueries } from './subscription-query';

const HUB_PROVIDERS = [
  HubService,
  HubSubscriptionRepository,
  OutboxRepository,
  OutboxListener,
  SubscriptionQueries,
  CallbackClient,
  EventDispatcherService,
  ListenerService,
  HubAdminService,
  HubAdminGuard,
  HubMetrics,
  HubAdminNotice,
];

/**
 * Hub: subscriptions (`/hub`), the outbox written with each customer change, the dispatcher that
 * delivers it, the client-side `/listener/*` endpoints and the operator endpoints (`/hub-admin`).
 * It depends on the Customer module only through its domain events. The operator endpoints exist
 * only when guarded (`hubAdminOpen`).
 */
@Module({})
export class HubModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: HubModule,
      controllers: [
        HubController,
        ListenerController,
        ...(hubAdminOpen(config) ? [HubAdminController] : []),
      ],
      providers: HUB_PROVIDERS,
    };
  }
}
