import { Clause } from '@app/tmf-query/parser';

import { EPOCH_BITS } from './mysql-token-entries';
import { MysqlTokenMapping } from './storage';
import {
  ALL,
  clauseCover,
  exactCover,
  planCovers,
  sameItems,
  TokenCover,
  TokenCoverEngine,
} from './token-cover';
import {
  decrement,
  increment,
  Key,
  keyText,
  MAX_KEY,
  MIN_KEY,
  orderedTokenNumber,
  sortableKey,
  stringKey,
  valueTokenNumber,
} from './token-encoding';

/**
 * What the MySQL/MariaDB token table (`mysql-token-entries.ts`) knows of a condition: ranges of
 * `(token, v)`. `sup`: a matching row lies in one of them (`all`: the table cannot narrow it);
 * `core`: a row in one of them proves the match. Equality, OR lists and ranges on numbers and
 * date-times are exact (`core` = `sup`); a range on an `any` string has the strings sharing the
 * query's first eight bytes as its edge; a regex, `ne` (but on booleans) or a typed string range
 * is `all`, decided on the stored documents (`resolveMysqlResidual`).
 */
export interface TokenRange {
  readonly token: number;
  /** Inclusive bounds of `v`, as decimal text of a BIGINT UNSIGNED. */
  readonly from: string;
  readonly to: string;
}

type RangeSets = TokenCover<TokenRange>;

/** A lookup: an AND (clauses on one row) of ORs (ranges), or `true`/`false`. */
export type RangeExpression = readonly (readonly TokenRange[])[] | boolean;

export interface MysqlTokenPlan {
  readonly sup: RangeExpression;
  readonly core: RangeExpression;
  /** True when `core` is exactly `sup` (no residual check). */
  readonly exact: boolean;
}

const rangeKey = (r: TokenRange) => `${r.token}:${r.from}:${r.to}`;

/** The token table's covers: a point per value, one `v` range per ordered comparison. */
const TOKEN_TABLE: TokenCoverEngine<TokenRange> = {
  value: (pathId, kind, value) => point(valueTokenNumber(pathId, kind, value), '0'),
  ordered: (pathId, kind, op, num) => {
    const token = orderedTokenNumber(pathId, kind);
    const key = sortableKey(num);
    const from = op === 'gt' ? increment(key) : op === 'gte' || op === 'eq' ? key : MIN_KEY;
    const to = op === 'lt' ? decrement(key) : op === 'lte' || op === 'eq' ? key : MAX_KEY;
    return exactCover(from && to ? [range(token, from, to)] : []);
  },
  stringRange: (pathId, op, text) => {
    // Ordered by their first eight UTF-8 bytes: strings sharing the query's are the edge.
    const key = stringKey(text);
    const token = orderedTokenNumber(pathId, 's');
    const edge = point(token, keyText(key));
    const up = op === 'gt' || op === 'gte';
    const beyond = up ? increment(key) : decrement(key);
    const core = beyond ? [range(token, up ? beyond : MIN_KEY, up ? MAX_KEY : beyond)] : [];
    return { sup: [...core, edge], core };
  },
  key: rangeKey,
};

/** Plans clauses on token paths that must hold on one index row (one element, or the root). */
export function planMysqlTokens(clauses: readonly Clause[]): MysqlTokenPlan {
  const sets = mergeRanges(
    clauses,
    clauses.map((clause) => clauseCover(clause.conditions, TOKEN_TABLE)),
  );
  return planCovers(sets, rangeKey, expressionOf);
}

/**
 * Clauses that are each one exact range of the same ordered path, on a path with at most one value
 * per index row (no array below the element's): one range, their intersection. Apart, each would
 * scan its own half-open range (`gte` and `lt` of a window: most of the path's rows) and join the
 * other on a key whose prefix stops at `v`.
 */
function mergeRanges(clauses: readonly Clause[], sets: RangeSets[]): RangeSets[] {
  const merged: RangeSets[] = [];
  const byToken = new Map<number, { from: bigint; to: bigint; at: number }>();
  sets.forEach((set, i) => {
    const [condition] = clauses[i].conditions;
    const single =
      clauses[i].conditions.length === 1 &&
      condition.attribute.arrays.filter(Boolean).length <= 1 &&
      (condition.value.kind === 'number' || condition.value.kind === 'instant') &&
      set.sup !== ALL &&
      set.sup.length === 1 &&
      sameItems(set.sup, set.core, rangeKey);
    if (!single) {
      merged.push(set);
      return;
    }
    const [r] = set.sup as TokenRange[];
    const seen = byToken.get(r.token);
    if (!seen) {
      byToken.set(r.token, { from: BigInt(r.from), to: BigInt(r.to), at: merged.length });
      merged.push(set);
      return;
    }
    seen.from = seen.from > BigInt(r.from) ? seen.from : BigInt(r.from);
    seen.to = seen.to < BigInt(r.to) ? seen.to : BigInt(r.to);
    const ranges: TokenRange[] =
      seen.from <= seen.to
        ? [{ token: r.token, from: seen.from.toString(), to: seen.to.toString() }]
        : [];
    merged[seen.at] = { sup: ranges, core: ranges };
  });
  return merged;
}

function expressionOf(terms: readonly (readonly TokenRange[])[]): RangeExpression {
  if (terms.length === 0) {
    return true;
  }
  return terms.some((t) => t.length === 0) ? false : terms;
}

/**
 * SQL for a lookup. Collected: `<seq> IN (SELECT seq FROM <table> ...)`, the first clause's ranges
 * scanned in every epoch, each further clause a key probe on the same `(epoch, seq, slot)`. Probed
 * (`probe`): `(SELECT 1 FROM <table> ... WHERE epoch = <seq> >> EPOCH_BITS AND seq = <seq> ...
 * LIMIT 1) IS NOT NULL`, a key lookup per candidate customer, which the database cannot turn into
 * collecting every match first. `bind` binds a value (called in SQL text order).
 */
export function mysqlMatchSql(
  expression: RangeExpression,
  mapping: MysqlTokenMapping,
  seq: string,
  epochs: number,
  bind: (value: string | number) => string,
  alias: () => string,
  probe = false,
): string {
  if (typeof expression === 'boolean') {
    return expression ? '1 = 1' : '1 = 0';
  }
  const t = mapping.table;
  // Fewest ranges first: the scan drives, the others probe.
  const [first, ...rest] = [...expression].sort((a, b) => a.length - b.length);
  const a0 = alias();
  const joins = rest.map((ranges) => {
    const a = alias();
    return () =>
      ` JOIN ${t} ${a} ON ${a}.epoch = ${a0}.epoch AND ${a}.seq = ${a0}.seq AND ${a}.slot = ${a0}.slot AND ${rangesSql(a, ranges, bind)}`;
  });
  if (probe) {
    const joined = joins.map((j) => j()).join('');
    return (
      `(SELECT 1 FROM ${t} ${a0}${joined} WHERE ${a0}.epoch = ${seq} >> ${EPOCH_BITS} ` +
      `AND ${a0}.seq = ${seq} AND ${rangesSql(a0, first, bind)} LIMIT 1) IS NOT NULL`
    );
  }
  const joined = joins.map((j) => j()).join('');
  return `${seq} IN (SELECT ${a0}.seq FROM ${t} ${a0}${joined} WHERE ${epochList(a0, epochs)} AND ${rangesSql(a0, first, bind)})`;
}

function epochList(a: string, epochs: number): string {
  return epochs <= 1 ? `${a}.epoch = 0` : `${a}.epoch IN (${[...Array(epochs).keys()].join(', ')})`;
}

/**
 * The exact count of customers matching every lookup (each an AND of clauses on one row), from the
 * token table alone: the first lookup's rows scanned in every epoch, the others joined on the
 * customer's `(epoch, seq)`; rows of deleted customers not yet swept left out when `dead`. When it
 * counts rows, also their smallest and largest seq (`lo`, `hi`, unswept deleted customers' rows
 * included): where the matches lie, for the choice of a page's plan; a kept count has neither.
 */
export function mysqlCountSql(
  lookups: readonly (readonly (readonly TokenRange[])[])[],
  mapping: MysqlTokenMapping,
  epochs: number,
  dead: boolean,
  bind: (value: string | number) => string,
  alias: () => string,
  /**
   * `seqs`: the matching customers' seqs instead of their count (one subquery for every lookup);
   * `distinct`: each once.
   */
  select: 'count' | 'seqs' | 'distinct' = 'count',
  /**
   * The keys (`token:v`) known to have kept count rows, when known: such a key's count reads its
   * count rows alone, without the fallback to its token rows (whose ranges MariaDB would still
   * plan, one per epoch); another key's, its token rows alone, with their bounds. Unknown: the
   * count rows, else the token rows, in one statement.
   */
  keptKeys?: ReadonlySet<string>,
): string {
  const t = mapping.table;
  const [only] = lookups;
  if (select === 'count' && lookups.length === 1 && only.length === 1 && isPoint(only[0])) {
    // One (token, v): its rows with rep = 0 are one per customer, counted without de-duplicating
    // (a walk of the index; COUNT(DISTINCT) sorts or hashes every seq, ~8 times the cost).
    // Rendered in SQL text order (parameters are bound as they are written). A kept key's count
    // is read from its count rows (their sum; NULL when it has none, and the rows are counted).
    const { token, from } = only[0][0];
    const sum = (countTable: string) =>
      `(SELECT SUM(n) FROM ${countTable} WHERE token = ${bind(token)} AND v = ${bind(from)})`;
    if (mapping.countTable && keptKeys?.has(`${token}:${from}`)) {
      // Count rows are never removed while serving: a key known kept has them.
      return `SELECT ${sum(mapping.countTable)} AS total`;
    }
    // A key promoted since the keys were read is still counted exactly, from its rows.
    const kept = mapping.countTable && !keptKeys ? sum(mapping.countTable) : undefined;
    const a = alias();
    const live = dead
      ? ` AND NOT EXISTS (SELECT 1 FROM ${mapping.deadTable} d WHERE d.seq = ${a}.seq)`
      : '';
    const rows = `FROM ${t} ${a} WHERE ${epochList(a, epochs)} AND ${rangesSql(a, only[0], bind)} AND ${a}.rep = 0${live}`;
    return kept
      ? `SELECT COALESCE(${kept}, (SELECT COUNT(*) ${rows})) AS total`
      : `SELECT COUNT(*) AS total, MIN(${a}.seq) AS lo, MAX(${a}.seq) AS hi ${rows}`;
  }
  let root: string | undefined;
  // Rendered in SQL text order (FROM, then WHERE): parameters are bound as they are written.
  const from: (() => string)[] = [];
  const where: (() => string)[] = [];
  for (const clauses of lookups) {
    let first: string | undefined;
    for (const ranges of clauses) {
      const a = alias();
      if (!root) {
        root = a;
        from.push(() => `${t} ${a}`);
        where.push(
          () => epochList(a, epochs),
          () => rangesSql(a, ranges, bind),
        );
      } else {
        const r = root;
        const slot = first ? ` AND ${a}.slot = ${first}.slot` : '';
        from.push(
          () =>
            `JOIN ${t} ${a} ON ${a}.epoch = ${r}.epoch AND ${a}.seq = ${r}.seq${slot} AND ${rangesSql(a, ranges, bind)}`,
        );
      }
      first ??= a;
    }
  }
  if (dead) {
    const r = root;
    where.push(() => `NOT EXISTS (SELECT 1 FROM ${mapping.deadTable} d WHERE d.seq = ${r}.seq)`);
  }
  const fromSql = from.map((f) => f()).join(' ');
  const whereSql = where.map((w) => w()).join(' AND ');
  const head =
    select === 'count'
      ? `COUNT(DISTINCT ${root}.seq) AS total, MIN(${root}.seq) AS lo, MAX(${root}.seq) AS hi`
      : `${select === 'distinct' ? 'DISTINCT ' : ''}${root}.seq`;
  return `SELECT ${head} FROM ${fromSql} WHERE ${whereSql}`;
}

/**
 * The `(token, v)` of lookups that are one point (counted by {@link mysqlCountSql} from its kept
 * count rows when it has them, else from its rows), else undefined.
 */
export function mysqlPointKey(
  lookups: readonly (readonly (readonly TokenRange[])[])[],
): { token: number; v: string } | undefined {
  const [only] = lookups;
  return lookups.length === 1 && only.length === 1 && isPoint(only[0])
    ? { token: only[0][0].token, v: only[0][0].from }
    : undefined;
}

/** One range of one point: a single `(token, v)`. */
function isPoint(ranges: readonly TokenRange[]): boolean {
  return ranges.length === 1 && ranges[0].from === ranges[0].to;
}

/** An OR of ranges on alias `a`: equality tokens in one IN list, the others one by one. */
function rangesSql(
  a: string,
  ranges: readonly TokenRange[],
  bind: (value: string | number) => string,
): string {
  const plain = ranges.filter((r) => r.from === '0' && r.to === '0');
  const terms: string[] = [];
  if (plain.length > 0) {
    const tokens = [...new Set(plain.map((r) => r.token))];
    terms.push(
      tokens.length === 1
        ? `(${a}.token = ${bind(tokens[0])} AND ${a}.v = 0)`
        : `(${a}.token IN (${tokens.map((t) => bind(t)).join(', ')}) AND ${a}.v = 0)`,
    );
  }
  for (const r of ranges) {
    if (r.from === '0' && r.to === '0') {
      continue;
    }
    terms.push(
      r.from === r.to
        ? `(${a}.token = ${bind(r.token)} AND ${a}.v = ${bind(r.from)})`
        : `(${a}.token = ${bind(r.token)} AND ${a}.v BETWEEN ${bind(r.from)} AND ${bind(r.to)})`,
    );
  }
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}

function point(token: number, v: string): TokenRange {
  return { token, from: v, to: v };
}

function range(token: number, from: Key, to: Key): TokenRange {
  return { token, from: keyText(from), to: keyText(to) };
}
