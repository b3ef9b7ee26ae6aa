import { JsonObject, JsonValue } from '@app/tmf-common/core';

import { put } from './put';

import { characteristicToV4, characteristicToV5 } from './characteristic.mapping';
import { contactMediumToV4, contactMediumToV5 } from './contact-medium.mapping';
import {
  creditProfileToV4,
  creditProfileToV5,
  engagedPartyToV4,
  engagedPartyToV5,
  referenceToV4,
  referenceToV5,
  relatedPartyToV4,
  relatedPartyToV5,
} from './reference.mapping';
import { DEFAULT_TYPE, ElementArray, V5_ONLY_ROOT } from './v5-types';

type ElementMapping = (element: JsonValue) => JsonValue;

const ELEMENT_TO_V5: Record<ElementArray, ElementMapping> = {
  account: (e) => referenceToV5(e, DEFAULT_TYPE.account),
  agreement: (e) => referenceToV5(e, DEFAULT_TYPE.agreement),
  paymentMethod: (e) => referenceToV5(e, DEFAULT_TYPE.paymentMethod),
  creditProfile: creditProfileToV5,
  characteristic: characteristicToV5,
  contactMedium: contactMediumToV5,
  relatedParty: relatedPartyToV5,
};

const ELEMENT_TO_V4: Record<ElementArray, ElementMapping> = {
  account: referenceToV4,
  agreement: referenceToV4,
  paymentMethod: referenceToV4,
  creditProfile: creditProfileToV4,
  characteristic: characteristicToV4,
  contactMedium: contactMediumToV4,
  relatedParty: relatedPartyToV4,
};

const HIDDEN_V4_ROOT = new Set<string>(['id', 'href', ...V5_ONLY_ROOT]);

function mapMember(
  key: string,
  value: JsonValue,
  elements: Record<ElementArray, ElementMapping>,
  engagedParty: ElementMapping,
): JsonValue {
  if (key === 'engagedParty') {
    return engagedParty(value);
  }
  const element = (elements as Record<string, ElementMapping | undefined>)[key];
  return element && Array.isArray(value) ? value.map(element) : value;
}

/**
 * The v5 view of a stored (v4) customer document, without what only the side bag knows: every
 * attribute both versions have, mapped; v4-only details left out (they stay stored). `id` and
 * `href` are the caller's (they are not in the document).
 */
export function customerToV5(document: JsonObject): JsonObject {
  const out: JsonObject = { '@type': document['@type'] ?? DEFAULT_TYPE.customer };
  for (const [key, value] of Object.entries(document)) {
    if (!HIDDEN_V4_ROOT.has(key) && key !== '@type') {
      put(out, key, mapMember(key, value, ELEMENT_TO_V5, engagedPartyToV5));
    }
  }
  return out;
}

/**
 * The v4 document of a v5 customer: everything v4 can express. The rest (`description`, `role`,
 * `partyRoleSpecification`, nested ids, `@type`s v4 cannot derive, ...) is the side bag's.
 */
export function customerToV4(customer: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(customer)) {
    if (!HIDDEN_V4_ROOT.has(key)) {
      put(out, key, mapMember(key, value, ELEMENT_TO_V4, engagedPartyToV4));
    }
  }
  return out;
}
