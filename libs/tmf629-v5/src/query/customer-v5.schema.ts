import { defineQuerySchema, SchemaObject } from '@app/tmf-query';

// TMF629 v5.0.1 `Customer` (= `PartyRole`) as a query schema tree: every attribute a v5 filter, sort
// or `fields` may name. Parsing against it types the values; `translateV5Query` then maps the paths
// onto the stored (v4) ones.

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
  '@referredType': 'string',
  ...polymorphic,
};

export const customerV5SchemaTree: SchemaObject = {
  id: 'string',
  href: 'string',
  name: 'string',
  description: 'string',
  role: 'string',
  status: 'string',
  statusReason: 'string',
  validFor: timePeriod,
  engagedParty: entityRef,
  partyRoleSpecification: entityRef,
  account: [entityRef],
  agreement: [entityRef],
  paymentMethod: [entityRef],
  characteristic: [
    {
      id: 'string',
      name: 'string',
      valueType: 'string',
      value: 'any',
      characteristicRelationship: [{ id: 'string', relationshipType: 'string', ...polymorphic }],
      ...polymorphic,
    },
  ],
  contactMedium: [
    {
      id: 'string',
      preferred: 'boolean',
      contactType: 'string',
      validFor: timePeriod,
      emailAddress: 'string',
      phoneNumber: 'string',
      faxNumber: 'string',
      socialNetworkId: 'string',
      street1: 'string',
      street2: 'string',
      city: 'string',
      postCode: 'string',
      stateOrProvince: 'string',
      country: 'string',
      geographicAddress: entityRef,
      ...polymorphic,
    },
  ],
  creditProfile: [
    {
      id: 'string',
      href: 'string',
      creditProfileDate: 'date-time',
      creditRiskRating: 'integer',
      creditScore: 'integer',
      validFor: timePeriod,
      ...polymorphic,
    },
  ],
  relatedParty: [
    {
      role: 'string',
      partyOrPartyRole: { ...entityRef, partyId: 'string', partyName: 'string' },
      ...polymorphic,
    },
  ],
  ...polymorphic,
};

/** Schema descriptor of the TMF629 v5 `Customer`, for parsing v5 queries. */
export const customerV5QuerySchema = defineQuerySchema('Customer', customerV5SchemaTree);
