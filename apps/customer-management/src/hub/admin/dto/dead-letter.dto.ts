import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString } from 'class-validator';

import { Optional, StringAttribute } from '@app/tmf-common';

@ApiSchema({
  name: 'HubDeadLetter',
  description: 'A delivery that failed HUB_MAX_ATTEMPTS times (or was refused by the SSRF policy)',
})
export class DeadLetterDto {
  @ApiProperty({ description: 'Id of the delivery (use it to redrive or discard)' })
  id!: string;

  @ApiProperty()
  eventId!: string;

  @ApiProperty()
  eventType!: string;

  @ApiProperty()
  subscriptionId!: string;

  @ApiProperty({ nullable: true, type: String, description: 'Null when the subscription is gone' })
  callback!: string | null;

  @ApiProperty({ type: 'integer' })
  attempts!: number;

  @ApiProperty({ nullable: true, type: 'integer', description: 'HTTP status of the last attempt' })
  lastStatus!: number | null;

  @ApiProperty({ nullable: true, type: String })
  lastError!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  deadAt!: string;

  @ApiProperty({
    description: 'The event as it would be delivered',
    type: 'object',
    additionalProperties: true,
  })
  event!: unknown;
}

@ApiSchema({ name: 'HubRedriveRequest', description: 'Which dead letters to deliver again' })
export class RedriveRequestDto {
  @ApiPropertyOptional({ type: [String], description: 'Dead letter ids; absent: all' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(10000)
  @IsString({ each: true })
  ids?: string[];

  @StringAttribute({ description: 'Only the dead letters of this subscription' })
  subscriptionId?: string;
}

@ApiSchema({ name: 'HubRedriveResult' })
export class RedriveResultDto {
  @ApiProperty({ type: 'integer', description: 'Dead letters made pending again' })
  redriven!: number;
}

@ApiSchema({ name: 'HubStats', description: 'Delivery counts' })
export class HubStatsDto {
  @ApiProperty({ type: 'integer' })
  subscriptions!: number;

  @ApiProperty({ enum: ['db', 'nats'], description: 'HUB_TRANSPORT' })
  transport!: 'db' | 'nats';

  @ApiProperty({
    type: 'integer',
    description: 'Changes committed and not yet fanned out to subscriptions (db) or relayed (nats)',
  })
  changes!: number;

  @ApiProperty({
    description:
      "Deliveries: pending (due or waiting to retry), claimed (in flight), dead; with nats, pending and claimed include the JetStream consumers' backlog",
    example: { pending: 0, claimed: 0, dead: 0 },
  })
  deliveries!: { pending: number; claimed: number; dead: number };

  @ApiProperty({ type: 'integer', description: 'Events still stored in the outbox' })
  events!: number;

  @ApiProperty({
    description: 'Counters of this process since it started',
    example: { delivered: 0, failedAttempts: 0, deadLettered: 0, dropped: 0, inFlight: 0 },
  })
  process!: Record<string, number | boolean | string>;
}
