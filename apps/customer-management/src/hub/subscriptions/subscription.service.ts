import { createHash, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { CUSTOMER_MANAGEMENT_V4, formatViolations, validateDocument } from '@app/tmf-common';
import { AppConfig } from '@server/config/app-config';
import { CallbackClient } from '@server/hub/delivery/callback-client';
import { HubException } from '@server/hub/hub.exception';

import { EventSubscriptionDto, EventSubscriptionInputDto } from './dto/event-subscription.dto';
import { SubscriptionQueries } from './subscription-queries';
import { SubscriptionRepository, SubscriptionRow } from './subscription.repository';

export const HUB_PATH = CUSTOMER_MANAGEMENT_V4.hub;

/** A registered subscription as returned, with its `Location`. */
export interface SubscriptionView {
  location: string;
  body: EventSubscriptionDto;
}

/** Hub registration rules: callback policy, query syntax, uniqueness of (callback, query). */
@Injectable()
export class SubscriptionService {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly queries: SubscriptionQueries,
    private readonly client: CallbackClient,
    private readonly config: AppConfig,
  ) {}

  async register(body: unknown, mediaType: string | undefined): Promise<SubscriptionView> {
    if (mediaType !== 'application/json') {
      throw HubException.unsupportedMediaType(mediaType);
    }
    const violations = validateDocument(EventSubscriptionInputDto, body, 'EventSubscriptionInput');
    if (violations.length > 0) {
      throw HubException.invalidSubscription(
        `Invalid EventSubscriptionInput: ${formatViolations(violations)}`,
      );
    }
    const input = body as EventSubscriptionInputDto;
    const refused = this.client.policy.callbackRefusal(input.callback);
    if (refused) {
      throw HubException.callbackRefused(refused);
    }
    const query = input.query && input.query.trim() !== '' ? input.query : null;
    // Throws a 400 naming the attribute, operator or value at fault.
    this.queries.parse(query);
    const row = {
      id: randomUUID(),
      callback: input.callback,
      query,
      secret: input.secret ?? null,
      dedupKey: createHash('sha256')
        .update(`${input.callback}\n${query ?? ''}`)
        .digest('hex'),
      createdAt: Date.now(),
    };
    if (!(await this.subscriptions.insert(row))) {
      const existing = await this.subscriptions.findIdByDedupKey(row.dedupKey);
      throw HubException.duplicate(existing ?? '(concurrently deleted)');
    }
    return this.view(row);
  }

  async get(id: string): Promise<SubscriptionView> {
    const row = await this.subscriptions.findById(id);
    if (!row) {
      throw HubException.notFound(id);
    }
    return this.view(row);
  }

  async unregister(id: string): Promise<void> {
    if (!(await this.subscriptions.delete(id))) {
      throw HubException.notFound(id);
    }
  }

  private view(row: SubscriptionRow): SubscriptionView {
    const body: EventSubscriptionDto = { id: row.id, callback: row.callback };
    if (row.query !== null) {
      body.query = row.query;
    }
    return { location: `${this.config.publicBaseUrl}${HUB_PATH}/${row.id}`, body };
  }
}
