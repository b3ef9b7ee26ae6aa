import { ApiSchema } from '@nestjs/swagger';

import { ExtensibleDto, StringAttribute } from '@app/tmf-common';

// The three *Ref sub-resources differ only in which attribute is mandatory.

@ApiSchema({ name: 'AccountRef', description: 'Account reference' })
export class AccountRefDto extends ExtensibleDto {
  @StringAttribute({ description: 'Unique identifier of the account' })
  id?: string;

  @StringAttribute({ description: 'Reference of the account' })
  href?: string;

  @StringAttribute({ description: 'Detailed description of the account' })
  description?: string;

  @StringAttribute({ required: true, description: 'Name of the account' })
  name!: string;

  @StringAttribute({ description: 'The actual type of the target instance' })
  '@referredType'?: string;
}

@ApiSchema({ name: 'AgreementRef', description: 'Agreement reference' })
export class AgreementRefDto extends ExtensibleDto {
  @StringAttribute({ required: true, description: 'Unique identifier of the agreement' })
  id!: string;

  @StringAttribute({ description: 'Reference of the agreement' })
  href?: string;

  @StringAttribute({ description: 'Name of the agreement' })
  name?: string;

  @StringAttribute({ description: 'The actual type of the target instance' })
  '@referredType'?: string;
}

@ApiSchema({ name: 'PaymentMethodRef', description: 'Payment method reference' })
export class PaymentMethodRefDto extends ExtensibleDto {
  @StringAttribute({ required: true, description: 'Unique identifier of the payment method' })
  id!: string;

  @StringAttribute({ description: 'Reference of the payment method' })
  href?: string;

  @StringAttribute({ description: 'Name of the payment method' })
  name?: string;

  @StringAttribute({ description: 'The actual type of the target instance' })
  '@referredType'?: string;
}
