import type { CompiledSql } from './compiler';
import { SqlParam, SqlStatement } from './index-entries';
import type { KeysetPosition } from './keyset';
import { SqlStorage, TokenIndexMapping } from './storage';
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
  /** At most one row of a resource can match (attributes outside arrays: the slot-0 row). */
  readonly singleRow: boolean;
}

interface Fragment {
  readonly sql: string;
  readonly params: SqlParam[];
}

/** The seqs of the rows matching `match` (a compound-select arm). */
function seqsOf(mapping: TokenIndexMapping, match: string): Fragment {
  const t = mapping.table;
  return { sql: `SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?`, params: [match] };
}

/** The number of resources having a row of every lookup (the lookups' seqs intersected). */
function countOf(
  mapping: TokenIndexMapping,
  lookups: readonly { match: string; singleRow: boolean }[],
): Fragment {
  const t = mapping.table;
  if (lookups.length === 1) {
    const [{ match, singleRow }] = lookups;
    // One row per resource: FTS5 counts its doclist without reading a row id.
    const what = singleRow ? 'COUNT(*)' : `COUNT(DISTINCT rowid >> ${SLOT_BITS})`;
    return { sql: `SELECT ${what} FROM ${t} WHERE ${t} MATCH ?`, params: [match] };
  }
  const arms = lookups.map((l) => seqsOf(mapping, l.match));
  return {
    sql: `SELECT COUNT(*) FROM (${arms.map((a) => a.sql).join(' INTERSECT ')})`,
    params: arms.flatMap((a) => a.params),
  };
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
  if (inexact.length === 0) {
    const count = countOf(mapping, sure as { match: string; singleRow: boolean }[]);
    return { sql: `SELECT (${count.sql}) AS total`, params: count.params };
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

/** The seqs every part may match, less those every part surely matches. */
function maybeSeqs(search: TokenSearch): Fragment {
  const sups = search.parts.map((p) => seqsOf(search.mapping, p.sup));
  const cores = search.parts.filter((p) => p.core !== undefined).map((p) => p.core);
  const sure = cores.every((core) => typeof core === 'string')
    ? cores.map((core) => seqsOf(search.mapping, core))
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
 * A page of matches in `seq` order (= id order, by the caller's word), read from the token index
 * in row-id order: the first part's rows stream in order, each resource once (a resource's rows are
 * adjacent), and the page stops after `LIMIT` matches; the other parts are tested per candidate,
 * the resource row is read only for the candidates. `position` (a keyset cursor) starts it after or
 * before a row; `paging: 'offset'` ends it with `LIMIT ? OFFSET ?`, else `LIMIT ?` (bound by the
 * caller).
 */
export function tokenPageStatement(
  compiled: CompiledSql,
  storage: SqlStorage,
  head: Fragment,
  position: KeysetPosition | undefined,
  paging: 'keyset' | 'offset',
): SqlStatement {
  const search = compiled.tokenSearch as TokenSearch;
  const { mapping, parts } = search;
  const t = mapping.table;
  const c = compiled.alias;
  const seq = `${c}.${mapping.seqColumn}`;
  const id = storage.idColumn;
  const walksBack = compiled.keys[0].descending !== (position?.direction === 'before');
  const params: SqlParam[] = [...head.params, parts[0].sup];
  let bound = '';
  if (position) {
    const value = position.values[0] as SqlParam;
    // Ids grow with seq: the rows after id X are those after the last seq whose id is <= X.
    bound = walksBack
      ? ` AND rowid < COALESCE((SELECT ${mapping.seqColumn} FROM ${storage.table} WHERE ${id} >= ? ORDER BY ${id} LIMIT 1) << ${SLOT_BITS}, 9223372036854775807)`
      : ` AND rowid >= (COALESCE((SELECT ${mapping.seqColumn} FROM ${storage.table} WHERE ${id} <= ? ORDER BY ${id} DESC LIMIT 1), -1) + 1) << ${SLOT_BITS}`;
    params.push(value);
  }
  const direction = walksBack ? 'DESC' : 'ASC';
  const stream =
    `SELECT rowid >> ${SLOT_BITS} AS s, LAG(rowid >> ${SLOT_BITS}) OVER (ORDER BY rowid ${direction}) AS p ` +
    `FROM ${t} WHERE ${t} MATCH ?${bound}`;
  const tests = ['m.p IS NOT m.s'];
  for (const part of parts.slice(1)) {
    tests.push(`${seq} IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?)`);
    params.push(part.sup);
  }
  const inexact = parts.filter((p) => p.core !== undefined);
  if (inexact.length > 0) {
    const cores = inexact.map((p) => p.core);
    const residual = `tmf_residual(${c}.${mapping.documentColumn}, ${c}.${id}, ?)`;
    if (cores.every((core) => typeof core === 'string')) {
      const sure = cores.map(
        () => `${seq} IN (SELECT rowid >> ${SLOT_BITS} FROM ${t} WHERE ${t} MATCH ?)`,
      );
      tests.push(`(CASE WHEN ${sure.join(' AND ')} THEN 1 ELSE ${residual} END)`);
      params.push(...cores);
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
