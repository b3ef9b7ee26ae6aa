import { Delete, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiTmfErrors } from '@app/tmf-common';

import { EventSubscriptionDto, EventSubscriptionInputDto } from './dto/event-subscription.dto';
import { HubController, registerFrom } from './hub-controller';
import { HUB_PATH, SubscriptionService } from './subscription.service';

@ApiTmfErrors(400, 401, 403, 405, 500)
@HubController(HUB_PATH.slice(1))
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'registerListener',
    summary: 'Register a listener',
    description:
      'Subscribes `callback` to the events matching `query` (TMF630 filter over the event; empty: all). Events are POSTed as JSON, at least once, with a stable eventId. See docs/hub.md.',
  })
  @ApiBody({ type: EventSubscriptionInputDto, description: 'The callback and its filter' })
  @ApiCreatedResponse({ type: EventSubscriptionDto, description: 'Subscribed; Location names it' })
  @ApiTmfErrors(409, 415)
  async register(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EventSubscriptionDto> {
    return registerFrom(request, reply, (body, type) => this.subscriptions.register(body, type));
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'retrieveListener',
    summary: 'Retrieves a listener (extension, as in TMF v5)',
  })
  @ApiParam({ name: 'id', description: 'Identifier of the listener' })
  @ApiOkResponse({ type: EventSubscriptionDto })
  @ApiTmfErrors(404)
  async retrieve(@Param('id') id: string): Promise<EventSubscriptionDto> {
    return (await this.subscriptions.get(id)).body;
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'unregisterListener',
    summary: 'Unregister a listener',
    description: 'Deliveries still queued for it are dropped.',
  })
  @ApiParam({ name: 'id', description: 'The id of the registered listener' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiTmfErrors(404)
  async unregister(@Param('id') id: string): Promise<void> {
    await this.subscriptions.unregister(id);
  }
}
