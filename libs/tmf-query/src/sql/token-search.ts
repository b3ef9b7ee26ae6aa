import type { CompiledSql } from './compiler';
import { SqlParam, SqlStatement } from './index-entries';
import type { KeysetPosition } from './keyset';
import { SqlStorage, TokenIndexMapping } from './storage';
import { firstRowsMatch } from './token-encoding';
import { SLOT_BITS } from './token-entries';

/**
 * A filter that the token index answers alone (no column or href test): an AND of parts, each the
 * rows of one FTS5 lookup, by resource (`rowid >> SLOT_BITS` is the resource's `seq`).
 */
export interface TokenSearch {
  readonly mapping: TokenIndexMapping;
  readonly parts: readonly TokenSearchPart[];
  /** The residual check's key (`tmf_residual`), when some part is not exact. */
  readonly residualKey?: string;
}

export interface TokenSearchPart {
  /** The FTS5 query of the rows that may match. */
  readonly sup: string;
  /**
   * For a part the index only narrows: the FTS5 query of the rows that surely match (`false`:
   * none); the others are decided by the residual check. Undefined: exact.
   */
  readonly core: string | false | undefined;
  /**
   * At most one row of a resource can match (the slot-0 row: attributes outside arrays, and the
   * copies of the arrays' value tokens).
   */
  readonly singleRow: boolean;
  /** `sup` is one value token of the slot-0 rows, exact: the mapping's count table counts it. */
  readonly counted?: boolean;
  /**
   * For an inexact part: the FTS5 query (an OR) of the tokens of `sup` outside `core` (a range's
   * edge buckets), when it has them (`TokenPlan.edges`). A row of `sup` holding none of them is a
   * row of `core`.
   */
  readonly edges?: string;
  /**
   * An exact same-element group on the one-row layout: `sup` as the customers' rows' half and the
   * later elements' rows' half (`TokenPlan.marked`), for a count without `DISTINCT`.
   */
  readonly marked?: MarkedHalves;
}

/**
 * A same-element group's lookup on the one-row layout in two halves: the customers' rows (the
 * marked elements) and the later elements' own rows.
 */
export interface MarkedHalves {
  readonly rows: string;
  readonly later: string;
}

/**
 * The exact number of customers of a search that is one same-element group (`TokenSearchPart.marked`):
 * the customers' rows matching, one per customer, plus the customers that match on a later
 * element's row only (few: arrays longer than the marked elements), each once.
 */
function markedGroupCount(mapping: TokenIndexMapping, { rows, later }: MarkedHalves): SqlStatement {
  const t = mapping.table;
  return {
    sql:
      `SELECT (SELECT COUNT(*) FROM ${t} WHERE ${t} MATCH ?) + (SELECT COUNT(DISTINCT rowid >> ${SLOT_BITS}) FROM ${t} o` +
      ` WHERE o.${t} MATCH ? AND NOT EXISTS (SELECT 1 FROM ${t} x WHERE x.${t} MATCH ?` +
      ` AND x.rowid = (o.rowid >> ${SLOT_BITS}) << ${SLOT_BITS})) AS total`,
    params: [rows, later, rows],
  };
}

/**
 * The edge tokens of every inexact part, as one FTS5 OR, when each has them: a resource that holds
 * none of them in any row and has a row of each part's `sup` surely matches (that row of each part
 * holds core tokens only), so only the resources holding one need the residual check. Named once,
 * these few tokens replace the core tokens (~20 for a one-day range) that "surely matches" opened
 * again in every segment of the index.
 */
function edgesOf(search: TokenSearch): string | undefined {
  const inexact = search.parts.filter((p) => p.core !== undefined);
  if (inexact.length === 0 || inexact.some((p) => p.edges === undefined)) {
    return undefined;
  }
  const tokens = [
    ...new Set(inexact.flatMap((p) => (p.edges as string).replace(/[()]/g, '').split(' OR '))),
  ];
  return tokens.length === 1 ? tokens[0] : `(${tokens.join(' OR ')})`;
}

interface Fragment {
  readonly sql: string;
  readonly params: SqlParam[];
}

/**
 * A lookup as few rows as it can: one token on array rows becomes its first row per resource (the
 * rows without its repeat marker, see `extractTokenRows`). `distinct`: one row per resource.
 */
function lookupOf(match: string, singleRow: boolean): { match: string; distinct: boolean } {
  if (singleRow) {
    return { match, distinct: true };
  }
  return match.includes(' ')
    ? { match, distinct: false }
    : { match: firstRowsMatch(match), distinct: true };
}

/** The seqs of the rows matching `match` (a compound-select arm). */
function seqsOf(mapping: TokenIndexMapping, match: string, singleRow = false): Fragment {
  const t = mapping.table;
  return {
    sql: `SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?`,
    params: [lookupOf(match, singleRow).match],
  };
}

/** The number of resources having a row of every lookup. */
function countOf(
  mapping: TokenIndexMapping,
  lookups: readonly { match: string; singleRow: boolean }[],
): Fragment {
  const t = mapping.table;
  const [first, ...others] = lookups;
  const { match, distinct } = lookupOf(first.match, first.singleRow);
  if (others.length === 0) {
    // One row per resource: FTS5 counts its doclist without reading a row id (measured 3-8 times
    // cheaper than the distinct row ids, which fill a b-tree).
    const what = distinct ? 'COUNT(*)' : `COUNT(DISTINCT rowid >> ${SLOT_BITS})`;
    return { sql: `SELECT ${what} FROM ${t} WHERE ${t} MATCH ?`, params: [match] };
  }
  // The first lookup's rows, kept when the others (read whole, once) hold their resource: measured
  // 30-45 % cheaper than an INTERSECT, which sorts both sides.
  const tests = others.map((l) => seqsOf(mapping, l.match, l.singleRow));
  return {
    sql:
      `SELECT ${distinct ? 'COUNT(*)' : 'COUNT(DISTINCT s)'} FROM (SELECT rowid >> ${SLOT_BITS} AS s FROM ${t} WHERE ${t} MATCH ?)` +
      ` WHERE ${tests.map((test) => `s IN (${test.sql})`).join(' AND ')}`,
    params: [match, ...tests.flatMap((test) => test.params)],
  };
}

/**
 * The token whose count the count table may keep, when the search is one counted token alone (its
 * count then reads that token's row, else counts its slot-0 rows: `tokenCountStatement`). A token
 * found common when counted can be given a row (`tokenCountRowStatement`).
 */
export function keptCountToken(search: TokenSearch): string | undefined {
  const { mapping, parts } = search;
  return parts.length === 1 && parts[0].counted && mapping.countTable ? parts[0].sup : undefined;
}

/**
 * The exact number of matches, read from the token index: the resources every part surely matches,
 * plus, when some part is inexact, those it may match that the residual check accepts (only they
 * are read from the resource table).
 */
export function tokenCountStatement(search: TokenSearch, storage: SqlStorage): SqlStatement {
  const { mapping, parts } = search;
  const inexact = parts.filter((p) => p.core !== undefined);
  const sure = parts.map((p) => ({ match: p.core ?? p.sup, singleRow: p.singleRow }));
  const kept = keptCountToken(search);
  if (kept !== undefined) {
    // A common token's count is kept with the index: one lookup, whatever the number of matches.
    // Any other is counted from its slot-0 rows (one per resource).
    const count = countOf(mapping, sure as { match: string; singleRow: boolean }[]);
    return {
      sql: `SELECT COALESCE((SELECT n FROM ${mapping.countTable} WHERE token = ?), (${count.sql})) AS total`,
      params: [kept, ...count.params],
    };
  }
  if (parts.length === 1 && parts[0].marked && parts[0].core === undefined) {
    return markedGroupCount(mapping, parts[0].marked);
  }
  if (inexact.length === 0) {
    const count = countOf(mapping, sure as { match: string; singleRow: boolean }[]);
    return { sql: `SELECT (${count.sql}) AS total`, params: count.params };
  }
  const edges = edgesOf(search);
  if (edges !== undefined) {
    return edgeCountStatement(search, storage, edges);
  }
  const surely = sure.every((l) => typeof l.match === 'string')
    ? countOf(mapping, sure as { match: string; singleRow: boolean }[])
    : undefined;
  const maybe = maybeSeqs(search);
  const c = 'c';
  const residual = `tmf_residual(${c}.${mapping.documentColumn}, ${c}.${storage.idColumn}, ?)`;
  const checked = `SELECT COUNT(*) FROM ${storage.table} ${c} WHERE ${c}.${mapping.seqColumn} IN (${maybe.sql}) AND ${residual}`;
  return {
    sql: `SELECT ${surely ? `(${surely.sql})` : '0'} + (${checked}) AS total`,
    params: [...(surely?.params ?? []), ...maybe.params, search.residualKey as string],
  };
}

/**
 * The count when the inexact parts have edge tokens: the resources every part may match (`sup`),
 * each once, those holding an edge token only when the residual check accepts them. `sup` and the
 * edges are each looked up once; only the resources in the edges are read.
 */
function edgeCountStatement(search: TokenSearch, storage: SqlStorage, edges: string): SqlStatement {
  const { mapping, parts } = search;
  const t = mapping.table;
  const [first, ...others] = parts;
  const { match, distinct } = lookupOf(first.sup, first.singleRow);
  const tests = others.map((p) => seqsOf(mapping, p.sup, p.singleRow));
  const c = 'c';
  const residual = `tmf_residual(${c}.${mapping.documentColumn}, ${c}.${storage.idColumn}, ?)`;
  // As in `countOf`: the first lookup's rows, kept when the others (read whole, once) hold them.
  const candidates =
    `SELECT ${distinct ? '' : 'DISTINCT '}s FROM (SELECT rowid >> ${SLOT_BITS} AS s FROM ${t} WHERE ${t} MATCH ?)` +
    (tests.length > 0 ? ` WHERE ${tests.map((test) => `s IN (${test.sql})`).join(' AND ')}` : '');
  return {
    sql:
      `SELECT COUNT(*) AS total FROM (${candidates}) m WHERE m.s NOT IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?)` +
      ` OR (SELECT ${residual} FROM ${storage.table} ${c} WHERE ${c}.${mapping.seqColumn} = m.s)`,
    params: [match, ...tests.flatMap((test) => test.params), edges, search.residualKey as string],
  };
}

/** The seqs every part may match, less those every part surely matches. */
function maybeSeqs(search: TokenSearch): Fragment {
  const sups = search.parts.map((p) => seqsOf(search.mapping, p.sup, p.singleRow));
  const inexact = search.parts.filter((p) => p.core !== undefined);
  const sure = inexact.every((p) => typeof p.core === 'string')
    ? inexact.map((p) => seqsOf(search.mapping, p.core as string, p.singleRow))
    : [];
  const except =
    sure.length === 0
      ? ''
      : ` EXCEPT SELECT * FROM (${sure.map((s) => s.sql).join(' INTERSECT ')})`;
  return {
    sql: `${sups.map((s) => s.sql).join(' INTERSECT ')}${except}`,
    params: [...sups.flatMap((s) => s.params), ...sure.flatMap((s) => s.params)],
  };
}

/**
 * Whether the token index can deliver the query's order itself: the order is the id alone and the
 * caller knows that `seq` order is id order (see `seqOrdered` of `keysetStatements`).
 */
export function servesOrder(compiled: CompiledSql, storage: SqlStorage): boolean {
  const keys = compiled.keys;
  return (
    compiled.tokenSearch !== undefined &&
    keys.length === 1 &&
    keys[0].sql === `${compiled.alias}.${storage.idColumn}`
  );
}

/**
 * How many of the first part's rows a keyset page tests against the other parts one candidate at a
 * time (an FTS5 lookup bounded to the candidate's rows) before it reads the other parts' matches
 * whole: a probe costs tens of microseconds, reading a part whole a fraction of a microsecond per
 * row it matches.
 */
export const PROBED_ROWS = 256;

/** Which rows of the first part a page statement reads. */
type Stretch = 'all' | 'probed' | 'rest';

/**
 * A page of matches in `seq` order (= id order, by the caller's word), read from the token index
 * in row-id order: the first part's rows stream in order, each resource once (a resource's rows are
 * adjacent), and the page stops after `LIMIT` matches; the resource row is read only for the
 * candidates. `position` (a keyset cursor) starts it after or before a row.
 *
 * - `keyset`: statements to run in order until the page is full (`readKeyset`), each ending with
 *   `LIMIT ?`. With several parts, the first statement tests the other parts per candidate among
 *   the first part's first {@link PROBED_ROWS} rows, the second the rest against the other parts'
 *   matches read whole.
 * - `offset`: one statement ending with `LIMIT ? OFFSET ?`.
 */
export function tokenPageStatements(
  compiled: CompiledSql,
  storage: SqlStorage,
  head: Fragment,
  position: KeysetPosition | undefined,
  paging: 'keyset' | 'offset',
  probedRows = PROBED_ROWS,
): SqlStatement[] {
  const search = compiled.tokenSearch as TokenSearch;
  probedRows = Math.max(1, Math.floor(probedRows));
  // The part with the most tokens drives (streaming it opens its tokens once); the others are
  // probed per candidate, which opens their tokens each time: only worth it for a few tokens.
  const parts = [...search.parts].sort((a, b) => tokenCount(b.sup) - tokenCount(a.sup));
  const page = (stretch: Stretch) =>
    pageStatement(compiled, storage, head, position, { stretch, probedRows, parts }, paging);
  if (
    paging === 'offset' ||
    parts.length === 1 ||
    parts.slice(1).some((part) => tokenCount(part.sup) > PROBED_MAX_TOKENS)
  ) {
    return [page('all')];
  }
  return [page('probed'), page('rest')];
}

/** At most this many tokens in a part probed per candidate. */
const PROBED_MAX_TOKENS = 8;

function tokenCount(match: string): number {
  return match.split(' ').filter((word) => word !== 'OR' && word !== 'AND').length;
}

function pageStatement(
  compiled: CompiledSql,
  storage: SqlStorage,
  head: Fragment,
  position: KeysetPosition | undefined,
  {
    stretch,
    probedRows,
    parts,
  }: { stretch: Stretch; probedRows: number; parts: readonly TokenSearchPart[] },
  paging: 'keyset' | 'offset',
): SqlStatement {
  const search = compiled.tokenSearch as TokenSearch;
  const { mapping } = search;
  const t = mapping.table;
  const c = compiled.alias;
  const seq = `${c}.${mapping.seqColumn}`;
  const id = storage.idColumn;
  const walksBack = compiled.keys[0].descending !== (position?.direction === 'before');
  const direction = walksBack ? 'DESC' : 'ASC';
  // The first part's rows from the position on, in the walking direction.
  let fromSql = `${t} WHERE ${t} MATCH ?`;
  const fromParams: SqlParam[] = [parts[0].sup];
  if (position) {
    // Ids grow with seq: the rows after id X are those after the last seq whose id is <= X.
    fromSql += walksBack
      ? ` AND rowid < COALESCE((SELECT ${mapping.seqColumn} FROM ${storage.table} WHERE ${id} >= ? ORDER BY ${id} LIMIT 1) << ${SLOT_BITS}, ${MAX_ROWID})`
      : ` AND rowid >= (COALESCE((SELECT ${mapping.seqColumn} FROM ${storage.table} WHERE ${id} <= ? ORDER BY ${id} DESC LIMIT 1), -1) + 1) << ${SLOT_BITS}`;
    fromParams.push(position.values[0] as SqlParam);
  }
  const from = { sql: fromSql, params: fromParams };
  const params: SqlParam[] = [...head.params];
  let stream: string;
  const lag = (r: string) =>
    `SELECT ${r} >> ${SLOT_BITS} AS s, LAG(${r} >> ${SLOT_BITS}) OVER (ORDER BY ${r} ${direction}) AS p`;
  if (stretch === 'probed') {
    stream = `${lag('r')} FROM (SELECT rowid AS r FROM ${from.sql} ORDER BY rowid ${direction} LIMIT ${probedRows})`;
    params.push(...from.params);
  } else if (stretch === 'rest') {
    // After the resource of the last probed row (whose rows the probed statement saw first).
    const cut = `(SELECT rowid >> ${SLOT_BITS} FROM ${from.sql} ORDER BY rowid ${direction} LIMIT 1 OFFSET ${probedRows - 1})`;
    const after = walksBack
      ? `rowid < COALESCE(${cut} << ${SLOT_BITS}, -1)`
      : `rowid >= COALESCE((${cut} + 1) << ${SLOT_BITS}, ${MAX_ROWID})`;
    stream = `${lag('rowid')} FROM ${from.sql} AND ${after}`;
    params.push(...from.params, ...from.params);
  } else {
    stream = `${lag('rowid')} FROM ${from.sql}`;
    params.push(...from.params);
  }
  const tests = ['m.p IS NOT m.s'];
  for (const part of parts.slice(1)) {
    tests.push(
      stretch === 'probed'
        ? `EXISTS (SELECT 1 FROM ${t} x WHERE x.${t} MATCH ? AND x.rowid >= m.s << ${SLOT_BITS} AND x.rowid < (m.s + 1) << ${SLOT_BITS})`
        : `${seq} IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?)`,
    );
    params.push(stretch === 'probed' ? part.sup : lookupOf(part.sup, part.singleRow).match);
  }
  const inexact = parts.filter((p) => p.core !== undefined);
  if (inexact.length > 0) {
    const cores = inexact.map((p) => p.core);
    const residual = `tmf_residual(${c}.${mapping.documentColumn}, ${c}.${id}, ?)`;
    const edges = edgesOf(search);
    if (edges !== undefined) {
      tests.push(
        `(CASE WHEN ${seq} NOT IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?) THEN 1 ELSE ${residual} END)`,
      );
      params.push(edges);
    } else if (cores.every((core) => typeof core === 'string')) {
      const sure = cores.map(
        () => `${seq} IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?)`,
      );
      tests.push(`(CASE WHEN ${sure.join(' AND ')} THEN 1 ELSE ${residual} END)`);
      params.push(...inexact.map((p) => lookupOf(p.core as string, p.singleRow).match));
    } else {
      tests.push(residual);
    }
    params.push(search.residualKey as string);
  }
  // CROSS JOIN keeps the stream outside: rows come out in its order, no sort.
  return {
    sql:
      `${head.sql} FROM (${stream}) m CROSS JOIN ${storage.table} ${c} ON ${seq} = m.s ` +
      `WHERE ${tests.join(' AND ')} LIMIT ?${paging === 'offset' ? ' OFFSET ?' : ''}`,
    params,
  };
}

const MAX_ROWID = '9223372036854775807';
