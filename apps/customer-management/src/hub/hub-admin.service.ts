import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

import { formatViolations, validateDocument } from '@app/tmf-common';

import { DeadLetterDto, HubStatsDto, RedriveRequestDto } from './dto/dead-letter.dto';
import { EventDispatcherService } from './event-dispatcher.service';
import { HubSubscriptionRepository } from './hub-subscription.repository';
import { HubException } from './hub.exception';
import { OUTBOX_COMMITTED } from './outbox.listener';
import { DeadLetter, OutboxRepository } from './outbox.repository';

const MAX_LIMIT = 1000;

/** Operator view of the outbox: dead letters (list, redrive, discard) and delivery counts. */
@Injectable()
export class HubAdminService {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly subscriptions: HubSubscriptionRepository,
    private readonly dispatcher: EventDispatcherService,
    private readonly emitter: EventEmitter2,
  ) {}

  async deadLetters(params: {
    subscriptionId?: string;
    offset?: string;
    limit?: string;
  }): Promise<{ items: DeadLetterDto[]; total: number }> {
    const offset = paging('offset', params.offset, 0);
    const limit = Math.min(paging('limit', params.limit, 100), MAX_LIMIT);
    const page = await this.outbox.deadLetters(
      { subscriptionId: params.subscriptionId },
      offset,
      limit,
    );
    return { items: page.items.map(toDto), total: page.total };
  }

  async redrive(body: unknown): Promise<number> {
    const request = (body ?? {}) as RedriveRequestDto;
    const violations = validateDocument(RedriveRequestDto, request);
    if (violations.length > 0) {
      throw HubException.invalidRequest(
        formatViolations(violations).replace(/TMF629 Customer schema/g, 'HubRedriveRequest schema'),
      );
    }
    const redriven = await this.outbox.redrive(
      { ids: request.ids, subscriptionId: request.subscriptionId },
      Date.now(),
    );
    if (redriven > 0) {
      this.emitter.emit(OUTBOX_COMMITTED);
    }
    return redriven;
  }

  async discard(id: string): Promise<void> {
    if (!(await this.outbox.deleteDeadLetter(id))) {
      throw HubException.deadLetterNotFound(id);
    }
  }

  async stats(): Promise<HubStatsDto> {
    const counts = await this.outbox.counts(Date.now());
    return {
      subscriptions: await this.subscriptions.count(),
      deliveries: { pending: counts.pending, claimed: counts.claimed, dead: counts.dead },
      events: counts.events,
      process: { dispatchEnabled: this.dispatcher.enabled, ...this.dispatcher.metrics },
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
