import { ApiSchema } from '@nestjs/swagger';

import { DateTimeAttribute } from '@app/tmf-common';

@ApiSchema({
  name: 'TimePeriod',
  description:
    'A period of time, either as a deadline or as a range; it may not end before it starts (a 400)',
})
export class TimePeriodDto {
  @DateTimeAttribute({ description: 'Start of the time period' })
  startDateTime?: string;

  @DateTimeAttribute({ description: 'End of the time period' })
  endDateTime?: string;
}
