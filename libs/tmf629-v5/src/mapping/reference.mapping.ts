import { hasOwn } from '@app/json-patch';
import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

import { put } from './put';

import { DEFAULT_TYPE } from './v5-types';

function without(object: JsonObject, hidden: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (!hidden.has(key)) {
      put(out, key, value);
    }
  }
  return out;
}

const TYPE = new Set(['@type']);
const ENGAGED_PARTY_HIDDEN = new Set(['@type', 'role']);

/**
 * A reference whose v5 `@type` is a constant of its own (`PartyRef`, `AccountRef`, ...): the v4
 * `@type` (`RelatedParty`, `Organization`, an extension type, ...) is no v5 discriminator value, so
 * the view shows the default and v4 keeps its own.
 */
export function referenceToV5(reference: JsonValue, type: string): JsonValue {
  return isJsonObject(reference) ? { '@type': type, ...without(reference, TYPE) } : reference;
}

export function referenceToV4(reference: JsonValue): JsonValue {
  return isJsonObject(reference) ? without(reference, TYPE) : reference;
}

// v5 `CreditProfile` is an entity (`id`, `href`); v4's is not, so those stay in the side bag.
const CREDIT_PROFILE_HIDDEN = new Set(['@type', 'id', 'href']);

export function creditProfileToV5(profile: JsonValue): JsonValue {
  return isJsonObject(profile)
    ? { '@type': DEFAULT_TYPE.creditProfile, ...without(profile, CREDIT_PROFILE_HIDDEN) }
    : profile;
}

export function creditProfileToV4(profile: JsonValue): JsonValue {
  return isJsonObject(profile) ? without(profile, CREDIT_PROFILE_HIDDEN) : profile;
}

/** v4 `RelatedParty` → v5 `PartyRef`: `PartyRef` has no `role`, v4 keeps it. */
export function engagedPartyToV5(party: JsonValue): JsonValue {
  return isJsonObject(party)
    ? { '@type': DEFAULT_TYPE.engagedParty, ...without(party, ENGAGED_PARTY_HIDDEN) }
    : party;
}

export const engagedPartyToV4 = referenceToV4;

const WRAPPER_HIDDEN = new Set(['@type', 'role']);

/**
 * v4 `RelatedParty` (a flat reference with a `role`) → v5 `RelatedPartyOrPartyRole {role,
 * partyOrPartyRole}`: `role` goes to the wrapper, every other member (id, href, name,
 * `@referredType`, `@baseType`, `@schemaLocation`, extension attributes) to `partyOrPartyRole`.
 */
export function relatedPartyToV5(party: JsonValue): JsonValue {
  if (!isJsonObject(party)) {
    return party;
  }
  const out: JsonObject = { '@type': DEFAULT_TYPE.relatedParty };
  if (hasOwn(party, 'role')) {
    out.role = party.role;
  }
  out.partyOrPartyRole = {
    '@type': DEFAULT_TYPE.partyOrPartyRole,
    ...without(party, WRAPPER_HIDDEN),
  };
  return out;
}

/** The members of `partyOrPartyRole` that a v4 `RelatedParty` has. */
const RELATED_PARTY_V4 = ['id', 'href', 'name', '@referredType', '@baseType', '@schemaLocation'];

/**
 * v5 `RelatedPartyOrPartyRole` → v4 `RelatedParty`: the wrapper's `role` and the v4 `RelatedParty`
 * attributes of `partyOrPartyRole`. The rest stays in the side bag: the wrapper's own `@type`,
 * `@baseType`, `@schemaLocation`, the reference's `@type`, and what its other `oneOf` branches
 * carry (`PartyRoleRef.partyId`, an embedded `Individual`'s attributes, ...).
 */
export function relatedPartyToV4(wrapper: JsonValue): JsonValue {
  if (!isJsonObject(wrapper)) {
    return wrapper;
  }
  const reference = isJsonObject(wrapper.partyOrPartyRole) ? wrapper.partyOrPartyRole : {};
  const out: JsonObject = {};
  for (const key of RELATED_PARTY_V4) {
    if (hasOwn(reference, key)) {
      put(out, key, reference[key]);
    }
  }
  if (hasOwn(wrapper, 'role')) {
    out.role = wrapper.role;
  }
  return out;
}
