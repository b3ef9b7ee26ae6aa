import { Condition, Operator, QueryValue } from '@app/tmf-query/parser';

import { indexPathId } from './index-encoding';
import { RangeOp } from './token-encoding';

/**
 * What a token index knows of one condition, in its engine's items `T` (FTS5 tokens on SQLite,
 * `(token, v)` ranges on MySQL/MariaDB). `sup`: a matching row holds at least one of them (`all`:
 * the index cannot narrow it); `core`: any one of them proves the match. A condition the index
 * decides exactly has `core` equal to `sup`; a regex, `ne` (but on booleans) or a typed string range
 * is `all` with an empty core, decided by the residual check on the stored document.
 */
export interface TokenCover<T> {
  readonly sup: readonly T[] | 'all';
  readonly core: readonly T[];
}

/**
 * How one engine's index answers the typed readings of a condition. The dispatch on operator and
 * value kind (which reading is exact, which is a range, which is left to the residual check) is
 * {@link clauseCover}'s, the same for both engines.
 */
export interface TokenCoverEngine<T> {
  /** The rows holding exactly this string or boolean (0 or 1). */
  value(pathId: number, kind: 's' | 'b', value: string | number): T;
  /** Equality or a range on a number or date-time. */
  ordered(pathId: number, kind: 'n' | 'd', op: 'eq' | RangeOp, num: number): TokenCover<T>;
  /** A range on an `any` value read as a string (typed string ranges are residual). */
  stringRange(pathId: number, op: RangeOp, text: string): TokenCover<T>;
  /** An item's identity, to hold each item once and compare covers. */
  readonly key: (item: T) => string;
}

export const ALL = 'all';

const RESIDUAL: TokenCover<never> = { sup: ALL, core: [] };

/** A cover the index decides exactly: the items (each once) are both `sup` and `core`. */
export function exactCover<T>(items: readonly T[]): TokenCover<T> {
  return { sup: items, core: items };
}

/** The OR of a clause's conditions, each item once. */
export function clauseCover<T>(
  conditions: readonly Condition[],
  engine: TokenCoverEngine<T>,
): TokenCover<T> {
  const sup: T[] = [];
  const core: T[] = [];
  let all = false;
  for (const condition of conditions) {
    const cover = conditionCover(condition, engine);
    if (cover.sup === ALL) {
      all = true;
    } else {
      sup.push(...cover.sup);
    }
    core.push(...cover.core);
  }
  return { sup: all ? ALL : unique(sup, engine.key), core: unique(core, engine.key) };
}

/**
 * The lookups of an AND of covers (clauses that must hold on one index row): `sup` of those the
 * index narrows, `core` of all (`exact` when each core is its sup), as the engine's `expression`.
 */
export function planCovers<T, E>(
  covers: readonly TokenCover<T>[],
  key: (item: T) => string,
  expression: (terms: readonly (readonly T[])[]) => E,
): { sup: E; core: E; exact: boolean } {
  const exact = covers.every((c) => c.sup !== ALL && sameItems(c.sup, c.core, key));
  const sup = expression(covers.flatMap((c) => (c.sup === ALL ? [] : [c.sup])));
  return { sup, core: exact ? sup : expression(covers.map((c) => c.core)), exact };
}

/** Whether two lists (each item once) hold the same items. */
export function sameItems<T>(a: readonly T[], b: readonly T[], key: (item: T) => string): boolean {
  const keys = new Set(a.map(key));
  return a.length === b.length && b.every((item) => keys.has(key(item)));
}

/** Each item once, in the order of its first occurrence. */
export function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

function conditionCover<T>(
  { attribute, op, value }: Condition,
  engine: TokenCoverEngine<T>,
): TokenCover<T> {
  const pathId = indexPathId(attribute.path);
  if (op === 'regex' || value.kind === 'regex') {
    return RESIDUAL;
  }
  if (value.kind === 'any') {
    // The stored value's JSON type picks the comparison: the union of the three readings.
    const branches = [typedCover(engine, pathId, op, 'string', value.text, undefined, true)];
    if (value.num !== undefined) {
      branches.push(typedCover(engine, pathId, op, 'number', value.text, value.num, true));
    }
    if (value.bool !== undefined) {
      branches.push(typedCover(engine, pathId, op, 'boolean', value.text, value.bool, true));
    }
    const core = branches.flatMap((b) => b.core);
    return branches.some((b) => b.sup === ALL)
      ? { sup: ALL, core }
      : { sup: branches.flatMap((b) => b.sup as readonly T[]), core };
  }
  return typedCover(
    engine,
    pathId,
    op,
    value.kind,
    value.text,
    'num' in value ? value.num : undefined,
    false,
  );
}

function typedCover<T>(
  engine: TokenCoverEngine<T>,
  pathId: number,
  op: Exclude<Operator, 'regex'>,
  kind: Exclude<QueryValue['kind'], 'any' | 'regex'>,
  text: string,
  num: number | undefined,
  anyValue: boolean,
): TokenCover<T> {
  if (kind === 'boolean') {
    if (op === 'eq' || op === 'ne') {
      // A boolean has one other value.
      const wanted = op === 'eq' ? (num as number) : num === 1 ? 0 : 1;
      return exactCover([engine.value(pathId, 'b', wanted)]);
    }
    // Booleans have no order (the parser refuses ranges on typed booleans; `any` never matches).
    return { sup: [], core: [] };
  }
  if (kind === 'string') {
    if (op === 'eq') {
      return exactCover([engine.value(pathId, 's', text)]);
    }
    // Only `any` values have ordered strings in the index; the rest is checked on the document.
    return op === 'ne' || !anyValue ? RESIDUAL : engine.stringRange(pathId, op, text);
  }
  return op === 'ne'
    ? RESIDUAL
    : engine.ordered(pathId, kind === 'number' ? 'n' : 'd', op, num as number);
}
