import { ApiSchema } from '@nestjs/swagger';

import { ExtensibleDto, StringAttribute } from '@app/tmf-common';

@ApiSchema({
  name: 'RelatedParty',
  description: 'A party (individual or organization) and its role',
})
export class RelatedPartyDto extends ExtensibleDto {
  @StringAttribute({
    required: true,
    maxLength: 200,
    description: 'Unique identifier of the party',
  })
  id!: string;

  @StringAttribute({ maxLength: 2000, description: 'Reference of the related entity' })
  href?: string;

  @StringAttribute({ description: 'Name of the related entity' })
  name?: string;

  @StringAttribute({ description: 'Role played by the related party' })
  role?: string;

  @StringAttribute({
    required: true,
    maxLength: 200,
    description: 'The actual type of the target instance',
  })
  '@referredType'!: string;
}
