import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, ValidateNested } from 'class-validator';

import { DateTimeAttribute, NestedAttribute, StringAttribute } from '@app/tmf-common';
import { CustomerCreateDto, CustomerDto } from '@server/customer/customer.contract';

/** The customer inside an incoming event: a whole TMF629 Customer, with its id and href. */
export class EventCustomerDto extends CustomerCreateDto {
  @StringAttribute({ required: true })
  id!: string;

  @StringAttribute({ required: true })
  href!: string;
}

abstract class CustomerEventPayloadDto {
  @ApiProperty({ type: CustomerDto, description: 'The involved resource data for the event' })
  @IsDefined({ message: 'event.customer is required' })
  @Type(() => EventCustomerDto)
  @ValidateNested()
  @IsObject()
  customer!: EventCustomerDto;
}

@ApiSchema({ name: 'CustomerCreateEventPayload', description: 'The event data structure' })
export class CustomerCreateEventPayloadDto extends CustomerEventPayloadDto {}

@ApiSchema({
  name: 'CustomerAttributeValueChangeEventPayload',
  description: 'The event data structure',
})
export class CustomerAttributeValueChangeEventPayloadDto extends CustomerEventPayloadDto {}

@ApiSchema({ name: 'CustomerStateChangeEventPayload', description: 'The event data structure' })
export class CustomerStateChangeEventPayloadDto extends CustomerEventPayloadDto {}

@ApiSchema({ name: 'CustomerDeleteEventPayload', description: 'The event data structure' })
export class CustomerDeleteEventPayloadDto extends CustomerEventPayloadDto {}

/** Envelope attributes common to the four TMF629 v4 events. */
abstract class CustomerEventDto {
  @StringAttribute({ description: 'The identifier of the notification.' })
  eventId?: string;

  @DateTimeAttribute({ description: 'Time of the event occurrence.' })
  eventTime?: string;

  @StringAttribute({ required: true, description: 'The type of the notification.' })
  eventType!: string;

  @StringAttribute({ description: 'The correlation id for this event.' })
  correlationId?: string;

  @StringAttribute({ description: 'The domain of the event.' })
  domain?: string;

  @StringAttribute({ description: 'The title of the event.' })
  title?: string;

  @StringAttribute({ description: 'An explanatory of the event.' })
  description?: string;

  @StringAttribute({ description: 'A priority.' })
  priority?: string;

  @DateTimeAttribute({ description: 'The time the event occured.' })
  timeOcurred?: string;
}

abstract class CustomerResourceEventDto extends CustomerEventDto {
  @StringAttribute({ description: 'Identifier of the resource involved in the event' })
  id?: string;

  @StringAttribute({ description: 'Reference of the resource involved in the event' })
  href?: string;
}

@ApiSchema({ name: 'CustomerCreateEvent', description: 'The notification data structure' })
export class CustomerCreateEventDto extends CustomerResourceEventDto {
  @NestedAttribute(() => CustomerCreateEventPayloadDto, {
    required: true,
    description: 'The event payload linked to the involved resource object',
  })
  event!: CustomerCreateEventPayloadDto;
}

@ApiSchema({
  name: 'CustomerAttributeValueChangeEvent',
  description: 'The notification data structure',
})
export class CustomerAttributeValueChangeEventDto extends CustomerEventDto {
  @StringAttribute({
    description:
      'The path identifying the object field concerned by this notification (this server: the changed first-level attributes, comma-separated)',
  })
  fieldPath?: string;

  @NestedAttribute(() => CustomerAttributeValueChangeEventPayloadDto, {
    required: true,
    description: 'The event payload linked to the involved resource object',
  })
  event!: CustomerAttributeValueChangeEventPayloadDto;
}

@ApiSchema({ name: 'CustomerStateChangeEvent', description: 'The notification data structure' })
export class CustomerStateChangeEventDto extends CustomerResourceEventDto {
  @NestedAttribute(() => CustomerStateChangeEventPayloadDto, {
    required: true,
    description: 'The event payload linked to the involved resource object',
  })
  event!: CustomerStateChangeEventPayloadDto;
}

@ApiSchema({ name: 'CustomerDeleteEvent', description: 'The notification data structure' })
export class CustomerDeleteEventDto extends CustomerResourceEventDto {
  @NestedAttribute(() => CustomerDeleteEventPayloadDto, {
    required: true,
    description: 'The event payload linked to the involved resource object',
  })
  event!: CustomerDeleteEventPayloadDto;
}
