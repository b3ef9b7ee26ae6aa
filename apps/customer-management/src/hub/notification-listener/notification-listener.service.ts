import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ClassConstructor } from 'class-transformer';

import { formatViolations, validateDocument } from '@app/tmf-common';
import { CustomerEventType } from '@server/hub/customer-event-envelope';
import { NotificationReceivedEvent } from '@server/hub/events';
import { HubException } from '@server/hub/hub.exception';

import {
  CustomerAttributeValueChangeEventDto,
  CustomerCreateEventDto,
  CustomerDeleteEventDto,
  CustomerStateChangeEventDto,
} from './dto/customer-event.dto';
import { v5EventViolations } from './v5-event-rules';

const SCHEMAS: Record<CustomerEventType, ClassConstructor<object>> = {
  CustomerCreateEvent: CustomerCreateEventDto,
  CustomerAttributeValueChangeEvent: CustomerAttributeValueChangeEventDto,
  CustomerStateChangeEvent: CustomerStateChangeEventDto,
  CustomerDeleteEvent: CustomerDeleteEventDto,
};

/**
 * The client side of the hub (TMF629 `/listener/*`): validates an incoming event against its
 * schema (envelope and a whole Customer in `event.customer`) and publishes it in-process, so this
 * server can subscribe to another instance.
 */
@Injectable()
export class NotificationListenerService {
  private readonly logger = new Logger(NotificationListenerService.name);

  constructor(private readonly emitter: EventEmitter2) {}

  receive(eventType: CustomerEventType, body: unknown, mediaType: string | undefined): void {
    if (mediaType !== 'application/json') {
      throw HubException.unsupportedMediaType(mediaType);
    }
    const violations = validateDocument(SCHEMAS[eventType], body, eventType);
    if (violations.length > 0) {
      throw HubException.invalidEvent(`Invalid ${eventType}: ${formatViolations(violations)}`);
    }
    const event = body as Record<string, unknown>;
    if (event.eventType !== eventType) {
      throw HubException.invalidEvent(
        `This listener accepts ${eventType}, not ${String(event.eventType)}`,
      );
    }
    this.logger.debug(`Received ${eventType} ${JSON.stringify(event.eventId ?? null)}`);
    this.emitter.emit(
      NotificationReceivedEvent.eventName,
      new NotificationReceivedEvent(eventType, event),
    );
  }

  /** The same for a TMF629 v5 event (its own rules, v5-event-rules.ts). */
  receiveV5(eventType: CustomerEventType, body: unknown, mediaType: string | undefined): void {
    if (mediaType !== 'application/json') {
      throw HubException.unsupportedMediaType(mediaType);
    }
    const violations = v5EventViolations(eventType, body);
    if (violations.length > 0) {
      throw HubException.invalidEvent(`Invalid ${eventType}: ${violations.join('; ')}`);
    }
    const event = body as Record<string, unknown>;
    this.logger.debug(`Received v5 ${eventType} ${JSON.stringify(event.eventId ?? null)}`);
    this.emitter.emit(
      NotificationReceivedEvent.eventName,
      new NotificationReceivedEvent(eventType, event, 'v5'),
    );
  }
}
