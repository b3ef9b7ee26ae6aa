import { createHash, randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import {
  CUSTOMER_MANAGEMENT_V4,
  CUSTOMER_MANAGEMENT_V5,
  formatViolations,
  isJsonObject,
  validateDocument,
} from '@app/tmf-common';
import { AppConfig } from '@server/config/app-config';
import { CallbackClient } from '@server/hub/delivery/callback-client';
import { HubException } from '@server/hub/hub.exception';
import { NatsHub } from '@server/hub/nats/nats-hub';

import { EventSubscriptionDto, EventSubscriptionInputDto } from './dto/event-subscription.dto';
import { SubscriptionQueries } from './subscription-queries';
import { ApiVersion, SubscriptionRepository, SubscriptionRow } from './subscription.repository';

export const HUB_PATH = CUSTOMER_MANAGEMENT_V4.hub;
const HUB_PATHS: Record<ApiVersion, string> = {
  v4: CUSTOMER_MANAGEMENT_V4.hub,
  v5: CUSTOMER_MANAGEMENT_V5.hub,
};
// Hub_FVO (v5) is the v4 input with the TMF polymorphism attributes, `@type` required.
const V5_POLYMORPHISM = ['@type', '@baseType', '@schemaLocation'];

/** TMF629 v5 `Hub`: the subscription as v5 answers it. */
export interface HubView {
  id: string;
  href: string;
  '@type': string;
  callback: string;
  query?: string;
}

/** A registered subscription as returned, with its `Location`. */
export interface SubscriptionView {
  location: string;
  body: EventSubscriptionDto;
}

/** Hub registration rules: callback policy, query syntax, uniqueness of (callback, query). */
@Injectable()
export class SubscriptionService {
  private readonly logger = new Logger(SubscriptionService.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly queries: SubscriptionQueries,
    private readonly client: CallbackClient,
    private readonly config: AppConfig,
    private readonly nats: NatsHub,
  ) {}

  async register(body: unknown, mediaType: string | undefined): Promise<SubscriptionView> {
    return this.view(await this.insert(body, mediaType, 'v4'));
  }

  /** TMF629 v5 `POST /hub` (`Hub_FVO`, `@type` required): answers a `Hub`. */
  async registerV5(
    body: unknown,
    mediaType: string | undefined,
  ): Promise<{ location: string; body: HubView }> {
    if (mediaType === 'application/json' && isJsonObject(body)) {
      const problems = V5_POLYMORPHISM.filter(
        (key) => body[key] !== undefined && (typeof body[key] !== 'string' || body[key] === ''),
      ).map((key) => `${key} must be a non-empty string`);
      if (body['@type'] === undefined) {
        problems.unshift('@type is required');
      }
      if (problems.length > 0) {
        throw HubException.invalidSubscription(`Invalid Hub_FVO: ${problems.join('; ')}`);
      }
      const input = Object.fromEntries(
        Object.entries(body).filter(([key]) => !V5_POLYMORPHISM.includes(key)),
      );
      return this.hubView(await this.insert(input, mediaType, 'v5'));
    }
    return this.hubView(await this.insert(body, mediaType, 'v5'));
  }

  private async insert(
    body: unknown,
    mediaType: string | undefined,
    version: ApiVersion,
  ): Promise<SubscriptionRow> {
    if (mediaType !== 'application/json') {
      throw HubException.unsupportedMediaType(mediaType);
    }
    const violations = validateDocument(EventSubscriptionInputDto, body, 'EventSubscriptionInput');
    if (violations.length > 0) {
      throw HubException.invalidSubscription(
        `Invalid ${version === 'v5' ? 'Hub_FVO' : 'EventSubscriptionInput'}: ${formatViolations(violations)}`,
      );
    }
    const input = body as EventSubscriptionInputDto;
    const refused = this.client.policy.callbackRefusal(input.callback);
    if (refused) {
      throw HubException.callbackRefused(refused);
    }
    const query = input.query && input.query.trim() !== '' ? input.query : null;
    // Throws a 400 naming the attribute, operator or value at fault (the version's own paths).
    this.queries.parse(query, version);
    // v4 keys stay as they were; a v5 subscription of the same callback and query is another one.
    const dedupText = `${input.callback}\n${query ?? ''}`;
    const row = {
      id: randomUUID(),
      callback: input.callback,
      query,
      secret: input.secret ?? null,
      dedupKey: createHash('sha256')
        .update(version === 'v4' ? dedupText : `v5\n${dedupText}`)
        .digest('hex'),
      createdAt: Date.now(),
      version,
    };
    if (!(await this.subscriptions.insert(row))) {
      const existing = await this.subscriptions.findIdByDedupKey(row.dedupKey);
      throw HubException.duplicate(existing ?? '(concurrently deleted)');
    }
    if (this.nats.enabled) {
      // Committed first: a consumer that cannot be made now is made by the next reconciliation,
      // and the stream keeps the events meanwhile.
      await this.nats
        .addConsumer(row)
        .catch((err: unknown) =>
          this.logger.warn(
            `Consumer for subscription ${row.id} not created yet: ${(err as Error).message}`,
          ),
        );
    }
    return row;
  }

  async get(id: string): Promise<SubscriptionView> {
    return this.view(await this.find(id, 'v4'));
  }

  async getV5(id: string): Promise<HubView> {
    return this.hubView(await this.find(id, 'v5')).body;
  }

  /** Each version sees and removes only its own subscriptions. */
  async unregister(id: string, version: ApiVersion = 'v4'): Promise<void> {
    await this.find(id, version);
    if (!(await this.subscriptions.delete(id))) {
      throw HubException.notFound(id);
    }
    if (this.nats.enabled) {
      await this.nats
        .deleteConsumer(id)
        .catch((err: unknown) =>
          this.logger.warn(
            `Consumer of subscription ${id} not deleted yet: ${(err as Error).message}`,
          ),
        );
    }
  }

  private async find(id: string, version: ApiVersion): Promise<SubscriptionRow> {
    const row = await this.subscriptions.findById(id);
    if (!row || row.version !== version) {
      throw HubException.notFound(id);
    }
    return row;
  }

  private hubView(row: SubscriptionRow): { location: string; body: HubView } {
    const href = `${this.config.publicBaseUrl}${HUB_PATHS.v5}/${row.id}`;
    const body: HubView = { id: row.id, href, '@type': 'Hub', callback: row.callback };
    if (row.query !== null) {
      body.query = row.query;
    }
    return { location: href, body };
  }

  private view(row: SubscriptionRow): SubscriptionView {
    const body: EventSubscriptionDto = { id: row.id, callback: row.callback };
    if (row.query !== null) {
      body.query = row.query;
    }
    return { location: `${this.config.publicBaseUrl}${HUB_PATH}/${row.id}`, body };
  }
}
