// The TMF629 v5.0.1 discriminator values the mapping writes (shared/tmf629-v5/*.oas.yaml).

/** `@type` of a nested object when the v4 document gives none that v5 can use. */
export const DEFAULT_TYPE = {
  customer: 'Customer',
  engagedParty: 'PartyRef',
  relatedParty: 'RelatedPartyOrPartyRole',
  partyOrPartyRole: 'PartyRef',
  account: 'AccountRef',
  agreement: 'AgreementRef',
  paymentMethod: 'PaymentMethodRef',
  creditProfile: 'CreditProfile',
  contactMedium: 'ContactMedium',
  characteristic: 'Characteristic',
} as const;

/**
 * The spec's own examples spell the relatedParty wrapper `RelatedPartyRefOrPartyRoleRef` while its
 * discriminator says `RelatedPartyOrPartyRole` (a known defect): both are accepted.
 */
export const RELATED_PARTY_TYPES: readonly string[] = [
  'RelatedPartyOrPartyRole',
  'RelatedPartyRefOrPartyRoleRef',
];

/** The customer's top-level attributes v4 does not have (kept beside the v4 document). */
export const V5_ONLY_ROOT = ['description', 'role', 'partyRoleSpecification'] as const;

/** The customer's arrays whose elements are mapped one by one (same order, same count). */
export const ELEMENT_ARRAYS = [
  'account',
  'agreement',
  'characteristic',
  'contactMedium',
  'creditProfile',
  'paymentMethod',
  'relatedParty',
] as const;
export type ElementArray = (typeof ELEMENT_ARRAYS)[number];
