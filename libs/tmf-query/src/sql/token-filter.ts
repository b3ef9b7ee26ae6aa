import { Clause, Condition } from '@app/tmf-query/parser';

import { indexPathId } from './index-encoding';
import { TokenIndexMapping } from './storage';
import {
  ALL,
  clauseCover,
  exactCover,
  planCovers,
  sameItems,
  TokenCover,
  TokenCoverEngine,
  unique,
} from './token-cover';
import { SLOT_BITS } from './token-entries';
import type { MarkedHalves } from './token-search';
import {
  copyToken,
  elementMarks,
  elementToken,
  intervalCover,
  RangeBound,
  RangeCover,
  RangeOp,
  rangeCover,
  stringRangeCover,
  valueToken,
} from './token-encoding';

const identity = (token: string) => token;

/** A range's tokens: its edge buckets in `sup` only. */
function coverOf({ core, edge }: RangeCover): TokenCover<string> {
  return { sup: unique([...core, ...edge], identity), core: unique(core, identity) };
}

/** The FTS5 index's covers: a token per value, bucket tokens for ranges. */
const FTS5: TokenCoverEngine<string> = {
  value: (pathId, kind, value) => valueToken(pathId, kind, value),
  ordered: (pathId, kind, op, num) =>
    op === 'eq'
      ? exactCover([valueToken(pathId, kind, num)])
      : coverOf(rangeCover(pathId, kind, op, num)),
  // Only `any` values carry string buckets.
  stringRange: (pathId, op, text) => coverOf(stringRangeCover(pathId, op, text)),
  key: identity,
};

/**
 * A token-index lookup: an FTS5 query (an AND of ORs of tokens), or `true` (no narrowing) or
 * `false` (nothing matches).
 */
export type MatchExpression = string | boolean;

/** A filter part as two lookups: rows that may match (`sup`) and rows that surely do (`core`). */
export interface TokenPlan {
  readonly sup: MatchExpression;
  readonly core: MatchExpression;
  /** True when `core` is exactly `sup` (the part needs no residual check). */
  readonly exact: boolean;
  /** True when every token is a value token or a copy (no bucket token). */
  readonly values: boolean;
  /**
   * For an inexact plan whose every clause narrows (no regex, no `ne`): the FTS5 query (an OR) of
   * the tokens that `sup` names and `core` does not (a range's edge buckets). A row matching `sup`
   * that holds none of them holds a core token of every clause, so it matches `core`: "surely
   * matches" is `sup` less these few tokens' rows, where `core` names every core token again.
   */
  readonly edges?: string;
  /**
   * A same-element group on the one-row layout (`planElementTokens`), exact: `sup` as its two
   * halves, the customers' rows (the marked elements, one row per customer) and the later
   * elements' own rows, so that a count needs no `DISTINCT` over the customers' rows.
   */
  readonly marked?: MarkedHalves;
}

/**
 * The FTS5 covers of clauses on the slot-0 row when it holds copies: a value token of a path inside
 * an array (`arrayPaths`) is its copy. Records whether any bucket token was named.
 */
function slotZeroEngine(arrayPaths: ReadonlySet<number> | undefined): {
  engine: TokenCoverEngine<string>;
  buckets: () => boolean;
} {
  let buckets = false;
  const copy = (pathId: number, token: string) =>
    arrayPaths?.has(pathId) ? copyToken(token) : token;
  const engine: TokenCoverEngine<string> = {
    value: (pathId, kind, value) => copy(pathId, valueToken(pathId, kind, value)),
    ordered: (pathId, kind, op, num) => {
      if (op === 'eq') {
        return exactCover([copy(pathId, valueToken(pathId, kind, num))]);
      }
      buckets = true;
      return FTS5.ordered(pathId, kind, op, num);
    },
    stringRange: (pathId, op, text) => {
      buckets = true;
      return FTS5.stringRange(pathId, op, text);
    },
    key: identity,
  };
  return { engine, buckets: () => buckets };
}

/**
 * Plans clauses on token-indexed paths that must hold on one index row (one array element, or the
 * top-level attributes): each clause is an OR of tokens, the clauses an AND in one FTS5 `MATCH`.
 * `copies`: the clauses hold on the slot-0 row, those on paths inside arrays through the copies
 * (each such clause {@link isCopyClause}).
 */
export function planTokens(clauses: readonly Clause[], copies?: ReadonlySet<number>): TokenPlan {
  const { intervals, others } = splitIntervals(clauses);
  const { engine, buckets } = slotZeroEngine(copies);
  const sets = [...intervals, ...others.map((clause) => clauseCover(clause.conditions, engine))];
  const plan = planCovers(sets, identity, matchOf);
  const edges = plan.exact ? undefined : edgesOf(sets);
  return { ...plan, values: intervals.length === 0 && !buckets(), ...(edges && { edges }) };
}

/** The tokens of the covers' `sup` outside their `core`, as an FTS5 OR; none when a cover is `all`. */
function edgesOf(covers: readonly TokenCover<string>[]): string | undefined {
  const edges: string[] = [];
  for (const cover of covers) {
    if (cover.sup === ALL) {
      return undefined;
    }
    const core = new Set(cover.core);
    edges.push(...cover.sup.filter((token) => !core.has(token)));
  }
  const match = matchOf([unique(edges, identity)]);
  return typeof match === 'string' ? match : undefined;
}

/**
 * Plans a same-element group on the one-row layout (`TokenIndexMapping.oneRow`): the group's plan
 * with every token marked with an element (`elementToken`), OR-ed over the marks. A resource's row
 * matches a mark's branch when one of its first elements holds the whole group; a later element's
 * own row, when that element does.
 */
export function planElementTokens(clauses: readonly Clause[], elements: number): TokenPlan {
  const plan = planTokens(clauses);
  const marks = elementMarks(elements);
  // The expression once per mark, each with its tokens marked.
  const perMark = (expression: string) =>
    marks.map(
      (mark) =>
        `(${expression.replace(/[0-9a-z]+/g, (token) => elementToken(token, mark, elements))})`,
    );
  const marked = (expression: MatchExpression): MatchExpression =>
    typeof expression === 'boolean' ? expression : perMark(expression).join(' OR ');
  const edges = plan.edges === undefined ? undefined : (marked(plan.edges) as string);
  // The last mark is the later elements' (`elementToken`): their own rows.
  const supMarks = typeof plan.sup === 'string' ? perMark(plan.sup) : undefined;
  const halves =
    plan.exact && supMarks
      ? { rows: supMarks.slice(0, -1).join(' OR '), later: supMarks.slice(-1).join(' OR ') }
      : undefined;
  return {
    sup: supMarks ? supMarks.join(' OR ') : plan.sup,
    core: marked(plan.core),
    exact: plan.exact,
    values: plan.values,
    ...(edges && { edges }),
    ...(halves && { marked: halves }),
  };
}

/**
 * Whether clauses are the ends of one interval on one path ({@link splitIntervals}: one condition
 * each, a number or date-time range, at most one value per element): on the one-row layout, "one
 * element in the interval" is "some value in the interval", a lookup of the resource's row.
 */
export function isOnePathInterval(clauses: readonly Clause[]): boolean {
  const [first] = clauses[0]?.conditions ?? [];
  return clauses.every(
    (clause) =>
      clause.conditions.length === 1 &&
      isIntervalBound(clause.conditions[0]) &&
      clause.conditions[0].attribute.path === first.attribute.path,
  );
}

/**
 * Whether a clause that needs no shared element (some element matches, whichever) can be decided on
 * the slot-0 row's copies: it is exact and names value tokens only (no range on a path inside an
 * array, whose buckets have no copies). A resource has a row holding one of its tokens exactly
 * when its slot-0 row holds one of their copies.
 */
export function isCopyClause(clause: Clause, arrayPaths: ReadonlySet<number>): boolean {
  let ranges = false;
  const probe: TokenCoverEngine<string> = {
    ...FTS5,
    ordered: (pathId, kind, op, num) => {
      ranges ||= op !== 'eq' && arrayPaths.has(pathId);
      return FTS5.ordered(pathId, kind, op, num);
    },
    stringRange: (pathId, op, text) => {
      ranges ||= arrayPaths.has(pathId);
      return FTS5.stringRange(pathId, op, text);
    },
  };
  const cover = clauseCover(clause.conditions, probe);
  return !ranges && cover.sup !== ALL && sameItems(cover.sup, cover.core, identity);
}

/**
 * Range clauses (one condition each) on the same number or date-time path, which holds at most one
 * value per index row, bound that one value together: `gte=a&lt=b` is the interval [a, b), covered
 * by the few buckets between a and b. Covered one by one, each end alone would name the buckets of
 * most of the index (FTS5 reads every one of them before the AND).
 */
function splitIntervals(clauses: readonly Clause[]): {
  intervals: TokenCover<string>[];
  others: Clause[];
} {
  const byPath = new Map<string, { condition: Condition; bounds: RangeBound[] }>();
  const others: Clause[] = [];
  for (const clause of clauses) {
    const [condition] = clause.conditions;
    if (clause.conditions.length !== 1 || !isIntervalBound(condition)) {
      others.push(clause);
      continue;
    }
    const bound = { op: condition.op as RangeOp, num: (condition.value as { num: number }).num };
    const entry = byPath.get(condition.attribute.path);
    if (entry) {
      entry.bounds.push(bound);
    } else {
      byPath.set(condition.attribute.path, { condition, bounds: [bound] });
    }
  }
  const intervals = [...byPath.values()].map(({ condition, bounds }) => {
    const kind = condition.value.kind === 'instant' ? 'd' : 'n';
    return coverOf(intervalCover(indexPathId(condition.attribute.path), kind, bounds));
  });
  return { intervals, others };
}

/** A typed number/date-time range on a path with at most one value per index row. */
function isIntervalBound({ attribute, op, value }: Condition): boolean {
  return (
    (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') &&
    (value.kind === 'number' || value.kind === 'instant') &&
    attribute.type !== 'any' &&
    // The row's element (or the resource) holds one value: no array below the first.
    attribute.arrays.filter((isArray) => isArray).length <= 1
  );
}

/** AND of ORs; no term: `true`; an empty OR: `false`. */
function matchOf(terms: readonly (readonly string[])[]): MatchExpression {
  if (terms.length === 0) {
    return true;
  }
  if (terms.some((tokens) => tokens.length === 0)) {
    return false;
  }
  return terms
    .map((tokens) => (tokens.length === 1 ? tokens[0] : `(${tokens.join(' OR ')})`))
    .join(' AND ');
}

/**
 * SQL for a lookup: `<seq> IN (rows matching)`; a row id shifted right by {@link SLOT_BITS} is the
 * resource's `seq`. `bind` binds the FTS5 query (called once, in SQL text order).
 */
export function matchSql(
  expression: MatchExpression,
  mapping: TokenIndexMapping,
  seq: string,
  bind: (value: string) => string,
): string {
  if (typeof expression === 'boolean') {
    return expression ? '1 = 1' : '1 = 0';
  }
  const t = mapping.table;
  return `${seq} IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ${bind(expression)})`;
}
