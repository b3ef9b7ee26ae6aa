import { ApiSchema } from '@nestjs/swagger';

import { ExtensibleDto, NestedAttribute, StringAttribute } from '@app/tmf-common';

import { CharacteristicDto } from './characteristic.dto';
import { ContactMediumDto } from './contact-medium.dto';
import { CreditProfileDto } from './credit-profile.dto';
import { AccountRefDto, AgreementRefDto, PaymentMethodRefDto } from './entity-refs.dto';
import { RelatedPartyDto } from './related-party.dto';
import { TimePeriodDto } from './time-period.dto';

// Length limits keep the indexed columns (name, status, @type, engagedParty.id) exact on MySQL.
export const NAME_MAX_LENGTH = 512;
export const STATUS_MAX_LENGTH = 100;

/**
 * TMF629 v4 `Customer_Create` with the TMF629B conformance rules: `name` and `engagedParty` (with
 * `id` and `@referredType`) are required, and so are the mandatory attributes of each sub-resource.
 * Also the rule set applied to the whole resource after every PATCH.
 */
@ApiSchema({
  name: 'Customer_Create',
  description:
    'A Customer is a role played by a party (individual or organization) that has a relationship with the company. Skipped properties: id,href',
})
export class CustomerCreateDto extends ExtensibleDto {
  @StringAttribute({
    required: true,
    maxLength: NAME_MAX_LENGTH,
    description:
      'A word, term, or phrase by which the customer is known and distinguished from other customers',
  })
  name!: string;

  @StringAttribute({
    maxLength: STATUS_MAX_LENGTH,
    description: 'Used to track the lifecycle status of the customer',
  })
  status?: string;

  @StringAttribute({
    description: 'A string providing an explanation on the value of the status lifecycle',
  })
  statusReason?: string;

  @NestedAttribute(() => RelatedPartyDto, {
    required: true,
    description: 'The party (individual or organization) playing the customer role',
  })
  engagedParty!: RelatedPartyDto;

  @NestedAttribute(() => AccountRefDto, { isArray: true })
  account?: AccountRefDto[];

  @NestedAttribute(() => AgreementRefDto, { isArray: true })
  agreement?: AgreementRefDto[];

  @NestedAttribute(() => CharacteristicDto, {
    isArray: true,
    description: 'Describes the characteristic of a customer',
  })
  characteristic?: CharacteristicDto[];

  @NestedAttribute(() => ContactMediumDto, { isArray: true })
  contactMedium?: ContactMediumDto[];

  @NestedAttribute(() => CreditProfileDto, { isArray: true })
  creditProfile?: CreditProfileDto[];

  @NestedAttribute(() => PaymentMethodRefDto, { isArray: true })
  paymentMethod?: PaymentMethodRefDto[];

  @NestedAttribute(() => RelatedPartyDto, { isArray: true })
  relatedParty?: RelatedPartyDto[];

  @NestedAttribute(() => TimePeriodDto, {
    description: 'The time period that the Customer is valid for',
  })
  validFor?: TimePeriodDto;
}
