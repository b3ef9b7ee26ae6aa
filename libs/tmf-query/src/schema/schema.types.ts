/**
 * The value type of a leaf attribute. It decides how query values are parsed and compared:
 * - `string`: case-sensitive, ordered by Unicode code point (binary collation);
 * - `integer` / `number`: numerically;
 * - `boolean`: `true` / `false`, equality only;
 * - `date-time`: as instants (epoch milliseconds), whatever the offset written;
 * - `any`: by the JSON type of the stored value (string, number or boolean; see the README).
 */
export type ValueType = 'string' | 'integer' | 'number' | 'boolean' | 'date-time' | 'any';

/** An object node: its properties by name. */
export interface SchemaObject {
  readonly [property: string]: SchemaNode;
}

/** An array node: a one-element tuple holding the element's node, e.g. `[{ name: 'string' }]`. */
export type SchemaArray = readonly [SchemaNode];

/**
 * A node of a schema tree: a leaf type, an object or an array. Example:
 * `{ name: 'string', contactMedium: [{ mediumType: 'string', preferred: 'boolean' }] }`.
 */
export type SchemaNode = ValueType | SchemaObject | SchemaArray;

/** What the query language knows about one leaf path of the schema. */
export interface AttributePath {
  /** Dotted path, e.g. `contactMedium.characteristic.emailAddress`. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly type: ValueType;
  /** `arrays[i]` is true when the value at `segments[i]` is an array (its elements are walked). */
  readonly arrays: readonly boolean[];
  /**
   * The path up to and including the first array segment (e.g. `contactMedium`), or undefined when no
   * segment is an array. Conditions with the same key are matched on one element (the same-element rule).
   */
  readonly arrayKey: string | undefined;
}

/** A compiled schema descriptor: every leaf path with its type, plus the tree it came from. */
export interface QuerySchema {
  /** A name for messages, e.g. `Thing`. */
  readonly name: string;
  readonly root: SchemaObject;
  /** Leaf paths (attributes that hold values) by dotted path. */
  readonly leaves: ReadonlyMap<string, AttributePath>;
  /** Object (non-leaf) paths, so that a filter on `validFor` can be told apart from a typo. */
  readonly objects: ReadonlySet<string>;
}
