import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import { TMF629_V5_SPEC } from '@app/tmf629-v5';

// Validates response bodies against the official TMF629 v5.0.1 schemas, with the file's known
// defects handled on purpose (KNOWN_DEFECTS), never by switching validation off.

type Schema = Record<string, unknown>;
const REF = '#/components/schemas/';
/** The suffix of the copy of a polymorphic schema that does not dispatch on `@type`. */
const BASE = '__base';

/** The defects of the official file and what this validator does about each (docs/v5.md). */
export const KNOWN_DEFECTS = [
  {
    defect:
      '`discriminator` is no JSON Schema keyword: a plain validator checks an EmailContactMedium as a bare ContactMedium, and following the mappings loops (Customer → PartyRole → Customer)',
    handling:
      'every schema with a `discriminator.mapping` validates its own attributes, then those of the subtype its `@type` names (if/then); a subtype extends the non-dispatching base copy, so no loop',
  },
  {
    defect:
      '`PartyOrPartyRole` (relatedParty[].partyOrPartyRole) is a `oneOf` whose branches overlap: its own examples match several',
    handling:
      '`oneOf` with a discriminator mapping is validated by the branch `@type` names, which must be one of the mapping',
  },
  {
    defect:
      'the examples spell the relatedParty wrapper `RelatedPartyRefOrPartyRoleRef`, the discriminator `RelatedPartyOrPartyRole`',
    handling:
      'both are sent in requests; a wrapper is validated as RelatedPartyOrPartyRole whatever its spelling (no mapping of its own to dispatch to)',
  },
  {
    defect:
      '`PartyRole_MVO` (the PATCH body) requires `name`, `engagedParty` and `@type`, which a merge patch cannot give',
    handling:
      'PATCH requests send partial merge patches, JSON Patch and JSON Patch Query; the result is judged by validating the response against `Customer`',
  },
  {
    defect:
      '`Customer_FVO.required` lists only `engagedParty`; the `PartyRole_FVO` it extends requires `name` too',
    handling: 'a create without `name` must be a 400',
  },
  {
    defect:
      '`servers` says `/tmf-api/customer/v5/`, every example `href` `/tmf-api/customerManagement/v5/`',
    handling:
      'every operation runs at both roots; hrefs must use `/tmf-api/customerManagement/v5/`',
  },
  {
    defect: '`format: base64` (Attachment.content) and `format: float` are no JSON Schema formats',
    handling: 'declared as formats accepting strings (base64 checked) and numbers',
  },
];

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function refName(value: unknown): string | undefined {
  const ref = (value as { $ref?: unknown } | null)?.$ref;
  return typeof ref === 'string' && ref.startsWith(REF) ? ref.slice(REF.length) : undefined;
}

function dispatch(mapping: Record<string, string>, self: string): Schema[] {
  return Object.entries(mapping)
    .filter(([, target]) => refName({ $ref: target }) !== self)
    .map(([type, target]) => ({
      if: { properties: { '@type': { const: type } }, required: ['@type'] },
      then: { $ref: target },
    }));
}

/** The schemas rewritten as described in KNOWN_DEFECTS (first two rows). */
export function validationSchemas(): Record<string, Schema> {
  const source = clone(TMF629_V5_SPEC.components.schemas) as Record<string, Schema>;
  const polymorphic = new Set(
    Object.entries(source)
      .filter(([, s]) => (s.discriminator as { mapping?: unknown })?.mapping && !s.oneOf)
      .map(([name]) => name),
  );
  const out: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(source)) {
    const { discriminator, ...rest } = schema as Schema & {
      discriminator?: { mapping?: Record<string, string> };
    };
    // Inheritance (`allOf` members) goes to the base of a polymorphic parent.
    if (Array.isArray(rest.allOf)) {
      rest.allOf = rest.allOf.map((member) => {
        const parent = refName(member);
        return parent && polymorphic.has(parent) ? { $ref: `${REF}${parent}${BASE}` } : member;
      });
    }
    const mapping = discriminator?.mapping;
    if (mapping && Array.isArray(rest.oneOf)) {
      out[name] = {
        type: 'object',
        required: ['@type'],
        properties: { '@type': { enum: Object.keys(mapping) } },
        allOf: dispatch(mapping, name),
      };
    } else if (mapping) {
      out[`${name}${BASE}`] = rest;
      out[name] = { allOf: [{ $ref: `${REF}${name}${BASE}` }, ...dispatch(mapping, name)] };
    } else {
      out[name] = rest;
    }
  }
  return out;
}

/** Compiled validators of the official schemas, by name (`Customer`, `Error`, `Hub`, ...). */
export class SpecValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false, discriminator: false });
    addFormats(this.ajv);
    this.ajv.addFormat('base64', /^[A-Za-z0-9+/]*={0,2}$/);
    this.ajv.addFormat('float', { type: 'number', validate: () => true });
    this.ajv.addSchema({ components: { schemas: validationSchemas() } }, 'spec');
  }

  /** The violations of `value` against the named schema (empty: valid). */
  check(schema: string | Schema, value: unknown): string[] {
    const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      const target =
        typeof schema === 'string' ? { $ref: `spec${REF}${schema}` } : rewriteRefs(schema);
      validate = this.ajv.compile(target);
      this.compiled.set(key, validate);
    }
    if (validate(value)) {
      return [];
    }
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    );
  }
}

/** A response schema of the file (`$ref`s into components) as one this validator resolves. */
function rewriteRefs(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll(`"${REF}`, `"spec${REF}`)) as Schema;
}
