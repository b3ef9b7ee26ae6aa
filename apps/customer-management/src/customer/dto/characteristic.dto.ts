import { ApiSchema } from '@nestjs/swagger';

import { AnyAttribute, ExtensibleDto, StringAttribute } from '@app/tmf-common';

@ApiSchema({
  name: 'Characteristic',
  description: 'Describes a given characteristic of an object or entity through a name/value pair',
})
export class CharacteristicDto extends ExtensibleDto {
  @StringAttribute({ required: true, description: 'Name of the characteristic' })
  name!: string;

  @StringAttribute({ description: 'Data type of the value of the characteristic' })
  valueType?: string;

  @AnyAttribute({ required: true, description: 'The value of the characteristic (any JSON value)' })
  value!: unknown;
}
