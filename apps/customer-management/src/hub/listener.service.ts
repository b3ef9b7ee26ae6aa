import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ClassConstructor } from 'class-transformer';

import { formatViolations, validateDocument } from '@app/tmf-common';

import {
  CustomerAttributeValueChangeEventDto,
  CustomerCreateEventDto,
  CustomerDeleteEventDto,
  CustomerStateChangeEventDto,
} from './dto/customer-event.dto';
import { CustomerEventType } from './hub-events';
import { HubException } from './hub.exception';

/** Emitted in-process for every event a `/listener/*` endpoint accepted. */
export const LISTENER_RECEIVED = 'hub.listener.received';

export interface ReceivedEvent {
  eventType: CustomerEventType;
  event: Record<string, unknown>;
}

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
export class ListenerService {
  private readonly logger = new Logger(ListenerService.name);

  constructor(private readonly emitter: EventEmitter2) {}

  receive(eventType: CustomerEventType, body: unknown, mediaType: string | undefined): void {
    if (mediaType !== 'application/json') {
      throw HubException.unsupportedMediaType(mediaType);
    }
    const violations = validateDocument(SCHEMAS[eventType], body);
    if (violations.length > 0) {
      throw HubException.invalidEvent(
        `Invalid ${eventType}: ${formatViolations(violations).replace(/TMF629 Customer schema/g, `${eventType} schema`)}`,
      );
    }
    const event = body as Record<string, unknown>;
    if (event.eventType !== eventType) {
      throw HubException.invalidEvent(
        `This listener accepts ${eventType}, not ${String(event.eventType)}`,
      );
    }
    this.logger.debug(`Received ${eventType} ${JSON.stringify(event.eventId ?? null)}`);
    const received: ReceivedEvent = { eventType, event };
    this.emitter.emit(LISTENER_RECEIVED, received);
  }
}
