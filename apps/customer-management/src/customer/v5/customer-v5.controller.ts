import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { CUSTOMER_MANAGEMENT_V5, mediaTypeOf } from '@app/tmf-common';
import { RequireScope } from '@server/auth/scopes.decorator';
import { AppConfig } from '@server/config/app-config';
import { LeanRoutes } from '@server/http/lean-routes';

import { ApiListQuery } from '@server/customer/customer-query.openapi';
import {
  header,
  rawQuery,
  sendCustomer,
  sendPage,
  sendRetrieved,
} from '@server/customer/customer-http';
import { CustomerV5Service, v5FieldsParam } from './customer-v5.service';

// The v5 document's schemas are the official file's (openapi/v5-document.ts).
const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const FIELDS = {
  name: 'fields',
  required: false,
  type: 'string',
  description:
    'Comma-separated attributes of the v5 Customer to return (dotted paths reach nested ones; `none`: only `id`, `href`, `@type`)',
} as const;

/**
 * TMF629 v5 `/customer` (docs/v5.md), at `/tmf-api/customerManagement/v5` and, as the spec's
 * `servers` says, `/tmf-api/customer/v5`. Operation ids are the spec's.
 */
@ApiTags('customer')
@LeanRoutes()
@Controller([
  `${CUSTOMER_MANAGEMENT_V5.root}/customer`.slice(1),
  `${CUSTOMER_MANAGEMENT_V5.alias}/customer`.slice(1),
])
export class CustomerV5Controller {
  constructor(
    private readonly customers: CustomerV5Service,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({
    operationId: 'listCustomer',
    summary: 'List or find Customer objects',
    description:
      'TMF630 Part 1 query on v5 attribute paths (`contactMedium.emailAddress=`, `relatedParty.partyOrPartyRole.id=`, ...), `sort`, `fields`, `offset` or `cursor`, and `limit`; the same indexes as v4 answer it.',
  })
  @ApiListQuery()
  @ApiOkResponse({ description: 'Success', schema: { type: 'array', items: schema('Customer') } })
  async list(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const raw = rawQuery(request);
    const page = await this.customers.list(raw);
    const base = request.url.startsWith(
      `${this.config.apiPathPrefix}${CUSTOMER_MANAGEMENT_V5.alias}/`,
    )
      ? CUSTOMER_MANAGEMENT_V5.alias
      : CUSTOMER_MANAGEMENT_V5.root;
    return sendPage(reply, `${this.config.publicBaseUrl}${base}/customer`, raw, page);
  }

  @Post()
  @RequireScope('write')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    operationId: 'createCustomer',
    summary: 'Creates a Customer',
    description: 'This operation creates a Customer entity.',
  })
  @ApiQuery(FIELDS)
  @ApiBody({ description: 'The Customer to be created', schema: schema('Customer_FVO') })
  @ApiCreatedResponse({ description: 'OK/Created', schema: schema('Customer') })
  async create(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const fields = v5FieldsParam(rawQuery(request));
    const view = await this.customers.create(
      request.body,
      mediaTypeOf(request.headers['content-type']),
      fields,
    );
    void reply.header('location', view.href);
    return sendCustomer(reply, view);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    operationId: 'retrieveCustomer',
    summary: 'Retrieves a Customer by ID',
    description: 'This operation retrieves a Customer entity. Attribute selection (`fields`).',
  })
  @ApiParam({ name: 'id', description: 'Identifier of the Resource' })
  @ApiQuery(FIELDS)
  @ApiOkResponse({ description: 'Success', schema: schema('Customer') })
  async retrieve(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const view = await this.customers.get(id, v5FieldsParam(rawQuery(request)));
    return sendRetrieved(request, reply, view);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOperation({
    operationId: 'patchCustomer',
    summary: 'Updates partially a Customer',
    description:
      'JSON Merge Patch (`application/merge-patch+json` or `application/json`), JSON Patch or JSON Patch Query on the v5 representation; the result is validated whole with the create rules.',
  })
  @ApiParam({ name: 'id', description: 'Identifier of the Resource' })
  @ApiQuery(FIELDS)
  @ApiBody({ description: 'The Customer to be patched', schema: schema('Customer_MVO') })
  @ApiOkResponse({ description: 'Success', schema: schema('Customer') })
  async patch(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const fields = v5FieldsParam(rawQuery(request));
    const view = await this.customers.patch(
      id,
      request.body,
      request.headers['content-type'],
      header(request, 'if-match'),
      fields,
    );
    return sendCustomer(reply, view);
  }

  @Delete(':id')
  @RequireScope('write')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteCustomer',
    summary: 'Deletes a Customer',
    description: 'This operation deletes a Customer entity.',
  })
  @ApiParam({ name: 'id', description: 'Identifier of the Resource' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.customers.delete(id, header(request, 'if-match'));
  }
}
