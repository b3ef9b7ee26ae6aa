import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { CUSTOMER_MANAGEMENT_V5, mediaTypeOf } from '@app/tmf-common';
import { CustomerEventType } from '@server/hub/customer-event-envelope';

import { NotificationListenerService } from './notification-listener.service';

const body = (name: string) => ({
  description: `${name} payload`,
  schema: { $ref: `#/components/schemas/${name}` },
});

/** TMF629 v5 client-side listeners (both v5 roots): a v5 event is accepted with a 204. */
@ApiTags('notification listener')
@Controller([
  `${CUSTOMER_MANAGEMENT_V5.root}/listener`.slice(1),
  `${CUSTOMER_MANAGEMENT_V5.alias}/listener`.slice(1),
])
export class V5NotificationListenerController {
  constructor(private readonly listener: NotificationListenerService) {}

  @Post('customerAttributeValueChangeEvent')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'customerAttributeValueChangeEvent',
    summary: 'Client listener for entity CustomerAttributeValueChangeEvent',
  })
  @ApiBody(body('CustomerAttributeValueChangeEvent'))
  @ApiNoContentResponse({ description: 'Notified' })
  attributeValueChangeEvent(@Req() request: FastifyRequest): void {
    this.receive('CustomerAttributeValueChangeEvent', request);
  }

  @Post('customerCreateEvent')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'customerCreateEvent',
    summary: 'Client listener for entity CustomerCreateEvent',
  })
  @ApiBody(body('CustomerCreateEvent'))
  @ApiNoContentResponse({ description: 'Notified' })
  createEvent(@Req() request: FastifyRequest): void {
    this.receive('CustomerCreateEvent', request);
  }

  @Post('customerDeleteEvent')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'customerDeleteEvent',
    summary: 'Client listener for entity CustomerDeleteEvent',
  })
  @ApiBody(body('CustomerDeleteEvent'))
  @ApiNoContentResponse({ description: 'Notified' })
  deleteEvent(@Req() request: FastifyRequest): void {
    this.receive('CustomerDeleteEvent', request);
  }

  @Post('customerStateChangeEvent')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'customerStateChangeEvent',
    summary: 'Client listener for entity CustomerStateChangeEvent',
  })
  @ApiBody(body('CustomerStateChangeEvent'))
  @ApiNoContentResponse({ description: 'Notified' })
  stateChangeEvent(@Req() request: FastifyRequest): void {
    this.receive('CustomerStateChangeEvent', request);
  }

  private receive(eventType: CustomerEventType, request: FastifyRequest): void {
    this.listener.receiveV5(eventType, request.body, mediaTypeOf(request.headers['content-type']));
  }
}
