import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '@server/auth/scopes.decorator';

import { ApiTmfErrors } from '@app/tmf-common';

import {
  DeadLetterDto,
  HubStatsDto,
  RedriveRequestDto,
  RedriveResultDto,
} from './dto/dead-letter.dto';
import { HubAdminGuard } from './hub-admin.guard';
import { DEAD_LETTER_MAX_LIMIT, HubAdminService } from './hub-admin.service';

/** Operator endpoints for event delivery (not part of TMF629). */
@ApiTags('hub administration')
@ApiBearerAuth()
@ApiTmfErrors(400, 401, 500)
@RequireScope('hub')
@UseGuards(HubAdminGuard)
@Controller('hub-admin')
export class HubAdminController {
  constructor(private readonly admin: HubAdminService) {}

  @Get('dead-letters')
  @ApiOperation({
    operationId: 'listDeadLetters',
    summary: 'Deliveries that exhausted their attempts, oldest first',
  })
  @ApiQuery({
    name: 'subscriptionId',
    required: false,
    type: 'string',
    minLength: 1,
    description: 'Only the dead letters of this subscription',
  })
  @ApiQuery({ name: 'offset', required: false, type: 'integer', minimum: 0, example: 0 })
  @ApiQuery({
    name: 'limit',
    required: false,
    type: 'integer',
    minimum: 0,
    maximum: DEAD_LETTER_MAX_LIMIT,
    example: 100,
  })
  @ApiOkResponse({ type: DeadLetterDto, isArray: true, description: 'With X-Total-Count' })
  async deadLetters(
    @Query('subscriptionId') subscriptionId: string | undefined,
    @Query('offset') offset: string | undefined,
    @Query('limit') limit: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeadLetterDto[]> {
    const page = await this.admin.deadLetters({ subscriptionId, offset, limit });
    void reply
      .header('x-total-count', String(page.total))
      .header('x-result-count', String(page.items.length));
    return page.items;
  }

  @Post('dead-letters/redrive')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'redriveDeadLetters',
    summary:
      'Queues dead letters again with a fresh attempt budget (all, by id, or by subscription)',
  })
  @ApiBody({ type: RedriveRequestDto, required: false })
  @ApiOkResponse({ type: RedriveResultDto })
  async redrive(@Req() request: FastifyRequest): Promise<RedriveResultDto> {
    return { redriven: await this.admin.redrive(request.body) };
  }

  @Delete('dead-letters/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'discardDeadLetter', summary: 'Discards one dead letter' })
  @ApiParam({ name: 'id' })
  @ApiNoContentResponse({ description: 'Discarded' })
  @ApiTmfErrors(404)
  async discard(@Param('id') id: string): Promise<void> {
    await this.admin.discard(id);
  }

  @Get('stats')
  @ApiOperation({ operationId: 'hubStats', summary: 'Subscription and delivery counts' })
  @ApiOkResponse({ type: HubStatsDto })
  async stats(): Promise<HubStatsDto> {
    return this.admin.stats();
  }
}
