import { getMetadataStorage, ValidationTypes } from 'class-validator';

import { whenPresent } from './decorators';

// class-transformer does not export its metadata storage from the package root (the @Type targets).
const { defaultMetadataStorage } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

/** A JSON Schema (draft-07) object, with this module's custom keywords (see below). */
export type JsonSchema = { [keyword: string]: unknown };

type Dto = new () => object;

/**
 * Translates the class-validator metadata of a DTO (and of every DTO nested in it) into JSON
 * Schema, so that one compiled validator can decide validity in a single pass. It knows exactly
 * the constraints this code base declares through its attribute decorators and throws on any other,
 * so a new decorator can never be skipped silently. Where JSON Schema's own keyword would count or
 * compare differently from class-validator, a custom keyword calls the same function:
 * `cvMaxLength` (class-validator's `maxLength`, which counts surrogate pairs as one character),
 * `cvNotEmpty` (`isNotEmpty`) and `tmfDateTime` (our `isDateTime`).
 *
 * The rule for unknown attributes (ADR 0002): refused, except in an object whose `@schemaLocation`
 * is a string (a TMF extension), as `validateDocument` does.
 */
export function documentSchema(dto: Dto): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  const root = defineClass(dto, definitions);
  return { $ref: root, definitions };
}

function defineClass(dto: Dto, definitions: Record<string, JsonSchema>): string {
  const name = dto.name;
  const ref = `#/definitions/${name}`;
  if (definitions[name]) {
    return ref;
  }
  definitions[name] = {}; // placeholder: recursive references resolve to this name
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byProperty = new Map<string, typeof metadata>();
  for (const m of metadata) {
    byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, metas] of byProperty) {
    const schema: JsonSchema = {};
    const itemSchema: JsonSchema = {};
    let optional = false;
    let defined = false;
    for (const m of metas) {
      if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        if (m.constraints?.[0] !== whenPresent) {
          throw unsupported(name, property, 'a @ValidateIf other than Optional()');
        }
        optional = true;
        continue;
      }
      if (m.type === ValidationTypes.IS_DEFINED) {
        defined = true;
        continue;
      }
      if (m.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = { allOf: [{ $ref: defineClass(nestedType(dto, property), definitions) }] };
        Object.assign(m.each ? itemSchema : schema, nested);
        continue;
      }
      if (m.type !== ValidationTypes.CUSTOM_VALIDATION || !m.constraintCls) {
        throw unsupported(name, property, `validation type ${m.type}`);
      }
      const constraint = getMetadataStorage().getTargetValidatorConstraints(m.constraintCls)[0];
      const into = m.each ? itemSchema : schema;
      const constraintName = constraint?.name ?? '(unnamed)';
      Object.assign(into, constraintSchema(constraintName, m.constraints, name, property));
      if (constraint?.name === 'isPresent') {
        defined = true;
      }
    }
    if (Object.keys(itemSchema).length > 0) {
      schema.items = itemSchema;
    }
    if (defined) {
      required.push(property);
      if (schema.type === undefined) {
        schema.not = { type: 'null' }; // a typed schema already refuses null
      }
    } else if (!optional) {
      // Neither Optional() nor IsDefined(): class-validator would still validate `undefined`.
      throw unsupported(name, property, 'a property that is neither optional nor required');
    }
    properties[property] = schema;
  }
  definitions[name] = {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    if: { properties: { '@schemaLocation': { type: 'string' } }, required: ['@schemaLocation'] },
    else: { propertyNames: { enum: [...byProperty.keys()] } },
  };
  return ref;
}

function constraintSchema(
  constraint: string,
  args: unknown[] | undefined,
  dto: string,
  property: string,
): JsonSchema {
  switch (constraint) {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'maxLength':
      return { cvMaxLength: args?.[0] };
    case 'isNotEmpty':
      return { cvNotEmpty: true };
    case 'isDateTime':
      return { tmfDateTime: true };
    case 'isPresent':
      return {};
    default:
      throw unsupported(dto, property, `constraint ${constraint}`);
  }
}

function nestedType(dto: Dto, property: string): Dto {
  const type = defaultMetadataStorage.findTypeMetadata(dto, property);
  const target = type?.typeFunction() as Dto | undefined;
  if (!target) {
    throw unsupported(dto.name, property, '@ValidateNested without @Type');
  }
  return target;
}

function unsupported(dto: string, property: string, what: string): Error {
  return new Error(
    `The compiled validator does not know ${what} (on ${dto}.${property}); teach document-schema.ts`,
  );
}
