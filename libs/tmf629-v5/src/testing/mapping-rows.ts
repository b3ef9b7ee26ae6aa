import { JsonObject } from '@app/tmf-common/core';

// Every row of the mapping table in docs/v5.md as a pair of customers, one per version, each valid
// by its version's create rules (so the end-to-end round trips can send them as they are).
// Each row is embedded in a minimal customer; `v5Only` is what the side bag must hold.

const ENGAGED_V4 = { id: '500', '@referredType': 'Organization' };
const ENGAGED_V5 = { '@type': 'PartyRef', id: '500', '@referredType': 'Organization' };

export function v4Customer(extra: JsonObject): JsonObject {
  return { '@type': 'Customer', name: 'Moon', engagedParty: ENGAGED_V4, ...extra };
}
export function v5Customer(extra: JsonObject): JsonObject {
  return { '@type': 'Customer', name: 'Moon', engagedParty: ENGAGED_V5, ...extra };
}

export interface MappingRow {
  row: string;
  v4: JsonObject;
  v5: JsonObject;
  /** The row's v4 form is what storing the v5 form writes (false: it is only read that way). */
  writes?: boolean;
  /** What the side bag holds after storing the v5 form. */
  v5Only?: JsonObject;
}

export const MAPPING_ROWS: MappingRow[] = [
  {
    row: 'root @type, name, status, statusReason, validFor: the same',
    v4: v4Customer({
      status: 'approved',
      statusReason: 'ok',
      validFor: { startDateTime: '2024-01-01T00:00:00Z' },
    }),
    v5: v5Customer({
      status: 'approved',
      statusReason: 'ok',
      validFor: { startDateTime: '2024-01-01T00:00:00Z' },
    }),
  },
  {
    row: 'description, role, partyRoleSpecification: v5 only',
    v4: v4Customer({}),
    v5: v5Customer({
      description: 'club',
      role: 'member',
      partyRoleSpecification: { '@type': 'PartyRoleSpecificationRef', id: 'prs-1' },
    }),
    v5Only: {
      root: {
        description: 'club',
        role: 'member',
        partyRoleSpecification: { '@type': 'PartyRoleSpecificationRef', id: 'prs-1' },
      },
    },
  },
  {
    row: 'engagedParty: RelatedParty ⇄ PartyRef (@type PartyRef)',
    v4: v4Customer({
      engagedParty: { id: '7', href: 'h', name: 'N', '@referredType': 'Individual' },
    }),
    v5: v5Customer({
      engagedParty: {
        '@type': 'PartyRef',
        id: '7',
        href: 'h',
        name: 'N',
        '@referredType': 'Individual',
      },
    }),
  },
  {
    row: 'engagedParty.role and v4 @type: v4 only (PartyRef has no role)',
    v4: v4Customer({
      engagedParty: { id: '7', role: 'owner', '@type': 'Organization', '@referredType': 'O' },
    }),
    v5: v5Customer({ engagedParty: { '@type': 'PartyRef', id: '7', '@referredType': 'O' } }),
    writes: false,
  },
  {
    row: 'engagedParty @type other than PartyRef: v5 only',
    v4: v4Customer({ engagedParty: { id: '7', '@referredType': 'O', '@schemaLocation': 's' } }),
    v5: v5Customer({
      engagedParty: {
        '@type': 'MyPartyRef',
        id: '7',
        '@referredType': 'O',
        '@schemaLocation': 's',
      },
    }),
    v5Only: { root: { engagedParty: { '@type': 'MyPartyRef' } } },
  },
  {
    row: 'relatedParty: flat RelatedParty ⇄ RelatedPartyOrPartyRole {role, partyOrPartyRole}',
    v4: v4Customer({
      relatedParty: [
        { id: '9', href: 'h', name: 'Jane', role: 'bill receiver', '@referredType': 'Individual' },
      ],
    }),
    v5: v5Customer({
      relatedParty: [
        {
          '@type': 'RelatedPartyOrPartyRole',
          role: 'bill receiver',
          partyOrPartyRole: {
            '@type': 'PartyRef',
            id: '9',
            href: 'h',
            name: 'Jane',
            '@referredType': 'Individual',
          },
        },
      ],
    }),
  },
  {
    row: 'relatedParty wrapper spelled RelatedPartyRefOrPartyRoleRef (the spec examples): kept',
    v4: v4Customer({ relatedParty: [{ id: '9', role: 'r', '@referredType': 'I' }] }),
    v5: v5Customer({
      relatedParty: [
        {
          '@type': 'RelatedPartyRefOrPartyRoleRef',
          role: 'r',
          partyOrPartyRole: { '@type': 'PartyRef', id: '9', '@referredType': 'I' },
        },
      ],
    }),
    v5Only: { elements: { relatedParty: [{ '@type': 'RelatedPartyRefOrPartyRoleRef' }] } },
  },
  {
    row: 'relatedParty partyOrPartyRole PartyRoleRef: partyId, partyName and @type v5 only',
    v4: v4Customer({
      relatedParty: [{ id: 'pr-1', name: 'Acme buyer', role: 'buyer', '@referredType': 'R' }],
    }),
    v5: v5Customer({
      relatedParty: [
        {
          '@type': 'RelatedPartyOrPartyRole',
          role: 'buyer',
          partyOrPartyRole: {
            '@type': 'PartyRoleRef',
            id: 'pr-1',
            name: 'Acme buyer',
            '@referredType': 'R',
            partyId: 'org-1',
            partyName: 'Acme',
          },
        },
      ],
    }),
    v5Only: {
      elements: {
        relatedParty: [
          { partyOrPartyRole: { '@type': 'PartyRoleRef', partyId: 'org-1', partyName: 'Acme' } },
        ],
      },
    },
  },
  {
    row: 'relatedParty v4 @type: v4 only',
    v4: v4Customer({
      relatedParty: [{ id: '9', role: 'r', '@type': 'RelatedParty', '@referredType': 'I' }],
    }),
    v5: v5Customer({
      relatedParty: [
        {
          '@type': 'RelatedPartyOrPartyRole',
          role: 'r',
          partyOrPartyRole: { '@type': 'PartyRef', id: '9', '@referredType': 'I' },
        },
      ],
    }),
    writes: false,
  },
  ...(
    [
      ['email', 'EmailContactMedium', { emailAddress: 'a@b.example' }],
      ['phone', 'PhoneContactMedium', { phoneNumber: '+33 1' }],
      ['fax', 'FaxContactMedium', { faxNumber: '+33 2' }],
      ['social', 'SocialContactMedium', { socialNetworkId: '@moon' }],
      [
        'postalAddress',
        'GeographicAddressContactMedium',
        {
          street1: '1 Rue',
          street2: 'bis',
          city: 'Paris',
          postCode: '75001',
          stateOrProvince: 'IDF',
          country: 'FR',
        },
      ],
    ] as [string, string, JsonObject][]
  ).map(([mediumType, type, fields]): MappingRow => ({
    row: `contactMedium mediumType ${mediumType} ⇄ ${type}; characteristic → flat attributes`,
    v4: v4Customer({
      contactMedium: [
        {
          mediumType,
          preferred: true,
          characteristic: { contactType: 'home', ...fields },
          validFor: { startDateTime: '2024-01-01T00:00:00Z' },
        },
      ],
    }),
    v5: v5Customer({
      contactMedium: [
        {
          '@type': type,
          preferred: true,
          validFor: { startDateTime: '2024-01-01T00:00:00Z' },
          contactType: 'home',
          ...fields,
        },
      ],
    }),
  })),
  {
    row: 'contactMedium mediumType spellings (telephone, mobile, e-mail...) read as the subtype, v4 keeps its own',
    v4: v4Customer({
      contactMedium: [{ mediumType: 'Mobile', characteristic: { phoneNumber: '06' } }],
    }),
    v5: v5Customer({ contactMedium: [{ '@type': 'PhoneContactMedium', phoneNumber: '06' }] }),
    writes: false,
  },
  {
    row: 'contactMedium with an unknown mediumType: the subtype its characteristic names',
    v4: v4Customer({
      contactMedium: [{ mediumType: 'pager', characteristic: { phoneNumber: '06' } }],
    }),
    v5: v5Customer({ contactMedium: [{ '@type': 'PhoneContactMedium', phoneNumber: '06' }] }),
    writes: false,
  },
  {
    row: 'contactMedium with an unknown mediumType and no or several kinds of address: base ContactMedium',
    v4: v4Customer({
      contactMedium: [
        {
          mediumType: 'other',
          preferred: false,
          characteristic: { contactType: 'any' },
        },
      ],
    }),
    v5: v5Customer({
      contactMedium: [{ '@type': 'ContactMedium', preferred: false, contactType: 'any' }],
    }),
  },
  {
    row: 'contactMedium attributes of another subtype, v4 @type and characteristic @type: v4 only',
    v4: v4Customer({
      contactMedium: [
        {
          mediumType: 'email',
          '@type': 'ContactMedium',
          characteristic: { emailAddress: 'a@b', city: 'Paris', '@type': 'MediumCharacteristic' },
        },
      ],
    }),
    v5: v5Customer({ contactMedium: [{ '@type': 'EmailContactMedium', emailAddress: 'a@b' }] }),
    writes: false,
  },
  {
    row: 'contactMedium id and geographicAddress: v5 only',
    v4: v4Customer({
      contactMedium: [{ mediumType: 'postalAddress', characteristic: { city: 'Paris' } }],
    }),
    v5: v5Customer({
      contactMedium: [
        {
          '@type': 'GeographicAddressContactMedium',
          id: 'cm-1',
          city: 'Paris',
          geographicAddress: { '@type': 'GeographicAddressRef', id: 'ga-1' },
        },
      ],
    }),
    v5Only: {
      elements: {
        contactMedium: [
          { id: 'cm-1', geographicAddress: { '@type': 'GeographicAddressRef', id: 'ga-1' } },
        ],
      },
    },
  },
  ...(
    [
      ['string', 'StringCharacteristic', 'gold'],
      ['boolean', 'BooleanCharacteristic', true],
      ['integer', 'IntegerCharacteristic', 12],
      ['number', 'NumberCharacteristic', 1.5],
      ['object', 'ObjectCharacteristic', { a: 1 }],
      ['string array', 'StringArrayCharacteristic', ['a', 'b']],
      ['boolean array', 'BooleanArrayCharacteristic', [true]],
      ['integer array', 'IntegerArrayCharacteristic', [1, 2]],
      ['number array', 'NumberArrayCharacteristic', [1, 2.5]],
      ['object array', 'ObjectArrayCharacteristic', [{ a: 1 }]],
      ['empty array', 'StringArrayCharacteristic', []],
      ['mixed array', 'Characteristic', [1, 'a']],
    ] as [string, string, JsonObject[string]][]
  ).map(([kind, type, value]): MappingRow => ({
    row: `characteristic value of type ${kind} ⇄ ${type}`,
    v4: v4Customer({ characteristic: [{ name: 'c', valueType: 'v', value }] }),
    v5: v5Customer({ characteristic: [{ '@type': type, name: 'c', valueType: 'v', value }] }),
  })),
  {
    row: 'characteristic typed otherwise than its value (FloatCharacteristic, NumberCharacteristic of an integer): v5 only',
    v4: v4Customer({ characteristic: [{ name: 'c', value: 2 }] }),
    v5: v5Customer({ characteristic: [{ '@type': 'NumberCharacteristic', name: 'c', value: 2 }] }),
    v5Only: { elements: { characteristic: [{ '@type': 'NumberCharacteristic' }] } },
  },
  {
    row: 'characteristic id and characteristicRelationship: v5 only; v4 @type: v4 only',
    v4: v4Customer({ characteristic: [{ name: 'c', value: 'x' }] }),
    v5: v5Customer({
      characteristic: [
        {
          '@type': 'StringCharacteristic',
          id: 'ch-1',
          name: 'c',
          value: 'x',
          characteristicRelationship: [
            { '@type': 'CharacteristicRelationship', id: 'ch-2', relationshipType: 'dependsOn' },
          ],
        },
      ],
    }),
    v5Only: {
      elements: {
        characteristic: [
          {
            id: 'ch-1',
            characteristicRelationship: [
              { '@type': 'CharacteristicRelationship', id: 'ch-2', relationshipType: 'dependsOn' },
            ],
          },
        ],
      },
    },
  },
  {
    row: 'creditProfile: the same attributes, @type CreditProfile; id and href v5 only',
    v4: v4Customer({
      creditProfile: [
        {
          creditProfileDate: '2023-06-01T10:00:00Z',
          creditScore: 700,
          validFor: { startDateTime: '2024-01-01T00:00:00Z' },
        },
      ],
    }),
    v5: v5Customer({
      creditProfile: [
        {
          '@type': 'CreditProfile',
          id: 'cp-1',
          href: 'h',
          creditProfileDate: '2023-06-01T10:00:00Z',
          creditScore: 700,
          validFor: { startDateTime: '2024-01-01T00:00:00Z' },
        },
      ],
    }),
    v5Only: { elements: { creditProfile: [{ id: 'cp-1', href: 'h' }] } },
  },
  ...(
    [
      ['account', 'AccountRef'],
      ['agreement', 'AgreementRef'],
      ['paymentMethod', 'PaymentMethodRef'],
    ] as const
  ).map(([array, type]): MappingRow => ({
    row: `${array}: the same reference, @type ${type}`,
    v4: v4Customer({ [array]: [{ id: 'r-1', name: 'n', '@referredType': 'X' }] }),
    v5: v5Customer({ [array]: [{ '@type': type, id: 'r-1', name: 'n', '@referredType': 'X' }] }),
  })),
  {
    row: 'extension attributes under @schemaLocation: the same in both',
    v4: v4Customer({
      '@type': 'VipCustomer',
      '@schemaLocation': 'https://schemas.example.com/VipCustomer.json',
      loyalty: { tier: 'gold' },
    }),
    v5: v5Customer({
      '@type': 'VipCustomer',
      '@schemaLocation': 'https://schemas.example.com/VipCustomer.json',
      loyalty: { tier: 'gold' },
    }),
  },
];
