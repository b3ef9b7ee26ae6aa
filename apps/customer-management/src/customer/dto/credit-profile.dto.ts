import { ApiSchema } from '@nestjs/swagger';

import {
  DateTimeAttribute,
  ExtensibleDto,
  IntegerAttribute,
  NestedAttribute,
} from '@app/tmf-common';

import { TimePeriodDto } from './time-period.dto';

@ApiSchema({
  name: 'CreditProfile',
  description: 'Credit profile for the party (containing credit scoring, ...)',
})
export class CreditProfileDto extends ExtensibleDto {
  @DateTimeAttribute({ required: true, description: 'The date the profile was established' })
  creditProfileDate!: string;

  @IntegerAttribute({ description: 'This is an integer whose value is used to rate the risk' })
  creditRiskRating?: number;

  @IntegerAttribute({
    description:
      'A measure of a person or organizations creditworthiness calculated on the basis of a combination of factors such as their income and credit history',
  })
  creditScore?: number;

  @NestedAttribute(() => TimePeriodDto, {
    required: true,
    description: 'The period for which the profile is valid',
  })
  validFor!: TimePeriodDto;
}
