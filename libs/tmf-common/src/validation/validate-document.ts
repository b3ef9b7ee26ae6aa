import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

export interface DocumentViolation {
  /** Attribute path in TMF dot notation with array indexes, e.g. `contactMedium[0].mediumType`. */
  path: string;
  message: string;
}

/**
 * Validates a plain JSON document against a class-validator DTO and lists every violation with its
 * attribute path. Unknown attributes are violations, except inside an object that declares a TMF
 * extension schema through `@schemaLocation`: there they are the extension's own attributes and are
 * kept as sent (the DTO validates the base attributes around them). `schema` names the schema in
 * messages: `unknown attribute x (not in the <schema> schema)`.
 */
export function validateDocument<T extends object>(
  dto: ClassConstructor<T>,
  document: unknown,
  schema: string,
): DocumentViolation[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return [{ path: '', message: 'the body must be a JSON object' }];
  }
  const reserved = reservedNames(document, '');
  if (reserved.length > 0) {
    return reserved;
  }
  const instance = plainToInstance(dto, document, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  const violations: DocumentViolation[] = [];
  collect(errors, '', document, schema, violations);
  return violations;
}

/**
 * Member names of `Object.prototype` (`constructor`, `toString`, `__proto__`, ...) as attribute
 * names, at any depth. class-transformer and class-validator look them up on the prototype chain:
 * measured, `{"constructor": {}}` slipped past the unknown-attribute check and
 * `{"engagedParty": {"id": [{"constructor": "x"}]}}` crashed class-transformer (a 500). No TMF
 * attribute has such a name, so they are refused wherever they appear.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/** True when an object anywhere in `value` has an attribute named in {@link RESERVED_NAMES}. */
export function hasReservedName(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.some(hasReservedName);
  }
  for (const key of Object.keys(value)) {
    if (RESERVED_NAMES.has(key) || hasReservedName((value as Record<string, unknown>)[key])) {
      return true;
    }
  }
  return false;
}

function reservedNames(value: unknown, prefix: string, out: DocumentViolation[] = []) {
  if (typeof value !== 'object' || value === null) {
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => reservedNames(item, `${prefix}[${i}]`, out));
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (RESERVED_NAMES.has(key)) {
      out.push({ path, message: `${path}: the attribute name ${key} is reserved` });
    } else {
      reservedNames(child, path, out);
    }
  }
  return out;
}

function collect(
  errors: ValidationError[],
  prefix: string,
  parent: unknown,
  schema: string,
  out: DocumentViolation[],
): void {
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const path = isIndex
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    for (const [name, message] of Object.entries(mostSpecific(error.constraints ?? {}))) {
      if (name === 'whitelistValidation') {
        if (declaresExtension(parent)) {
          continue;
        }
        out.push({
          path,
          message: `unknown attribute ${path} (not in the ${schema} schema)`,
        });
        continue;
      }
      const text = PRESENCE.includes(name)
        ? `${path} is required`
        : message.replace(error.property, path);
      out.push({ path, message: text });
    }
    if (error.children && error.children.length > 0) {
      const child = childOf(parent, error.property);
      collect(error.children, path, child, schema, out);
    }
  }
}

// One message per attribute is enough: a missing value needs no type error, a wrong type no length error.
const PRESENCE = ['isDefined', 'isPresent'];
const TYPES = [
  'isString',
  'isInt',
  'isBoolean',
  'isObject',
  'isArray',
  'isDateTime',
  'nestedValidation',
];

function mostSpecific(constraints: Record<string, string>): Record<string, string> {
  for (const group of [PRESENCE, TYPES]) {
    const hit = Object.entries(constraints).filter(([name]) => group.includes(name));
    if (hit.length > 0) {
      return Object.fromEntries(hit.slice(0, 1));
    }
  }
  return constraints;
}

function childOf(parent: unknown, key: string): unknown {
  if (typeof parent !== 'object' || parent === null) {
    return undefined;
  }
  return (parent as Record<string, unknown>)[key];
}

function declaresExtension(object: unknown): boolean {
  return (
    typeof object === 'object' &&
    object !== null &&
    typeof (object as Record<string, unknown>)['@schemaLocation'] === 'string'
  );
}

export function formatViolations(violations: DocumentViolation[]): string {
  return violations.map((v) => v.message).join('; ');
}
