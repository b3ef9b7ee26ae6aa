import { Clause, Condition, Operator, QueryValue } from '@app/tmf-query/parser';

import { indexPathId } from './index-encoding';
import { TokenIndexMapping } from './storage';
import { SLOT_BITS } from './token-entries';
import {
  intervalCover,
  RangeBound,
  RangeOp,
  rangeCover,
  stringRangeCover,
  valueToken,
} from './token-encoding';

/**
 * What the token index knows of one condition. `sup`: tokens of which a matching row holds at least
 * one (`all`: the index cannot narrow it). `core`: tokens of which any one proves the match. A
 * condition the index decides exactly has `core` equal to `sup`; a range has its edge buckets in
 * `sup` only; a regex, `ne` or a typed string range has `sup: 'all'` and an empty core, and is
 * decided by the residual check on the stored document.
 */
interface TokenSets {
  readonly sup: ReadonlySet<string> | 'all';
  readonly core: ReadonlySet<string>;
}

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
}

const ALL = 'all';

/**
 * Plans clauses on token-indexed paths that must hold on one index row (one array element, or the
 * top-level attributes): each clause is an OR of tokens, the clauses an AND in one FTS5 `MATCH`.
 */
export function planTokens(clauses: readonly Clause[]): TokenPlan {
  const { intervals, others } = splitIntervals(clauses);
  const sets = [...intervals, ...others.map((clause) => clauseSets(clause.conditions))];
  const exact = sets.every((s) => s.sup !== ALL && sameSet(s.sup, s.core));
  const sup = matchOf(sets.flatMap((s) => (s.sup === ALL ? [] : [s.sup])));
  return { sup, core: exact ? sup : matchOf(sets.map((s) => s.core)), exact };
}

/**
 * Range clauses (one condition each) on the same number or date-time path, which holds at most one
 * value per index row, bound that one value together: `gte=a&lt=b` is the interval [a, b), covered
 * by the few buckets between a and b. Covered one by one, each end alone would name the buckets of
 * most of the index (FTS5 reads every one of them before the AND).
 */
function splitIntervals(clauses: readonly Clause[]): {
  intervals: TokenSets[];
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
    const cover = intervalCover(indexPathId(condition.attribute.path), kind, bounds);
    return { sup: new Set([...cover.core, ...cover.edge]), core: new Set(cover.core) };
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
function matchOf(terms: readonly ReadonlySet<string>[]): MatchExpression {
  if (terms.length === 0) {
    return true;
  }
  if (terms.some((set) => set.size === 0)) {
    return false;
  }
  return terms
    .map((set) => (set.size === 1 ? [...set][0] : `(${[...set].join(' OR ')})`))
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

/** The OR of a clause's conditions. */
function clauseSets(conditions: readonly Condition[]): TokenSets {
  const sup = new Set<string>();
  const core = new Set<string>();
  let all = false;
  for (const condition of conditions) {
    const sets = conditionSets(condition);
    if (sets.sup === ALL) {
      all = true;
    } else {
      sets.sup.forEach((t) => sup.add(t));
    }
    sets.core.forEach((t) => core.add(t));
  }
  return { sup: all ? ALL : sup, core };
}

const RESIDUAL: TokenSets = { sup: ALL, core: new Set() };

function exact(tokens: string[]): TokenSets {
  const set = new Set(tokens);
  return { sup: set, core: set };
}

function conditionSets({ attribute, op, value }: Condition): TokenSets {
  const pathId = indexPathId(attribute.path);
  if (op === 'regex' || value.kind === 'regex') {
    return RESIDUAL;
  }
  if (value.kind === 'any') {
    // The stored value's JSON type picks the comparison: the union of the three readings.
    const branches: TokenSets[] = [typedSets(pathId, op, 'string', value.text, undefined, true)];
    if (value.num !== undefined) {
      branches.push(typedSets(pathId, op, 'number', value.text, value.num, true));
    }
    if (value.bool !== undefined) {
      branches.push(typedSets(pathId, op, 'boolean', value.text, value.bool, true));
    }
    return union(branches);
  }
  return typedSets(
    pathId,
    op,
    value.kind,
    value.text,
    'num' in value ? value.num : undefined,
    false,
  );
}

function typedSets(
  pathId: number,
  op: Operator,
  kind: Exclude<QueryValue['kind'], 'any' | 'regex'>,
  text: string,
  num: number | undefined,
  anyValue: boolean,
): TokenSets {
  const tokenKind =
    kind === 'string' ? 's' : kind === 'number' ? 'n' : kind === 'boolean' ? 'b' : 'd';
  if (op === 'eq') {
    return exact([valueToken(pathId, tokenKind, tokenKind === 's' ? text : (num as number))]);
  }
  if (op === 'ne') {
    // A boolean has one other value; other types keep the residual check.
    return tokenKind === 'b' ? exact([valueToken(pathId, 'b', num === 1 ? 0 : 1)]) : RESIDUAL;
  }
  if (op === 'regex') {
    return RESIDUAL;
  }
  if (tokenKind === 'b') {
    // Booleans have no order (the parser refuses ranges on typed booleans; `any` never matches).
    return { sup: new Set(), core: new Set() };
  }
  if (tokenKind === 's') {
    // Only `any` values carry string buckets; a typed string range is checked on the document.
    if (!anyValue) {
      return RESIDUAL;
    }
    const cover = stringRangeCover(pathId, op, text);
    return { sup: new Set([...cover.core, ...cover.edge]), core: new Set(cover.core) };
  }
  const cover = rangeCover(pathId, tokenKind, op, num as number);
  return { sup: new Set([...cover.core, ...cover.edge]), core: new Set(cover.core) };
}

function union(branches: readonly TokenSets[]): TokenSets {
  const sup = new Set<string>();
  const core = new Set<string>();
  for (const branch of branches) {
    if (branch.sup === ALL) {
      return { sup: ALL, core: new Set(branches.flatMap((b) => [...b.core])) };
    }
    branch.sup.forEach((t) => sup.add(t));
    branch.core.forEach((t) => core.add(t));
  }
  return { sup, core };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((t) => b.has(t));
}
