import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

import { formatViolations, validateDocument } from '@app/tmf-common';

import {
  DispatcherMetrics,
  EventDispatcherService,
} from '@server/hub/delivery/event-dispatcher.service';
import { OutboxCommittedEvent } from '@server/hub/events';
import { HubException } from '@server/hub/hub.exception';
import { NatsDeliveryService } from '@server/hub/nats/nats-delivery.service';
import { NatsHub } from '@server/hub/nats/nats-hub';
import { OutboxRepository } from '@server/hub/outbox/outbox.repository';
import { SubscriptionRepository } from '@server/hub/subscriptions/subscription.repository';

import { DeadLetter, DeadLetterRepository } from './dead-letter.repository';
import { DeadLetterDto, HubStatsDto, RedriveRequestDto } from './dto/dead-letter.dto';

export const DEAD_LETTER_MAX_LIMIT = 1000;

/** Operator view of the outbox: dead letters (list, redrive, discard) and delivery counts. */
@Injectable()
export class HubAdminService {
  constructor(
    private readonly deadLetterRows: DeadLetterRepository,
    private readonly outbox: OutboxRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly dispatcher: EventDispatcherService,
    private readonly emitter: EventEmitter2,
    private readonly nats: NatsHub,
    private readonly natsDelivery: NatsDeliveryService,
  ) {}

  async deadLetters(params: {
    subscriptionId?: string;
    offset?: string;
    limit?: string;
  }): Promise<{ items: DeadLetterDto[]; total: number }> {
    const offset = paging('offset', params.offset, 0);
    const limit = Math.min(paging('limit', params.limit, 100), DEAD_LETTER_MAX_LIMIT);
    const page = await this.deadLetterRows.page(
      { subscriptionId: params.subscriptionId },
      offset,
      limit,
    );
    return { items: page.items.map(toDto), total: page.total };
  }

  async redrive(body: unknown): Promise<number> {
    const request = (body ?? {}) as RedriveRequestDto;
    const violations = validateDocument(RedriveRequestDto, request, 'HubRedriveRequest');
    if (violations.length > 0) {
      throw HubException.invalidRequest(formatViolations(violations));
    }
    const redriven = await this.deadLetterRows.redrive(
      { ids: request.ids, subscriptionId: request.subscriptionId },
      Date.now(),
    );
    if (redriven > 0) {
      this.emitter.emit(OutboxCommittedEvent.eventName, new OutboxCommittedEvent());
    }
    return redriven;
  }

  async discard(id: string): Promise<void> {
    if (!(await this.deadLetterRows.discard(id))) {
      throw HubException.deadLetterNotFound(id);
    }
  }

  async stats(): Promise<HubStatsDto> {
    const counts = await this.outbox.counts(Date.now());
    const process: Record<string, number | boolean | string> = {
      dispatchEnabled: this.dispatcher.enabled,
      ...this.dispatcher.metrics,
    };
    if (this.nats.enabled) {
      // Not yet delivered to the consumers, and delivered but not acknowledged (all replicas).
      const { backlog } = await this.nats.consumers();
      counts.pending += backlog.pending;
      counts.claimed += backlog.ackPending;
      const delivered: DispatcherMetrics = this.natsDelivery.metrics;
      for (const name of Object.keys(delivered) as (keyof DispatcherMetrics)[]) {
        process[name] = (process[name] as number) + delivered[name];
      }
    }
    return {
      subscriptions: await this.subscriptions.count(),
      transport: this.nats.enabled ? 'nats' : 'db',
      changes: counts.changes,
      deliveries: { pending: counts.pending, claimed: counts.claimed, dead: counts.dead },
      events: counts.events,
      process,
    };
  }
}

function paging(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') {
    return fallback;
  }
  if (!/^\d{1,9}$/.test(value)) {
    throw HubException.invalidRequest(`${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

function toDto(letter: DeadLetter): DeadLetterDto {
  return {
    ...letter,
    createdAt: new Date(letter.createdAt).toISOString(),
    deadAt: new Date(letter.deadAt).toISOString(),
  };
}
