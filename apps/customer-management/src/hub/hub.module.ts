import { Module } from '@nestjs/common';

import { CallbackClient } from './callback-client';
import { EventDispatcherService } from './event-dispatcher.service';
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

/**
 * Hub: subscriptions (`/hub`), the outbox written with each customer change, the dispatcher that
 * delivers it, the client-side `/listener/*` endpoints and the operator endpoints (`/hub-admin`).
 * It depends on the Customer module only through its domain events.
 */
@Module({
  controllers: [HubController, ListenerController, HubAdminController],
  providers: [
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
  ],
})
export class HubModule {}
