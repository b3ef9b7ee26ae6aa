import type { CompiledSortKey, CompiledSql } from './compiler';
import { SqlParam, SqlStatement } from './index-entries';
import { SqlDialect, SqlStorage } from './storage';
import { servesOrder, tokenPageStatements } from './token-search';

/**
 * A sort key's value as the database returns it for the key's expression: text, a number, bytes
 * (MySQL search-index values) or NULL (missing).
 */
export type KeyValue = string | number | Uint8Array | null;

/** Where a keyset page starts: strictly after (`next`) or strictly before (`prev`) one row. */
export interface KeysetPosition {
  /** The row's value of each key of `CompiledSql.keys`, the id last. */
  readonly values: readonly KeyValue[];
  readonly direction: 'after' | 'before';
}

/** Select-list alias of the n-th key value: `sk0`, `sk1`, ... */
export function keyAlias(index: number): string {
  return `sk${index}`;
}

/** The key values of a row selected with the keys (see {@link keysetStatements}). */
export function keyValuesOf(row: Record<string, unknown>, compiled: CompiledSql): KeyValue[] {
  return compiled.keys.map((_, i) => {
    const value = row[keyAlias(i)];
    if (value === null || value === undefined) {
      return null;
    }
    if (typeof value === 'string' || typeof value === 'number' || value instanceof Uint8Array) {
      return value;
    }
    if (typeof value === 'bigint') {
      return Number(value);
    }
    throw new Error(`Unexpected sort key value of type ${typeof value}`);
  });
}

/** `, <key 0> AS sk0, ...`: appended to a select list so that every row carries its key values. */
export function keySelect(compiled: CompiledSql): { sql: string; params: SqlParam[] } {
  return {
    sql: compiled.keys.map((key, i) => `, ${key.sql} AS ${keyAlias(i)}`).join(''),
    params: compiled.keys.flatMap((key) => [...key.params]),
  };
}

interface Fragment {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** What one segment of the order holds: a condition and the leading order term (if any). */
interface Segment {
  readonly condition: Fragment | undefined;
  readonly lead: Fragment | undefined;
}

/** Options of {@link keysetStatements}. */
export interface KeysetOptions {
  /**
   * SQLite token index: the caller knows that the resource table's `seq` grows with the id (every
   * resource was created after those with a smaller id). A page in id order of a filter that the
   * token index answers alone is then read in the index's own row order and stops after the page,
   * instead of sorting every match by id.
   */
  readonly seqOrdered?: boolean;
  /** Tuning of such a page with several parts (default `PROBED_ROWS`); tests set it low. */
  readonly probedRows?: number;
}

/**
 * The statements of one keyset page, to run in order, each with `LIMIT ?` bound to the rows still
 * missing (see {@link readKeyset}); the rows they return, concatenated, are the page in order (for
 * `before`: in reverse order, nearest first). Each row carries its key values (`sk0`, ...).
 *
 * Rows after a position `(v1, ..., id)` are, in order: those tied on every key but with a later id,
 * then those tied on all keys but the last with a later last key, ..., then those with a later
 * first key. Each such branch is a plain range on one key behind equalities on the ones before it,
 * ordered by that key and the following ones: the sort index answers it by one seek and reads only
 * the rows it returns, so a page costs the same at any depth. A missing value sorts last in both
 * directions (as in the evaluator), so "later" on a nullable key is a range followed by the NULLs,
 * two branches. Without a position (the first page) the branches are the non-NULL then the NULL
 * values of the first key, again index-ordered. When the first key is not a column (a sort on a
 * document path), no index serves the order at all: then one statement ORs the branches and sorts
 * its matches, which costs the same at any depth too.
 *
 * @param select the select list before the key values, e.g. `c.id`
 */
export function keysetStatements(
  compiled: CompiledSql,
  storage: SqlStorage,
  dialect: SqlDialect,
  select: string,
  position?: KeysetPosition,
  options: KeysetOptions = {},
): SqlStatement[] {
  const keys = compiled.keys;
  if (position && position.values.length !== keys.length) {
    throw new Error(`A keyset position needs ${keys.length} values`);
  }
  if (dialect === 'sqlite' && options.seqOrdered && servesOrder(compiled, storage)) {
    const head = keySelect(compiled);
    return tokenPageStatements(
      compiled,
      storage,
      { sql: `SELECT ${select}${head.sql}`, params: head.params },
      position,
      'keyset',
      options.probedRows,
    );
  }
  const reverse = position?.direction === 'before';
  const branches: { condition: Fragment | undefined; order: Fragment[] }[] = [];
  if (!position) {
    for (const segment of segmentsFromStart(keys[0])) {
      branches.push({ condition: segment.condition, order: orderFrom(keys, 0, segment, dialect) });
    }
  } else {
    for (let i = keys.length - 1; i >= 0; i--) {
      const prefix = keys.slice(0, i).map((key, j) => equality(key, position.values[j]));
      for (const segment of segmentsBeyond(keys[i], position.values[i], reverse)) {
        const parts = segment.condition ? [...prefix, segment.condition] : prefix;
        branches.push({
          condition: parts.length > 0 ? joinFragments(parts, ' AND ') : undefined,
          order: orderFrom(keys, i, segment, dialect, reverse),
        });
      }
    }
  }
  const head = `SELECT ${select}`;
  const keyColumns = keySelect(compiled);
  const statement = (condition: Fragment | undefined, order: Fragment[]): SqlStatement => {
    const where = condition ? `${compiled.where} AND (${condition.sql})` : `${compiled.where}`;
    const orderBy = joinFragments(order, ', ');
    return {
      sql: `${head}${keyColumns.sql} FROM ${storage.table} ${compiled.alias}${compiled.tableHint ?? ''}${compiled.tableJoin ?? ''} WHERE ${where} ORDER BY ${orderBy.sql} LIMIT ?`,
      params: [
        ...keyColumns.params,
        ...compiled.whereParams,
        ...(condition?.params ?? []),
        ...orderBy.params,
      ],
    };
  };
  if (keys[0].column || branches.length <= 1) {
    return branches.map((branch) => statement(branch.condition, branch.order));
  }
  // No index delivers the order: one statement, one sort of the matches.
  const conditions = branches.map((b) => b.condition);
  const any =
    position && conditions.every((c) => c !== undefined)
      ? joinFragments(
          conditions.map((c) => ({ sql: `(${c.sql})`, params: c.params })),
          ' OR ',
        )
      : undefined;
  return [
    statement(
      any,
      keys.map((key) => term(key, reverse, dialect)),
    ),
  ];
}

/**
 * Runs {@link keysetStatements} in order until `limit` rows are read; `run` executes one statement
 * (reset a residual check before each, as for any statement).
 */
export async function readKeyset<R>(
  statements: readonly SqlStatement[],
  limit: number,
  run: (statement: SqlStatement) => Promise<R[]> | R[],
): Promise<R[]> {
  const rows: R[] = [];
  for (const statement of statements) {
    if (rows.length >= limit) {
      break;
    }
    rows.push(
      ...(await run({ sql: statement.sql, params: [...statement.params, limit - rows.length] })),
    );
  }
  return rows;
}

/** The first key's segments from the start of the order: its values, then its NULLs. */
function segmentsFromStart(key: CompiledSortKey): Segment[] {
  const lead = plainTerm(key, false);
  if (!key.nullable) {
    return [{ condition: undefined, lead }];
  }
  return [
    { condition: { sql: `${key.sql} IS NOT NULL`, params: key.params }, lead },
    { condition: { sql: `${key.sql} IS NULL`, params: key.params }, lead: undefined },
  ];
}

/**
 * The segments of the values of `key` strictly beyond `value` in the walking direction. Forward
 * ("after"): the later values, then the NULLs (last in both directions); nothing follows a NULL.
 * Backward ("before"): the earlier values; before a NULL, every value.
 */
function segmentsBeyond(key: CompiledSortKey, value: KeyValue, reverse: boolean): Segment[] {
  const lead = plainTerm(key, reverse);
  if (!reverse) {
    if (value === null) {
      return [];
    }
    const later = comparison(key, key.descending ? '<' : '>', value);
    return key.nullable
      ? [
          { condition: later, lead },
          { condition: { sql: `${key.sql} IS NULL`, params: key.params }, lead: undefined },
        ]
      : [{ condition: later, lead }];
  }
  if (value === null) {
    return [{ condition: { sql: `${key.sql} IS NOT NULL`, params: key.params }, lead }];
  }
  return [{ condition: comparison(key, key.descending ? '>' : '<', value), lead }];
}

/** The order inside a branch on key `i`: its leading term, then the full terms of the later keys. */
function orderFrom(
  keys: readonly CompiledSortKey[],
  i: number,
  segment: Segment,
  dialect: SqlDialect,
  reverse = false,
): Fragment[] {
  const later = keys.slice(i + 1).map((key) => term(key, reverse, dialect));
  return segment.lead ? [segment.lead, ...later] : later;
}

function equality(key: CompiledSortKey, value: KeyValue): Fragment {
  return value === null
    ? { sql: `${key.sql} IS NULL`, params: key.params }
    : comparison(key, '=', value);
}

function comparison(key: CompiledSortKey, sign: string, value: KeyValue): Fragment {
  return { sql: `${key.sql} ${sign} ?`, params: [...key.params, value as SqlParam] };
}

/** The key in its direction (reversed when walking backward), for rows where it is not NULL. */
function plainTerm(key: CompiledSortKey, reverse: boolean): Fragment {
  const descending = key.descending !== reverse;
  return { sql: `${key.sql} ${descending ? 'DESC' : 'ASC'}`, params: key.params };
}

/**
 * The full order term: the key's direction with NULLs last, or everything reversed (NULLs first).
 * Both dialects put NULL first ascending and last descending; other placements are spelled out.
 */
function term(key: CompiledSortKey, reverse: boolean, dialect: SqlDialect): Fragment {
  const descending = key.descending !== reverse;
  const nullsLast = !reverse;
  const plain = plainTerm(key, reverse);
  if (!key.nullable || nullsLast === descending) {
    return plain;
  }
  if (dialect === 'sqlite') {
    return { sql: `${plain.sql} NULLS ${nullsLast ? 'LAST' : 'FIRST'}`, params: key.params };
  }
  return {
    sql: `${key.sql} IS NULL ${nullsLast ? 'ASC' : 'DESC'}, ${plain.sql}`,
    params: [...key.params, ...key.params],
  };
}

function joinFragments(fragments: readonly Fragment[], separator: string): Fragment {
  return {
    sql: fragments.map((f) => f.sql).join(separator),
    params: fragments.flatMap((f) => [...f.params]),
  };
}
