import { JsonValue } from '@app/json-patch/json-value';

/** One step of a relative `@` path inside a filter: a member name or an array index. */
export type RelativeStep = { kind: 'member'; name: string } | { kind: 'index'; index: number };

/** Comparison operators of filter expressions. */
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A side of a comparison: a path relative to the current node (`@...`) or a literal. */
export type Operand =
  { kind: 'path'; steps: RelativeStep[] } | { kind: 'literal'; value: JsonValue };

/** A filter expression (the inside of `[?( ... )]`, or a Part 5 query). */
export type FilterExpression =
  | { kind: 'or'; left: FilterExpression; right: FilterExpression }
  | { kind: 'and'; left: FilterExpression; right: FilterExpression }
  | { kind: 'not'; operand: FilterExpression }
  | { kind: 'exists'; steps: RelativeStep[] }
  | { kind: 'compare'; operator: ComparisonOperator; left: Operand; right: Operand }
  /**
   * Part 5 condition `a.b=value`: true when some value reached through `path` (arrays on the way
   * are searched element by element) has the JSON text `value` (strings compare as they are).
   */
  | { kind: 'legacyEquals'; path: string[]; value: string };

/** One step of a query path. */
export type PathStep =
  /** An RFC 6901 reference token: an index (or `-`) on arrays, a member name on objects. */
  | { kind: 'token'; token: string }
  /** A member name; with `spread`, applied to each element when the node is an array (Part 5). */
  | { kind: 'member'; name: string; spread?: boolean }
  /** `[n]`: an array element. */
  | { kind: 'index'; index: number }
  /** `*` / `[*]`: every array element or object member value. */
  | { kind: 'wildcard' }
  /**
   * `[?(expr)]`: the matching elements of an array; on an object or scalar, the node itself when
   * it matches.
   */
  | { kind: 'filter'; expression: FilterExpression };

/** A Part 5 condition as written: key segments and the literal value. */
export interface LegacyCondition {
  key: string[];
  value: string;
}

/** Which of the accepted spellings a path used. */
export type QuerySyntax = 'pointer' | 'jsonpath' | 'hybrid' | 'legacy';

/** A parsed JSON Patch Query `path` or `from`. */
export type QueryPath =
  | { syntax: 'pointer' | 'jsonpath' | 'hybrid'; steps: PathStep[] }
  /** Part 5: the array to filter depends on the document, so steps are built at evaluation. */
  | { syntax: 'legacy'; segments: string[]; conditions: LegacyCondition[] };
