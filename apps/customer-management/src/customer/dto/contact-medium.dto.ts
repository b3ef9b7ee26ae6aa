import { ApiSchema } from '@nestjs/swagger';

import { BooleanAttribute, ExtensibleDto, NestedAttribute, StringAttribute } from '@app/tmf-common';

import { TimePeriodDto } from './time-period.dto';

@ApiSchema({
  name: 'MediumCharacteristic',
  description: 'Describes the contact medium characteristics that could be used to contact a party',
})
export class MediumCharacteristicDto extends ExtensibleDto {
  @StringAttribute({ description: 'The city' })
  city?: string;

  @StringAttribute({
    description:
      'The type of contact, for example: phone number such as mobile, fixed home, fixed office',
  })
  contactType?: string;

  @StringAttribute({ description: 'The country' })
  country?: string;

  @StringAttribute({ description: 'Full email address in standard format' })
  emailAddress?: string;

  @StringAttribute({ description: 'The fax number of the contact' })
  faxNumber?: string;

  @StringAttribute({ description: 'The primary phone number of the contact' })
  phoneNumber?: string;

  @StringAttribute({ description: 'Postcode' })
  postCode?: string;

  @StringAttribute({ description: 'Identifier as a member of a social network' })
  socialNetworkId?: string;

  @StringAttribute({ description: 'State or province' })
  stateOrProvince?: string;

  @StringAttribute({ description: 'Describes the street' })
  street1?: string;

  @StringAttribute({ description: 'Complementary street description' })
  street2?: string;
}

@ApiSchema({
  name: 'ContactMedium',
  description: 'Indicates the contact medium that could be used to contact the party',
})
export class ContactMediumDto extends ExtensibleDto {
  @StringAttribute({
    required: true,
    description:
      'Type of the contact medium, such as: email address, telephone number, postal address',
  })
  mediumType!: string;

  @BooleanAttribute({ description: 'If true, indicates that is the preferred contact medium' })
  preferred?: boolean;

  @NestedAttribute(() => MediumCharacteristicDto, {
    required: true,
    description: 'Any additional characteristic(s) of this contact medium',
  })
  characteristic!: MediumCharacteristicDto;

  @NestedAttribute(() => TimePeriodDto, {
    description: 'The time period that the contact medium is valid for',
  })
  validFor?: TimePeriodDto;
}
