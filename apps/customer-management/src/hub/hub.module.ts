import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig } from '@server/config/app-config';

import { DeadLetterRepository } from './admin/dead-letter.repository';
import { HubAdminNotice, hubAdminOpen } from './admin/hub-admin.access';
import { HubAdminController } from './admin/hub-admin.controller';
import { HubAdminGuard } from './admin/hub-admin.guard';
import { HubAdminService } from './admin/hub-admin.service';
import { BacklogMetrics } from './delivery/backlog.metrics';
import { CallbackClient } from './delivery/callback-client';
import { DeliveryMetrics } from './delivery/delivery.metrics';
import { DeliveryRepository } from './delivery/delivery.repository';
import { EventDispatcherService } from './delivery/event-dispatcher.service';
import { NatsDeliveryService } from './nats/nats-delivery.service';
import { NatsHub } from './nats/nats-hub';
import { NatsRelayService } from './nats/nats-relay.service';
import { RelayRepository } from './nats/relay.repository';
import { NotificationListenerController } from './notification-listener/notification-listener.controller';
import { NotificationListenerService } from './notification-listener/notification-listener.service';
import { V5NotificationListenerController } from './notification-listener/v5-notification-listener.controller';
import { CustomerEventListener } from './outbox/customer-event.listener';
import { FanOutRepository } from './outbox/fan-out.repository';
import { FanOutService } from './outbox/fan-out.service';
import { OutboxRepository } from './outbox/outbox.repository';
import { RoleLeases } from './role-lease';
import { SubscriptionQueries } from './subscriptions/subscription-queries';
import { SubscriptionController } from './subscriptions/subscription.controller';
import { SubscriptionRepository } from './subscriptions/subscription.repository';
import { SubscriptionService } from './subscriptions/subscription.service';
import { V5HubController } from './subscriptions/v5-hub.controller';

const HUB_PROVIDERS = [
  SubscriptionService,
  SubscriptionRepository,
  SubscriptionQueries,
  OutboxRepository,
  CustomerEventListener,
  FanOutRepository,
  FanOutService,
  NatsHub,
  RelayRepository,
  NatsRelayService,
  NatsDeliveryService,
  DeliveryRepository,
  CallbackClient,
  EventDispatcherService,
  DeliveryMetrics,
  BacklogMetrics,
  NotificationListenerService,
  DeadLetterRepository,
  HubAdminService,
  HubAdminGuard,
  HubAdminNotice,
  RoleLeases,
];

/**
 * Hub: one folder per concern. `subscriptions/` (`/hub`: register, read, unregister; the TMF630
 * queries), `outbox/` (customer domain events become one outbox row in the change's transaction; the fan-out
 * turns committed rows into per-subscription deliveries),
 * `delivery/` (the dispatcher: claims, callback POSTs, retries, dead letters), `nats/` (HUB_TRANSPORT=nats:
 * the relay to JetStream and delivery from one durable consumer per subscription), `admin/` (`/hub-admin`,
 * operators; its routes exist only when guarded, see `hubAdminOpen`) and `notification-listener/` (the
 * client-side `/listener/*` endpoints). It depends on the Customer module only through its domain
 * events and its contract file (lint-enforced).
 */
@Module({})
export class HubModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: HubModule,
      controllers: [
        SubscriptionController,
        V5HubController,
        NotificationListenerController,
        V5NotificationListenerController,
        ...(hubAdminOpen(config) ? [HubAdminController] : []),
      ],
      providers: HUB_PROVIDERS,
    };
  }
}
