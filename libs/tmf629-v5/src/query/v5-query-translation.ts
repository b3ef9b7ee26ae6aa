import {
  AttributePath,
  Clause,
  Condition,
  ParsedQuery,
  QuerySchema,
  QueryErrorCode,
  QueryException,
  SortKey,
} from '@app/tmf-query';

import { MEDIUM_KINDS } from '@app/tmf629-v5/mapping/contact-medium.mapping';

const SAME = [
  'id',
  'href',
  'name',
  'status',
  'statusReason',
  'validFor.startDateTime',
  'validFor.endDateTime',
  '@type',
  '@baseType',
  '@schemaLocation',
];
const REFERENCE = ['id', 'href', 'name', '@referredType', '@baseType', '@schemaLocation'];
const MEDIUM_FIELDS = ['contactType', ...MEDIUM_KINDS.flatMap((k) => k.fields)];

/** v5 leaf path → the stored (v4) leaf path holding the same value. */
export const V5_TO_STORED_PATH: ReadonlyMap<string, string> = new Map<string, string>([
  ...SAME.map((p): [string, string] => [p, p]),
  ...['engagedParty', 'account', 'agreement', 'paymentMethod'].flatMap((root) =>
    REFERENCE.map((p): [string, string] => [`${root}.${p}`, `${root}.${p}`]),
  ),
  ...['name', 'valueType', 'value', '@baseType', '@schemaLocation'].map((p): [string, string] => [
    `characteristic.${p}`,
    `characteristic.${p}`,
  ]),
  ...[
    'preferred',
    'validFor.startDateTime',
    'validFor.endDateTime',
    '@baseType',
    '@schemaLocation',
  ].map((p): [string, string] => [`contactMedium.${p}`, `contactMedium.${p}`]),
  ...MEDIUM_FIELDS.map((f): [string, string] => [
    `contactMedium.${f}`,
    `contactMedium.characteristic.${f}`,
  ]),
  ...[
    'creditProfileDate',
    'creditRiskRating',
    'creditScore',
    'validFor.startDateTime',
    'validFor.endDateTime',
    '@baseType',
    '@schemaLocation',
  ].map((p): [string, string] => [`creditProfile.${p}`, `creditProfile.${p}`]),
  ['relatedParty.role', 'relatedParty.role'],
  ...REFERENCE.map((p): [string, string] => [
    `relatedParty.partyOrPartyRole.${p}`,
    `relatedParty.${p}`,
  ]),
]);

/** `contactMedium.@type=<subtype>`: the stored `mediumType` spellings of that subtype. */
const MEDIUM_TYPE_PATH = 'contactMedium.@type';

function spellingsOf(type: string): string[] | undefined {
  const kind = MEDIUM_KINDS.find((k) => k.type === type);
  if (!kind) {
    return undefined;
  }
  const forms = kind.spellings.flatMap((s) => [
    s,
    s.toLowerCase(),
    s.charAt(0).toUpperCase() + s.slice(1),
  ]);
  return [...new Set(forms)];
}

function stored(schema: QuerySchema, path: string): AttributePath {
  const attribute = schema.leaves.get(path);
  if (!attribute) {
    throw new Error(`The stored Customer schema has no attribute '${path}'`);
  }
  return attribute;
}

function untranslatable(path: string, use: string): QueryException {
  return new QueryException(
    QueryErrorCode.InvalidAttribute,
    `Attribute '${path}' cannot be used in ${use}: TMF629 v5 keeps it outside the search index (docs/v5.md)`,
  );
}

function translateCondition(schema: QuerySchema, condition: Condition): Condition[] {
  const path = condition.attribute.path;
  if (path === MEDIUM_TYPE_PATH) {
    const spellings =
      condition.op === 'eq' && condition.value.kind === 'string'
        ? spellingsOf(condition.value.text)
        : undefined;
    if (!spellings) {
      throw new QueryException(
        QueryErrorCode.InvalidValue,
        `'${MEDIUM_TYPE_PATH}' is filtered by equality with a contact medium subtype (${MEDIUM_KINDS.map((k) => k.type).join(', ')})`,
      );
    }
    const attribute = stored(schema, 'contactMedium.mediumType');
    return spellings.map((text) => ({
      attribute,
      op: 'eq',
      value: { kind: 'string', text },
    }));
  }
  const target = V5_TO_STORED_PATH.get(path);
  if (target === undefined) {
    throw untranslatable(path, 'a filter');
  }
  return [{ ...condition, attribute: stored(schema, target) }];
}

function translateSortKey(schema: QuerySchema, key: SortKey): SortKey {
  const target = V5_TO_STORED_PATH.get(key.attribute.path);
  if (target === undefined) {
    throw untranslatable(key.attribute.path, 'sort');
  }
  return { ...key, attribute: stored(schema, target) };
}

/**
 * A query parsed against the v5 schema (`customerV5QuerySchema`), rewritten onto the stored
 * (v4) paths of `stored` (the app's v4 Customer query schema), so that v5 lists run through the same compiler and indexes as v4. Clause structure,
 * operators, values and paging are kept; same-element groups stay on the same array. `fields` is
 * left as is: it selects from the v5 representation. A path v4 cannot express (`description`,
 * `contactMedium.id`, nested `@type`s other than `contactMedium.@type`, ...) is a 400.
 */
export function translateV5Query(query: ParsedQuery, stored: QuerySchema): ParsedQuery {
  const clauses: Clause[] = query.clauses.map((clause) => ({
    conditions: clause.conditions.flatMap((c) => translateCondition(stored, c)),
  }));
  return { ...query, clauses, sort: query.sort.map((k) => translateSortKey(stored, k)) };
}
