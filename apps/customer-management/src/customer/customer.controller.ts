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
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiTmfErrors, mediaTypeOf } from '@app/tmf-common';
import { RequireScope } from '@server/auth/scopes.decorator';
import { AppConfig } from '@server/config/app-config';
import { LeanRoutes } from '@server/http/lean-routes';

import { ApiListQuery, FIELDS_QUERY } from './customer-query.openapi';
import { fieldsParam } from './fields-param';
import { header, rawQuery, sendCustomer, sendPage, sendRetrieved } from './customer-http';
import { CUSTOMER_PATH } from './customer.mapper';
import { CustomerService } from './customer.service';
import { CustomerCreateDto } from './dto/customer-create.dto';
import { CustomerUpdateDto } from './dto/customer-update.dto';
import { CustomerDto } from './dto/customer.dto';

@ApiTags('customer')
@LeanRoutes()
@ApiBearerAuth()
@ApiExtraModels(CustomerDto)
@ApiTmfErrors(400, 401, 403, 405, 409, 500)
@Controller(CUSTOMER_PATH.slice(1))
export class CustomerController {
  constructor(
    private readonly customers: CustomerService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @RequireScope('write')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ operationId: 'createCustomer', summary: 'Creates a Customer' })
  @ApiBody({ type: CustomerCreateDto, description: 'The Customer to be created' })
  @ApiCreatedResponse({ type: CustomerDto, description: 'Created; Location is the new href' })
  @ApiTmfErrors(413, 415)
  async create(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const view = await this.customers.create(
      request.body,
      mediaTypeOf(request.headers['content-type']),
    );
    void reply.header('location', view.href);
    return sendCustomer(reply, view);
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({
    operationId: 'listCustomer',
    summary: 'List or find Customer objects',
    description:
      'TMF630 Part 1 query: attribute filters on any attribute path, `sort`, `fields`, `offset` or `cursor`, and `limit`. ' +
      'A page that holds every match is a 200, a partial one a 206 with a `Link` header (RFC 8288): `first` and `last` ' +
      'are offsets, `next` and `prev` keyset cursors (`cursor=...&limit=...`) whose pages cost the same at any depth. ' +
      '`X-Total-Count` is exact on every page.',
  })
  @ApiListQuery()
  @ApiOkResponse({
    description: 'Success',
    schema: { type: 'array', items: { $ref: getSchemaPath(CustomerDto) } },
    headers: {
      'X-Result-Count': {
        description: 'Actual number of items returned in the response body',
        schema: { type: 'integer' },
      },
      'X-Total-Count': {
        description: 'Total number of items matching criteria',
        schema: { type: 'integer' },
      },
      Link: {
        description:
          'RFC 8288 links to the first, prev, next and last pages (prev and next as keyset cursors), keeping the rest of the query',
        schema: { type: 'string' },
      },
    },
  })
  async list(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const raw = rawQuery(request);
    const page = await this.customers.list(raw);
    return sendPage(reply, `${this.config.publicBaseUrl}${CUSTOMER_PATH}`, raw, page);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ operationId: 'retrieveCustomer', summary: 'Retrieves a Customer by ID' })
  @ApiParam({ name: 'id', description: 'Identifier of the Customer' })
  @ApiQuery(FIELDS_QUERY)
  @ApiOkResponse({ type: CustomerDto })
  @ApiTmfErrors(404)
  async retrieve(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const view = await this.customers.get(id, fieldsParam(rawQuery(request)));
    return sendRetrieved(request, reply, view);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOperation({
    operationId: 'patchCustomer',
    summary: 'Updates partially a Customer',
    description:
      'JSON Merge Patch (RFC 7386), sent as application/merge-patch+json or application/json.',
  })
  @ApiParam({ name: 'id', description: 'Identifier of the Customer' })
  @ApiBody({ type: CustomerUpdateDto, description: 'The Customer to be updated' })
  @ApiOkResponse({ type: CustomerDto, description: 'Updated' })
  @ApiTmfErrors(404, 413, 415)
  async patch(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const view = await this.customers.patch(
      id,
      request.body,
      request.headers['content-type'],
      header(request, 'if-match'),
    );
    return sendCustomer(reply, view);
  }

  @Delete(':id')
  @RequireScope('write')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'deleteCustomer', summary: 'Deletes a Customer' })
  @ApiParam({ name: 'id', description: 'Identifier of the Customer' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiTmfErrors(404)
  async delete(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.customers.delete(id, header(request, 'if-match'));
  }
}
