import {
  DocumentViolation,
  isDateTime,
  isJsonObject,
  JsonObject,
  JsonValue,
  RESERVED_NAMES,
  timePeriodViolations,
} from '@app/tmf-common';
import { MEDIUM_KINDS, RELATED_PARTY_TYPES } from '@app/tmf629-v5';

// The TMF629 v5.0.1 create rules (`Customer_FVO` over `PartyRole_FVO`), also applied to the result
// of every v5 PATCH (docs/v5.md). Hand-written rather than compiled from the spec file: the file's
// `oneOf`s overlap and its `_MVO` schemas require what a patch cannot give (known defects), and the
// stored (v4) form adds the length limits its indexed columns need.

const SCHEMA = 'TMF629 v5 Customer';
// The same limits as v4 (customer-create.dto.ts, extensible.dto.ts): the indexed columns stay exact.
const NAME_MAX = 512;
const STATUS_MAX = 100;
const TYPE_MAX = 200;
const ID_MAX = 200;
const SCHEMA_LOCATION_MAX = 2000;

type Leaf = 'string' | 'nonEmpty' | 'boolean' | 'integer' | 'date-time' | 'any';
type Check = (value: JsonValue, path: string, out: DocumentViolation[]) => void;
type Rule = Leaf | Check;
interface Shape {
  rules: Record<string, Rule>;
  required?: string[];
  maxLength?: Record<string, number>;
}

const POLYMORPHIC: Record<string, Rule> = {
  '@type': 'nonEmpty',
  '@baseType': 'nonEmpty',
  '@schemaLocation': 'nonEmpty',
};
const POLYMORPHIC_LIMITS = {
  '@type': TYPE_MAX,
  '@baseType': TYPE_MAX,
  '@schemaLocation': SCHEMA_LOCATION_MAX,
};

const TIME_PERIOD: Shape = { rules: { startDateTime: 'date-time', endDateTime: 'date-time' } };

/** An `EntityRef` (v5 responses require its `id`, so creates do too) with its `@type`. */
const REFERENCE: Shape = {
  rules: {
    id: 'nonEmpty',
    href: 'string',
    name: 'string',
    '@referredType': 'string',
    ...POLYMORPHIC,
  },
  required: ['@type', 'id'],
  maxLength: { ...POLYMORPHIC_LIMITS, id: ID_MAX },
};

const PARTY_ROLE_REF: Shape = {
  ...REFERENCE,
  rules: { ...REFERENCE.rules, partyId: 'string', partyName: 'string' },
};

const CREDIT_PROFILE: Shape = {
  rules: {
    id: 'string',
    href: 'string',
    creditProfileDate: 'date-time',
    creditRiskRating: 'integer',
    creditScore: 'integer',
    validFor: nested(TIME_PERIOD),
    ...POLYMORPHIC,
  },
  required: ['@type'],
  maxLength: POLYMORPHIC_LIMITS,
};

const CHARACTERISTIC_RELATIONSHIP: Shape = {
  rules: { id: 'string', relationshipType: 'string', ...POLYMORPHIC },
  required: ['@type', 'id', 'relationshipType'],
  maxLength: POLYMORPHIC_LIMITS,
};

type ValueCheck = (value: JsonValue) => boolean;
const isInteger: ValueCheck = (v) => typeof v === 'number' && Number.isInteger(v);
const isNumber: ValueCheck = (v) => typeof v === 'number';
const isString: ValueCheck = (v) => typeof v === 'string';
const isBoolean: ValueCheck = (v) => typeof v === 'boolean';
const arrayOf =
  (item: ValueCheck): ValueCheck =>
  (v) =>
    Array.isArray(v) && v.every(item);

/** The typed characteristics: what `value` must be, in words and as a check. */
const CHARACTERISTIC_VALUES: Record<string, [string, ValueCheck]> = {
  StringCharacteristic: ['a string', isString],
  BooleanCharacteristic: ['a boolean', isBoolean],
  IntegerCharacteristic: ['an integer', isInteger],
  NumberCharacteristic: ['a number', isNumber],
  FloatCharacteristic: ['a number', isNumber],
  ObjectCharacteristic: ['an object', isJsonObject],
  StringArrayCharacteristic: ['an array of strings', arrayOf(isString)],
  BooleanArrayCharacteristic: ['an array of booleans', arrayOf(isBoolean)],
  IntegerArrayCharacteristic: ['an array of integers', arrayOf(isInteger)],
  NumberArrayCharacteristic: ['an array of numbers', arrayOf(isNumber)],
  ObjectArrayCharacteristic: ['an array of objects', arrayOf(isJsonObject)],
};

const CHARACTERISTIC: Shape = {
  rules: {
    id: 'string',
    name: 'string',
    valueType: 'string',
    value: 'any',
    characteristicRelationship: arrayOfShape(CHARACTERISTIC_RELATIONSHIP),
    ...POLYMORPHIC,
  },
  required: ['@type'],
  maxLength: POLYMORPHIC_LIMITS,
};

function characteristic(value: JsonValue, path: string, out: DocumentViolation[]): void {
  checkShape(value, path, CHARACTERISTIC, out);
  if (!isJsonObject(value) || typeof value['@type'] !== 'string') {
    return;
  }
  const typed = CHARACTERISTIC_VALUES[value['@type']];
  if (!typed) {
    return; // the base Characteristic, or an extension subtype: any value
  }
  if (value.value === undefined) {
    out.push({ path: `${path}.value`, message: `${path}.value is required` });
  } else if (!typed[1](value.value)) {
    out.push({
      path: `${path}.value`,
      message: `${path}.value must be ${typed[0]} (${value['@type']})`,
    });
  }
}

const MEDIUM_BASE: Record<string, Rule> = {
  id: 'string',
  preferred: 'boolean',
  contactType: 'string',
  validFor: nested(TIME_PERIOD),
  ...POLYMORPHIC,
};

function contactMedium(value: JsonValue, path: string, out: DocumentViolation[]): void {
  const type = isJsonObject(value) ? value['@type'] : undefined;
  const kind = MEDIUM_KINDS.find((k) => k.type === type);
  const rules: Record<string, Rule> = { ...MEDIUM_BASE };
  for (const field of kind?.fields ?? []) {
    rules[field] = 'string';
  }
  if (kind?.type === 'GeographicAddressContactMedium') {
    rules.geographicAddress = nested(REFERENCE);
  }
  checkShape(value, path, { rules, required: ['@type'], maxLength: POLYMORPHIC_LIMITS }, out);
}

/**
 * `partyOrPartyRole`: a `PartyRef` or `PartyRoleRef` is checked as one; an embedded party or party
 * role (`Individual`, `Organization`, `PartyRole`, ...) only for its `@type`, its other attributes
 * being its own schema's (the spec's `oneOf` cannot tell them apart: a known defect).
 */
function partyOrPartyRole(value: JsonValue, path: string, out: DocumentViolation[]): void {
  const type = isJsonObject(value) ? value['@type'] : undefined;
  if (type === 'PartyRoleRef') {
    checkShape(value, path, PARTY_ROLE_REF, out);
  } else if (type === 'PartyRef' || !isJsonObject(value) || typeof type !== 'string') {
    checkShape(value, path, REFERENCE, out);
  }
}

const RELATED_PARTY: Shape = {
  rules: { role: 'string', partyOrPartyRole, ...POLYMORPHIC },
  required: ['@type', 'role'],
  maxLength: POLYMORPHIC_LIMITS,
};

function relatedParty(value: JsonValue, path: string, out: DocumentViolation[]): void {
  checkShape(value, path, RELATED_PARTY, out);
  const type = isJsonObject(value) ? value['@type'] : undefined;
  if (typeof type === 'string' && !RELATED_PARTY_TYPES.includes(type)) {
    out.push({
      path: `${path}.@type`,
      message: `${path}.@type must be one of ${RELATED_PARTY_TYPES.join(', ')}`,
    });
  }
}

const CUSTOMER: Shape = {
  rules: {
    name: 'nonEmpty',
    description: 'string',
    role: 'string',
    status: 'string',
    statusReason: 'string',
    validFor: nested(TIME_PERIOD),
    engagedParty: nested(REFERENCE),
    partyRoleSpecification: nested(REFERENCE),
    account: arrayOfShape(REFERENCE),
    agreement: arrayOfShape(REFERENCE),
    paymentMethod: arrayOfShape(REFERENCE),
    characteristic: arrayOf_(characteristic),
    contactMedium: arrayOf_(contactMedium),
    creditProfile: arrayOfShape(CREDIT_PROFILE),
    relatedParty: arrayOf_(relatedParty),
    ...POLYMORPHIC,
  },
  required: ['@type', 'name', 'engagedParty'],
  maxLength: { ...POLYMORPHIC_LIMITS, name: NAME_MAX, status: STATUS_MAX },
};

function nested(shape: Shape): Check {
  return (value, path, out) => checkShape(value, path, shape, out);
}

function arrayOf_(item: Check): Check {
  return (value, path, out) => {
    if (!Array.isArray(value)) {
      out.push({ path, message: `${path} must be an array` });
      return;
    }
    value.forEach((element, i) => item(element, `${path}[${i}]`, out));
  };
}

function arrayOfShape(shape: Shape): Check {
  return arrayOf_(nested(shape));
}

const LEAF_WORDS: Record<Leaf, string> = {
  string: 'a string',
  nonEmpty: 'a non-empty string',
  boolean: 'a boolean',
  integer: 'an integer',
  'date-time': 'an ISO 8601 date-time with a time zone (e.g. 2024-05-01T10:00:00Z)',
  any: 'a JSON value other than null',
};

function leafHolds(leaf: Leaf, value: JsonValue): boolean {
  switch (leaf) {
    case 'string':
      return typeof value === 'string';
    case 'nonEmpty':
      return typeof value === 'string' && value !== '';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return isInteger(value);
    case 'date-time':
      return isDateTime(value);
    case 'any':
      return value !== null;
  }
}

function checkShape(value: JsonValue, path: string, shape: Shape, out: DocumentViolation[]): void {
  if (!isJsonObject(value)) {
    out.push({ path, message: `${path} must be an object` });
    return;
  }
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  const extension = typeof value['@schemaLocation'] === 'string';
  for (const key of shape.required ?? []) {
    if (value[key] === undefined) {
      out.push({ path: at(key), message: `${at(key)} is required` });
    }
  }
  for (const [key, member] of Object.entries(value)) {
    const rule = shape.rules[key];
    if (rule === undefined) {
      if (!extension) {
        out.push({
          path: at(key),
          message: `unknown attribute ${at(key)} (not in the ${SCHEMA} schema)`,
        });
      } else if (containsNull(member)) {
        out.push({ path: at(key), message: `${at(key)} must not hold null` });
      }
      continue;
    }
    if (typeof rule === 'function') {
      rule(member, at(key), out);
      continue;
    }
    if (!leafHolds(rule, member) || (rule === 'any' && containsNull(member))) {
      out.push({ path: at(key), message: `${at(key)} must be ${LEAF_WORDS[rule]}` });
      continue;
    }
    const max = shape.maxLength?.[key];
    if (max !== undefined && typeof member === 'string' && [...member].length > max) {
      out.push({
        path: at(key),
        message: `${at(key)} must be shorter than or equal to ${max} characters`,
      });
    }
  }
}

function containsNull(value: JsonValue): boolean {
  if (value === null) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsNull);
  }
  return isJsonObject(value) && Object.values(value).some(containsNull);
}

function reservedNames(value: JsonValue, path: string, out: DocumentViolation[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => reservedNames(item, `${path}[${i}]`, out));
  } else if (isJsonObject(value)) {
    for (const [key, member] of Object.entries(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (RESERVED_NAMES.has(key)) {
        out.push({ path: at, message: `${at}: the attribute name ${key} is reserved` });
      } else {
        reservedNames(member, at, out);
      }
    }
  }
}

/**
 * Every violation of the v5 create rules in `customer` (without `id` and `href`): `@type`, `name`
 * and `engagedParty` (with `id` and `@type`) required, each nested object's `@type` required, typed
 * characteristics holding values of their type, unknown attributes refused except in an object
 * declaring `@schemaLocation`, no `null` anywhere, time periods not reversed.
 */
export function customerV5Violations(customer: unknown): DocumentViolation[] {
  if (!isJsonObject(customer)) {
    return [{ path: '', message: 'the body must be a JSON object' }];
  }
  const document: JsonObject = customer;
  const out: DocumentViolation[] = [];
  reservedNames(document, '', out);
  if (out.length > 0) {
    return out;
  }
  checkShape(document, '', CUSTOMER, out);
  return out.length > 0 ? out : timePeriodViolations(document);
}
