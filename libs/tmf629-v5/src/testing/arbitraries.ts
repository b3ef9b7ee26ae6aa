import fc from 'fast-check';

import { JsonObject, JsonValue } from '@app/tmf-common/core';

import { MEDIUM_KINDS } from '@app/tmf629-v5/mapping/contact-medium.mapping';
import { customerToV4, customerToV5 } from '@app/tmf629-v5/mapping/customer.mapping';

// fast-check generators of v4 documents and v5 customers for the round-trip properties. Small
// value pools on purpose: equal and near-equal elements are where element matching can go wrong.

const text = fc.constantFrom('a', 'b', 'Moon', 'x y', 'é');
const ref = fc.constantFrom('1', '2', 'org-1', 'ind-7');
const instant = fc.constantFrom('2024-01-01T00:00:00Z', '2025-06-30T12:00:00+02:00');
const number = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
  .map((n) => (Object.is(n, -0) ? 0 : n));

/** Any JSON value but `null` (neither version stores one). */
export const anyValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.boolean(),
    fc.integer({ min: -5, max: 5 }),
    number,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('k', 'l'), tie('value'), { maxKeys: 2, noNullPrototype: true }),
  ),
})).value;

function optional<T extends Record<string, fc.Arbitrary<unknown>>>(
  required: T,
  optionalKeys: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<JsonObject> {
  return fc.record(
    { ...required, ...optionalKeys },
    {
      requiredKeys: Object.keys(required),
      noNullPrototype: true,
    },
  ) as unknown as fc.Arbitrary<JsonObject>;
}

const timePeriod = optional({}, { startDateTime: instant, endDateTime: instant });

// ---- v4 ----

const v4Party = optional(
  { id: ref, '@referredType': fc.constantFrom('Organization', 'Individual') },
  { href: text, name: text, role: text, '@type': fc.constantFrom('RelatedParty', 'PartyRef') },
);

const v4Medium = optional(
  {
    mediumType: fc.constantFrom(
      'email',
      'phone',
      'Mobile',
      'telephone',
      'fax',
      'postalAddress',
      'social',
      'pager',
      'other',
    ),
    characteristic: optional(
      {},
      {
        emailAddress: text,
        phoneNumber: text,
        faxNumber: text,
        socialNetworkId: text,
        city: text,
        street1: text,
        country: text,
        contactType: text,
        '@type': fc.constant('MediumCharacteristic'),
      },
    ),
  },
  { preferred: fc.boolean(), validFor: timePeriod, '@type': fc.constant('ContactMedium') },
);

const v4Characteristic = optional(
  { name: text, value: anyValue },
  { valueType: text, '@type': fc.constant('Characteristic') },
);

const v4CreditProfile = optional(
  { creditProfileDate: instant, validFor: timePeriod },
  { creditScore: fc.integer({ min: 0, max: 900 }), '@type': fc.constant('CreditProfile') },
);

const v4Reference = optional({ id: ref }, { name: text, '@referredType': text });

/** Distinct in their v5 view: v5 cannot tell two elements with equal views apart. */
function distinctInV5(array: string, element: fc.Arbitrary<JsonObject>) {
  return fc.uniqueArray(element, {
    maxLength: 3,
    selector: (e) => JSON.stringify(customerToV5({ [array]: [e] })[array]),
  });
}

/** A v4 document (with v4-only details: spellings, v4 `@type`s, roles, stray medium fields). */
export const v4Document: fc.Arbitrary<JsonObject> = optional(
  { '@type': fc.constant('Customer'), name: text, engagedParty: v4Party },
  {
    status: text,
    statusReason: text,
    validFor: timePeriod,
    contactMedium: distinctInV5('contactMedium', v4Medium),
    characteristic: distinctInV5('characteristic', v4Characteristic),
    creditProfile: distinctInV5('creditProfile', v4CreditProfile),
    relatedParty: distinctInV5('relatedParty', v4Party),
    account: distinctInV5('account', v4Reference),
    paymentMethod: distinctInV5('paymentMethod', v4Reference),
  },
);

// ---- v5 ----

const v5Medium = fc
  .constantFrom(
    ['EmailContactMedium', ['emailAddress']],
    ['PhoneContactMedium', ['phoneNumber']],
    ['FaxContactMedium', ['faxNumber']],
    ['SocialContactMedium', ['socialNetworkId']],
    ['GeographicAddressContactMedium', ['street1', 'city', 'postCode', 'country']],
    ['ContactMedium', []],
  )
  .chain(([type, fields]) =>
    optional(
      { '@type': fc.constant(type as string) },
      {
        id: ref,
        preferred: fc.boolean(),
        contactType: text,
        validFor: timePeriod,
        ...Object.fromEntries((fields as unknown as string[]).map((f) => [f, text])),
        ...(type === 'GeographicAddressContactMedium'
          ? {
              geographicAddress: optional(
                { '@type': fc.constant('GeographicAddressRef') },
                { id: ref },
              ),
            }
          : {}),
      },
    ),
  );

const v5Characteristic = optional(
  {
    '@type': fc.constantFrom(
      'StringCharacteristic',
      'BooleanCharacteristic',
      'IntegerCharacteristic',
      'NumberCharacteristic',
      'FloatCharacteristic',
      'ObjectCharacteristic',
      'StringArrayCharacteristic',
      'IntegerArrayCharacteristic',
      'ObjectArrayCharacteristic',
      'Characteristic',
    ),
    name: text,
  },
  {
    id: ref,
    valueType: text,
    value: anyValue,
    characteristicRelationship: fc.array(
      optional(
        { '@type': fc.constant('CharacteristicRelationship') },
        { id: ref, relationshipType: text },
      ),
      { maxLength: 2 },
    ),
  },
);

const partyRef = optional(
  { '@type': fc.constantFrom('PartyRef', 'MyPartyRef'), id: ref },
  { href: text, name: text, '@referredType': text },
);

const partyOrPartyRole = fc.oneof(
  partyRef,
  optional(
    { '@type': fc.constant('PartyRoleRef'), id: ref },
    { name: text, partyId: ref, partyName: text },
  ),
  optional({ '@type': fc.constant('Individual'), id: ref }, { givenName: text, familyName: text }),
);

const v5RelatedParty = optional(
  { '@type': fc.constantFrom('RelatedPartyOrPartyRole', 'RelatedPartyRefOrPartyRoleRef') },
  { role: text, partyOrPartyRole },
);

const v5CreditProfile = optional(
  { '@type': fc.constant('CreditProfile') },
  {
    id: ref,
    href: text,
    creditProfileDate: instant,
    creditScore: fc.integer(),
    validFor: timePeriod,
  },
);

function v5Reference(type: string) {
  return optional({ '@type': fc.constant(type), id: ref }, { name: text, '@referredType': text });
}

/** Distinct in their v4 form: v4 cannot tell two elements with equal v4 forms apart. */
function distinctInV4(array: string, element: fc.Arbitrary<JsonObject>) {
  return fc.uniqueArray(element, {
    maxLength: 3,
    selector: (e) => JSON.stringify(customerToV4({ [array]: [e] })[array]),
  });
}

/** A v5 customer (without `id`/`href`), using what only v5 can express. */
export const v5Customer: fc.Arbitrary<JsonObject> = optional(
  { '@type': fc.constantFrom('Customer', 'VipCustomer'), name: text, engagedParty: partyRef },
  {
    description: text,
    role: text,
    partyRoleSpecification: optional(
      { '@type': fc.constant('PartyRoleSpecificationRef'), id: ref },
      { name: text },
    ),
    status: text,
    validFor: timePeriod,
    contactMedium: distinctInV4('contactMedium', v5Medium),
    characteristic: distinctInV4('characteristic', v5Characteristic),
    creditProfile: distinctInV4('creditProfile', v5CreditProfile),
    relatedParty: distinctInV4('relatedParty', v5RelatedParty),
    account: distinctInV4('account', v5Reference('AccountRef')),
    agreement: distinctInV4('agreement', v5Reference('AgreementRef')),
  },
);

/** Any object built from the customer's attribute names, with any values: for totality. */
export const chaosCustomer: fc.Arbitrary<JsonObject> = fc.dictionary(
  fc.constantFrom(
    '@type',
    'name',
    'engagedParty',
    'contactMedium',
    'characteristic',
    'relatedParty',
    'creditProfile',
    'account',
    'description',
    'x',
  ),
  fc.oneof(
    anyValue,
    fc.array(
      fc.dictionary(
        fc.constantFrom(
          '@type',
          'mediumType',
          'characteristic',
          'emailAddress',
          'role',
          'partyOrPartyRole',
          'value',
          'id',
        ),
        anyValue,
        { maxKeys: 4, noNullPrototype: true },
      ),
      { maxLength: 3 },
    ),
  ),
  { maxKeys: 6, noNullPrototype: true },
);

/**
 * A v4 document whose contact media hold only their own subtype's attributes, under any spelling
 * of the subtype that `contactMedium.@type` filters translate to (no v4-only stray attributes).
 */
export const v4ConsistentDocument: fc.Arbitrary<JsonObject> = v4Document.chain((document) =>
  fc
    .array(
      fc
        .constantFrom(...MEDIUM_KINDS)
        .chain((kind) =>
          fc.tuple(
            fc.constantFrom(
              ...kind.spellings.flatMap((s) => [
                s,
                s.toLowerCase(),
                s[0].toUpperCase() + s.slice(1),
              ]),
            ),
            optional({}, Object.fromEntries(['contactType', ...kind.fields].map((f) => [f, text]))),
            fc.option(fc.boolean(), { nil: undefined }),
          ),
        )
        .map(([mediumType, characteristic, preferred]): JsonObject => ({
          mediumType,
          characteristic,
          ...(preferred === undefined ? {} : { preferred }),
        })),
      { maxLength: 3 },
    )
    .map((contactMedium) => ({ ...document, contactMedium })),
);
