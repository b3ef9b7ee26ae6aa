import { PortableRegex } from '@app/tmf-query/regex';
import { AttributePath } from '@app/tmf-query/schema';

/** Comparison operators (TMF630 Part 1 §4.4, plus `ne` as an extension). */
export type Operator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'regex';

/** A query value, already parsed according to the attribute's type. */
export type QueryValue =
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly num: number; readonly text: string }
  | { readonly kind: 'boolean'; readonly num: 0 | 1; readonly text: string }
  | { readonly kind: 'instant'; readonly num: number; readonly text: string }
  /** For `any` attributes: every reading of the text; the stored value's JSON type picks one. */
  | {
      readonly kind: 'any';
      readonly text: string;
      readonly num: number | undefined;
      readonly bool: 0 | 1 | undefined;
    }
  | { readonly kind: 'regex'; readonly regex: PortableRegex; readonly text: string };

/** One `attribute <operator> value` test. */
export interface Condition {
  readonly attribute: AttributePath;
  readonly op: Operator;
  readonly value: QueryValue;
}

/** Conditions joined by OR (from `,` inside a value, `;` between terms, or a repeated parameter). */
export interface Clause {
  readonly conditions: readonly Condition[];
}

/** A sort key; `id` is always appended as the final ascending tie-breaker by the consumers. */
export interface SortKey {
  readonly attribute: AttributePath;
  readonly descending: boolean;
}

/** The parsed query: filter clauses (AND of ORs), sort, paging and field selection. */
export interface ParsedQuery {
  /** Clauses joined by AND. An empty list matches everything. */
  readonly clauses: readonly Clause[];
  /** Sort keys in order, without the implicit `id` tie-breaker. Empty when `sort` is absent. */
  readonly sort: readonly SortKey[];
  /**
   * Present when the caller passed paging options: `offset` defaults to 0, `limit` to the default;
   * `cursor` is the raw `cursor=` token (keyset paging; never together with `offset`), decoded and
   * checked by the caller.
   */
  readonly page:
    { readonly offset: number; readonly limit: number; readonly cursor?: string } | undefined;
  /**
   * Attribute selection: undefined = the whole document; `[]` = `fields=none`; otherwise the dotted
   * names requested (unknown names kept; projection ignores what is absent).
   */
  readonly fields: readonly string[] | undefined;
}

/** Paging bounds supplied by the caller (the list endpoint). */
export interface PagingOptions {
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

/** Options of {@link parseQuery}. All bounds have safe defaults. */
export interface ParseOptions {
  /**
   * Enables `offset`, `limit` and `sort` (the list endpoint). Without it those parameters are rejected
   * with 400 (hub subscription queries have no page).
   */
  readonly paging?: PagingOptions;
  /** Maximum length of the raw query string (default 4096). */
  readonly maxQueryLength?: number;
  /** Maximum number of conditions after splitting value lists (default 64). */
  readonly maxConditions?: number;
  /** Maximum number of sort keys (default 8). */
  readonly maxSortKeys?: number;
  /** Maximum regex length (default 256). */
  readonly maxRegexLength?: number;
  /** Whether `.regex` / `*=` / `=~` is accepted at all (default true). */
  readonly allowRegex?: boolean;
}
