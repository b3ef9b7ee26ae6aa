import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

import { put } from './put';

import { DEFAULT_TYPE } from './v5-types';

/** A v5 contact medium subtype and where its attributes live in v4. */
interface MediumKind {
  /** v5 `@type`. */
  readonly type: string;
  /** The `mediumType` a v5 write stores. */
  readonly mediumType: string;
  /** v4 `mediumType` spellings read as this subtype (compared lower-cased, letters and digits only). */
  readonly spellings: readonly string[];
  /** Attributes of the subtype, in v4 under `characteristic`. */
  readonly fields: readonly string[];
}

export const MEDIUM_KINDS: readonly MediumKind[] = [
  {
    type: 'EmailContactMedium',
    mediumType: 'email',
    spellings: ['email', 'emailAddress'],
    fields: ['emailAddress'],
  },
  {
    type: 'PhoneContactMedium',
    mediumType: 'phone',
    spellings: [
      'phone',
      'phoneNumber',
      'telephone',
      'telephoneNumber',
      'mobile',
      'mobilePhone',
      'mobileNumber',
      'cellPhone',
      'landline',
    ],
    fields: ['phoneNumber'],
  },
  {
    type: 'FaxContactMedium',
    mediumType: 'fax',
    spellings: ['fax', 'faxNumber', 'telefax'],
    fields: ['faxNumber'],
  },
  {
    type: 'SocialContactMedium',
    mediumType: 'social',
    spellings: ['social', 'socialNetwork', 'socialMedia', 'socialNetworkId'],
    fields: ['socialNetworkId'],
  },
  {
    type: 'GeographicAddressContactMedium',
    mediumType: 'postalAddress',
    spellings: ['postalAddress', 'postal', 'address', 'geographicAddress', 'mailingAddress'],
    fields: ['street1', 'street2', 'city', 'postCode', 'stateOrProvince', 'country'],
  },
];

/** The v4 `mediumType` a v5 write of a base `ContactMedium` (or an unknown subtype) stores. */
export const OTHER_MEDIUM_TYPE = 'other';

/** v5 contact medium attributes that v4 has nowhere (kept beside the v4 document). */
const V5_ONLY = ['id', 'geographicAddress'];
/** Members of the v5 view taken from the v4 `characteristic`. */
const FROM_CHARACTERISTIC = ['contactType', ...MEDIUM_KINDS.flatMap((k) => k.fields)];
/** v4 members the view never shows as they are (v4 `@type` is not a v5 discriminator). */
const CONSUMED_V4 = new Set(['mediumType', 'characteristic', '@type']);
const HIDDEN_V4 = new Set([...CONSUMED_V4, ...V5_ONLY, ...FROM_CHARACTERISTIC]);

function normalized(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The v5 subtype of a v4 contact medium: by its `mediumType` when that is a known spelling,
 * otherwise by the attributes its `characteristic` holds when they name exactly one subtype,
 * otherwise the base `ContactMedium`.
 */
export function mediumKindOf(medium: JsonObject): MediumKind | undefined {
  const mediumType = medium.mediumType;
  if (typeof mediumType === 'string') {
    const spelled = normalized(mediumType);
    const known = MEDIUM_KINDS.find((k) => k.spellings.some((s) => normalized(s) === spelled));
    if (known) {
      return known;
    }
  }
  const characteristic = isJsonObject(medium.characteristic) ? medium.characteristic : {};
  const present = MEDIUM_KINDS.filter((k) => k.fields.some((f) => f in characteristic));
  return present.length === 1 ? present[0] : undefined;
}

/** v4 `ContactMedium` → v5 `ContactMedium` subtype (without what only the side bag knows). */
export function contactMediumToV5(medium: JsonValue): JsonValue {
  if (!isJsonObject(medium)) {
    return medium;
  }
  const kind = mediumKindOf(medium);
  const out: JsonObject = { '@type': kind?.type ?? DEFAULT_TYPE.contactMedium };
  for (const [key, value] of Object.entries(medium)) {
    if (!HIDDEN_V4.has(key)) {
      put(out, key, value);
    }
  }
  const characteristic = isJsonObject(medium.characteristic) ? medium.characteristic : {};
  for (const field of ['contactType', ...(kind?.fields ?? [])]) {
    if (field in characteristic) {
      put(out, field, characteristic[field]);
    }
  }
  return out;
}

/** The subtype a v5 contact medium is stored as: its `@type`, else its `@baseType`, if known. */
function storedKind(medium: JsonObject): MediumKind | undefined {
  return (
    MEDIUM_KINDS.find((k) => k.type === medium['@type']) ??
    MEDIUM_KINDS.find((k) => k.type === medium['@baseType'])
  );
}

/** v5 `ContactMedium` subtype → v4 `ContactMedium` (`mediumType` + `characteristic`). */
export function contactMediumToV4(medium: JsonValue): JsonValue {
  if (!isJsonObject(medium)) {
    return medium;
  }
  const kind = storedKind(medium);
  const inCharacteristic = new Set(['contactType', ...(kind?.fields ?? [])]);
  const out: JsonObject = { mediumType: kind?.mediumType ?? OTHER_MEDIUM_TYPE };
  const characteristic: JsonObject = {};
  for (const [key, value] of Object.entries(medium)) {
    if (inCharacteristic.has(key)) {
      put(characteristic, key, value);
    } else if (!CONSUMED_V4.has(key) && !V5_ONLY.includes(key)) {
      // (a v5 extension attribute named `mediumType` or `characteristic` stays in the side bag)
      put(out, key, value);
    }
  }
  out.characteristic = characteristic;
  return out;
}
