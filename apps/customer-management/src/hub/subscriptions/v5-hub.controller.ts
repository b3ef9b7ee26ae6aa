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

import { CUSTOMER_MANAGEMENT_V5 } from '@app/tmf-common';

import { HubController, registerFrom } from './hub-controller';
import { HubView, SubscriptionService } from './subscription.service';

const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * TMF629 v5 `/hub` at both v5 roots (docs/v5.md): `Hub_FVO` in, `Hub` out. A v5 subscription
 * receives v5 events, for changes made through either version; its query names v5 paths.
 */
@HubController([
  `${CUSTOMER_MANAGEMENT_V5.root}/hub`.slice(1),
  `${CUSTOMER_MANAGEMENT_V5.alias}/hub`.slice(1),
])
export class V5HubController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'createHub',
    summary: 'Create a subscription (hub) to receive Events',
    description:
      'Sets the communication endpoint to receive Events: v5 events matching `query` (TMF630 over the v5 event; empty: all).',
  })
  @ApiBody({ description: 'Data containing the callback endpoint', schema: schema('Hub_FVO') })
  @ApiCreatedResponse({ description: 'Notified', schema: schema('Hub') })
  async create(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HubView> {
    return registerFrom(request, reply, (body, type) => this.subscriptions.registerV5(body, type));
  }

  @Get(':id')
  @ApiOperation({ operationId: 'hubGet', summary: 'Retrieve a subscription (hub)' })
  @ApiParam({ name: 'id', description: 'Identifier of the Resource' })
  @ApiOkResponse({ description: 'Notified', schema: schema('Hub') })
  async get(@Param('id') id: string): Promise<HubView> {
    return this.subscriptions.getV5(id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'hubDelete',
    summary: 'Remove a subscription (hub) to receive Events',
  })
  @ApiParam({ name: 'id', description: 'Identifier of the Resource' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(@Param('id') id: string): Promise<void> {
    await this.subscriptions.unregister(id, 'v5');
  }
}
