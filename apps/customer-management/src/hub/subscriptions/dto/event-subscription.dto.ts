import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Length } from 'class-validator';

import { StringAttribute } from '@app/tmf-common';

export const CALLBACK_MAX_LENGTH = 2048;
export const QUERY_MAX_LENGTH = 4096;

@ApiSchema({
  name: 'EventSubscriptionInput',
  description:
    'Sets the communication endpoint address the service instance must use to deliver notification information',
})
export class EventSubscriptionInputDto {
  @StringAttribute({
    required: true,
    format: 'uri',
    maxLength: CALLBACK_MAX_LENGTH,
    description:
      'The callback being registered: an absolute http(s) URL that receives each event as a JSON POST',
  })
  callback!: string;

  @StringAttribute({
    maxLength: QUERY_MAX_LENGTH,
    description:
      'TMF630 filter over the event, e.g. `eventType=CustomerCreateEvent,CustomerDeleteEvent&event.customer.status=approved`; absent or empty: every event',
  })
  query?: string;

  /** Extension: HMAC key for the X-Hub-Signature header. Write-only. */
  @StringAttribute({
    description:
      'Extension: shared secret (16 to 512 characters). Each delivery then carries `X-Hub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Never returned.',
  })
  @Length(16, 512)
  secret?: string;
}

@ApiSchema({
  name: 'EventSubscription',
  description:
    'Sets the communication endpoint address the service instance must use to deliver notification information',
})
export class EventSubscriptionDto {
  @ApiProperty({ description: 'Id of the listener' })
  id!: string;

  @ApiProperty({ description: 'The callback being registered.', format: 'uri' })
  callback!: string;

  @ApiPropertyOptional({ description: 'additional data to be passed (the filter)' })
  query?: string;
}
