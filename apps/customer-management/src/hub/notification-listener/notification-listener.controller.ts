import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { ApiTmfErrors, CUSTOMER_MANAGEMENT_V4, mediaTypeOf } from '@app/tmf-common';

import {
  CustomerAttributeValueChangeEventDto,
  CustomerCreateEventDto,
  CustomerDeleteEventDto,
  CustomerStateChangeEventDto,
} from './dto/customer-event.dto';
import { NotificationListenerService } from './notification-listener.service';

const NOTIFIED =
  'Notified (no body: the v4 swagger names EventSubscription here, which carries nothing for an event)';

/** TMF629 client-side listeners: this server accepts the events another instance sends. */
@ApiTags('notification listeners (client side)')
@ApiTmfErrors(400, 401, 403, 405, 415, 500)
@Controller(CUSTOMER_MANAGEMENT_V4.listener.slice(1))
export class NotificationListenerController {
  constructor(private readonly listener: NotificationListenerService) {}

  @Post('customerCreateEvent')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'listenToCustomerCreateEvent',
    summary: 'Client listener for entity CustomerCreateEvent',
  })
  @ApiBody({ type: CustomerCreateEventDto, description: 'The event data' })
  @ApiCreatedResponse({ description: NOTIFIED })
  createEvent(@Req() request: FastifyRequest): void {
    this.listener.receive('CustomerCreateEvent', request.body, mediaType(request));
  }

  @Post('customerAttributeValueChangeEvent')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'listenToCustomerAttributeValueChangeEvent',
    summary: 'Client listener for entity CustomerAttributeValueChangeEvent',
  })
  @ApiBody({ type: CustomerAttributeValueChangeEventDto, description: 'The event data' })
  @ApiCreatedResponse({ description: NOTIFIED })
  attributeValueChangeEvent(@Req() request: FastifyRequest): void {
    this.listener.receive('CustomerAttributeValueChangeEvent', request.body, mediaType(request));
  }

  @Post('customerStateChangeEvent')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'listenToCustomerStateChangeEvent',
    summary: 'Client listener for entity CustomerStateChangeEvent',
  })
  @ApiBody({ type: CustomerStateChangeEventDto, description: 'The event data' })
  @ApiCreatedResponse({ description: NOTIFIED })
  stateChangeEvent(@Req() request: FastifyRequest): void {
    this.listener.receive('CustomerStateChangeEvent', request.body, mediaType(request));
  }

  @Post('customerDeleteEvent')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'listenToCustomerDeleteEvent',
    summary: 'Client listener for entity CustomerDeleteEvent',
  })
  @ApiBody({ type: CustomerDeleteEventDto, description: 'The event data' })
  @ApiCreatedResponse({ description: NOTIFIED })
  deleteEvent(@Req() request: FastifyRequest): void {
    this.listener.receive('CustomerDeleteEvent', request.body, mediaType(request));
  }
}

function mediaType(request: FastifyRequest): string | undefined {
  return mediaTypeOf(request.headers['content-type']);
}
