import { defineQuerySchema, SchemaObject } from '@app/tmf-query';

// TMF629 v4.0.0 `definitions/*` (see shared/tmf629/NOTES.md §3); `@schemaLocation` is a uri string.
const polymorphic: SchemaObject = {
  '@baseType': 'string',
  '@schemaLocation': 'string',
  '@type': 'string',
};

const timePeriod: SchemaObject = { startDateTime: 'date-time', endDateTime: 'date-time' };

const entityRef: SchemaObject = {
  id: 'string',
  href: 'string',
  name: 'string',
  ...polymorphic,
  '@referredType': 'string',
};

const relatedParty: SchemaObject = { ...entityRef, role: 'string' };

const mediumCharacteristic: SchemaObject = {
  city: 'string',
  contactType: 'string',
  country: 'string',
  emailAddress: 'string',
  faxNumber: 'string',
  phoneNumber: 'string',
  postCode: 'string',
  socialNetworkId: 'string',
  stateOrProvince: 'string',
  street1: 'string',
  street2: 'string',
  ...polymorphic,
};

/** The TMF629 v4 `Customer` resource as a schema tree (every attribute and sub-resource). */
export const customerSchemaTree: SchemaObject = {
  id: 'string',
  href: 'string',
  name: 'string',
  status: 'string',
  statusReason: 'string',
  account: [{ ...entityRef, description: 'string' }],
  agreement: [entityRef],
  characteristic: [{ name: 'string', valueType: 'string', value: 'any', ...polymorphic }],
  contactMedium: [
    {
      mediumType: 'string',
      preferred: 'boolean',
      characteristic: mediumCharacteristic,
      validFor: timePeriod,
      ...polymorphic,
    },
  ],
  creditProfile: [
    {
      creditProfileDate: 'date-time',
      creditRiskRating: 'integer',
      creditScore: 'integer',
      validFor: timePeriod,
      ...polymorphic,
    },
  ],
  engagedParty: relatedParty,
  paymentMethod: [entityRef],
  relatedParty: [relatedParty],
  validFor: timePeriod,
  ...polymorphic,
};

/**
 * Schema descriptor of the TMF629 v4 `Customer`: every attribute and sub-resource attribute that can be
 * filtered, sorted or selected. Arrays: `account`, `agreement`, `characteristic`, `contactMedium`,
 * `creditProfile`, `paymentMethod`, `relatedParty`.
 */
export const customerQuerySchema = defineQuerySchema('Customer', customerSchemaTree);
