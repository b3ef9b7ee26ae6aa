import { arrayElements, elementValues, valuesAt } from '@app/tmf-query/memory';
import { AttributePath } from '@app/tmf-query/schema';
import { StoredValue } from '@app/tmf-query/values';

import { encodeSortableNumber, indexPathId } from './index-encoding';
import { indexTableOf, isStoredOutsideIndex, SqlStorage } from './storage';
import { MAX_INDEXED_STRING_BYTES, truncateUtf8 } from './utf8';

/** One row of the search-index table (without the resource id). */
export interface IndexEntry {
  /** Dotted schema path, e.g. `contactMedium.characteristic.emailAddress` (not stored). */
  readonly path: string;
  /** The table the row belongs to ({@link indexTableOf} the path). */
  readonly table: string;
  /** The stored path key, {@link indexPathId} of `path`. */
  readonly pathId: number;
  /** Index of the element in the path's first array (0 when the path has no array). */
  readonly pos: number;
  /** Ordinal among the values with the same path and position (several for `any` arrays). */
  readonly seq: number;
  /** `s` string, `n` number, `b` boolean, `d` date-time (epoch ms). */
  readonly type: StoredValue['kind'];
  /**
   * The indexed value: a string (its first 512 UTF-8 bytes when longer), or for the other types
   * the 8-byte order-preserving encoding of the number ({@link encodeSortableNumber}).
   */
  readonly value: string | Buffer;
  /** The whole string when `value` holds only a prefix, otherwise null. */
  readonly full: string | null;
}

/** A bound parameter value (a Buffer binds as a BLOB / binary string). */
export type SqlParam = string | number | Buffer | null;

/** A statement with its bound parameters. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: SqlParam[];
  /**
   * MySQL/MariaDB: a read of one table whose index ranges are all equalities and whose plan does
   * not depend on how many rows they hold (one range per epoch of the token table): the server may
   * estimate them from the index statistics instead of reading the index for each range while
   * planning (`eq_range_index_dive_limit`), as the runner allows for its server flavour.
   */
  readonly plannedFromStatistics?: boolean;
}

/**
 * The index table's columns after the resource id (`indexIdColumn`), in the order of
 * {@link indexWriteStatements}' INSERT.
 */
export const INDEX_COLUMNS = ['path_id', 'pos', 'seq', 'v_type', 'v', 'v_full'] as const;

/**
 * Turns a resource document into the search-index rows to write: one row per leaf value of every
 * schema path that is not stored in a column (nor the derived href). Values are reduced exactly as
 * the evaluator reduces them (wrong JSON types and unparseable date-times are skipped). Rows come in
 * primary-key order (`path_id`, `pos`, `seq`). With `roots`, only the paths under those top-level
 * attributes.
 */
export function extractIndexEntries(
  document: unknown,
  storage: SqlStorage,
  roots?: ReadonlySet<string>,
): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const leaf of indexedLeaves(storage)) {
    const attribute = leaf.attribute;
    if (roots !== undefined && !roots.has(attribute.segments[0])) {
      continue;
    }
    if (attribute.arrayKey === undefined) {
      pushValues(entries, leaf, 0, valuesAt(document, attribute));
      continue;
    }
    arrayElements(document, attribute).forEach((element, pos) =>
      pushValues(entries, leaf, pos, elementValues(element, attribute)),
    );
  }
  // Already in primary-key order (`path_id`, `pos`, `seq`): the leaves are walked by path id, and
  // each leaf's values by position and ordinal. InnoDB fills its pages well only when a resource's
  // rows arrive ascending (measured: about 5x less space than in schema order).
  return entries;
}

/** A leaf written to the search tables, with its table and stored path key. */
interface IndexedLeaf {
  readonly attribute: AttributePath;
  readonly table: string;
  readonly pathId: number;
}

const INDEXED_LEAVES = new WeakMap<SqlStorage, IndexedLeaf[]>();

/** The leaves written to the search tables, in path-id order: worked out once per storage. */
function indexedLeaves(storage: SqlStorage): IndexedLeaf[] {
  let leaves = INDEXED_LEAVES.get(storage);
  if (!leaves) {
    leaves = [...storage.schema.leaves.values()]
      .filter((attribute) => !isStoredOutsideIndex(storage, attribute.path))
      .map((attribute) => ({
        attribute,
        table: indexTableOf(storage, attribute.path),
        pathId: indexPathId(attribute.path),
      }))
      .sort((a, b) => a.pathId - b.pathId);
    INDEXED_LEAVES.set(storage, leaves);
  }
  return leaves;
}

function pushValues(
  entries: IndexEntry[],
  { table, pathId, attribute: { path } }: IndexedLeaf,
  pos: number,
  values: StoredValue[],
): void {
  values.forEach((stored, seq) => {
    if (stored.kind === 's') {
      const value = truncateUtf8(stored.text, MAX_INDEXED_STRING_BYTES);
      const full = value.length === stored.text.length ? null : stored.text;
      entries.push({ table, path, pathId, pos, seq, type: 's', value, full });
    } else {
      const value = encodeSortableNumber(stored.num);
      entries.push({ table, path, pathId, pos, seq, type: stored.kind, value, full: null });
    }
  });
}

/** The values of a resource's typed columns, by column name (see {@link extractColumnValues}). */
export type ColumnValues = Record<string, string | number | null>;

/**
 * The values of the resource table's typed columns (except the id), by column name in the
 * storage's order: strings as is, date-times as epoch milliseconds, booleans as 0/1, absent or
 * invalid values as null, reduced exactly as the evaluator reduces them. Write these in the same
 * statement as the document so that column filters agree with the evaluator.
 */
export function extractColumnValues(document: unknown, storage: SqlStorage): ColumnValues {
  const values: ColumnValues = {};
  for (const [path, mapping] of Object.entries(storage.columns)) {
    if (mapping.column === storage.idColumn) {
      continue;
    }
    const attribute = storage.schema.leaves.get(path);
    const stored = attribute ? valuesAt(document, attribute)[0] : undefined;
    values[mapping.column] =
      stored === undefined ? null : stored.kind === 's' ? stored.text : stored.num;
  }
  return values;
}

/**
 * Statements that write a new resource's index rows (in both tables); run them in the write
 * transaction that inserts the resource row. Rows are inserted in multi-row batches (7 parameters
 * per row).
 */
export function indexInsertStatements(
  storage: SqlStorage,
  id: string,
  document: unknown,
  batchSize = 100,
): SqlStatement[] {
  return insertStatements(storage, id, extractIndexEntries(document, storage), batchSize);
}

/** Statements that replace a resource's index rows: {@link indexDeleteStatements}, then the inserts. */
export function indexWriteStatements(
  storage: SqlStorage,
  id: string,
  document: unknown,
  batchSize = 100,
): SqlStatement[] {
  return [
    ...indexDeleteStatements(storage, id),
    ...indexInsertStatements(storage, id, document, batchSize),
  ];
}

/**
 * Statements that bring a resource's index rows from `before` to `after`, touching only the rows
 * that differ: a PATCH of one attribute rewrites its own rows, not the resource's forty others
 * (each is a random-position insert into the value index, the dominant cost of a write). Same
 * result as {@link indexWriteStatements} of `after`.
 */
export function indexUpdateStatements(
  storage: SqlStorage,
  id: string,
  before: unknown,
  after: unknown,
  options: { readonly changedRoots?: readonly string[]; readonly batchSize?: number } = {},
): SqlStatement[] {
  const { changedRoots, batchSize = 100 } = options;
  // Paths under attributes that did not change keep their rows: no need to extract them.
  const roots = changedRoots && new Set(changedRoots);
  const previous = new Map(
    extractIndexEntries(before, storage, roots).map((e) => [entryKey(e), e]),
  );
  const fresh: IndexEntry[] = [];
  for (const entry of extractIndexEntries(after, storage, roots)) {
    const key = entryKey(entry);
    const old = previous.get(key);
    if (old && sameValue(old, entry)) {
      previous.delete(key);
    } else {
      fresh.push(entry);
    }
  }
  // Left in `previous`: rows that disappeared or changed value (rewritten below).
  const statements: SqlStatement[] = [];
  for (const [table, stale] of byTable([...previous.values()])) {
    for (let start = 0; start < stale.length; start += batchSize) {
      const batch = stale.slice(start, start + batchSize);
      statements.push({
        sql:
          `DELETE FROM ${table} WHERE ${storage.indexIdColumn} = ? AND (path_id, pos, seq) IN (` +
          batch.map(() => '(?, ?, ?)').join(', ') +
          ')',
        params: [id, ...batch.flatMap((e) => [e.pathId, e.pos, e.seq])],
      });
    }
  }
  statements.push(...insertStatements(storage, id, fresh, batchSize));
  return statements;
}

/** Entries grouped by table, each group in the order given. */
function byTable(entries: IndexEntry[]): Map<string, IndexEntry[]> {
  const tables = new Map<string, IndexEntry[]>();
  for (const entry of entries) {
    const group = tables.get(entry.table);
    if (group) {
      group.push(entry);
    } else {
      tables.set(entry.table, [entry]);
    }
  }
  return tables;
}

function entryKey(entry: IndexEntry): string {
  return `${entry.pathId}:${entry.pos}:${entry.seq}`;
}

function sameValue(a: IndexEntry, b: IndexEntry): boolean {
  if (a.type !== b.type || a.full !== b.full) {
    return false;
  }
  return typeof a.value === 'string' || typeof b.value === 'string'
    ? a.value === b.value
    : a.value.equals(b.value);
}

// Runs on every write (about 40 rows a resource): the statement text is built once per table and
// row count, and the parameters are filled in one pass.
function insertStatements(
  storage: SqlStorage,
  id: string,
  entries: IndexEntry[],
  batchSize: number,
): SqlStatement[] {
  const statements: SqlStatement[] = [];
  for (const [table, rows] of byTable(entries)) {
    for (let start = 0; start < rows.length; start += batchSize) {
      const end = Math.min(rows.length, start + batchSize);
      const params = new Array<SqlParam>((end - start) * (INDEX_COLUMNS.length + 1));
      let k = 0;
      for (let i = start; i < end; i++) {
        const e = rows[i];
        params[k++] = id;
        params[k++] = e.pathId;
        params[k++] = e.pos;
        params[k++] = e.seq;
        params[k++] = e.type;
        params[k++] = e.value;
        params[k++] = e.full;
      }
      statements.push({ sql: insertSql(table, storage.indexIdColumn, end - start), params });
    }
  }
  return statements;
}

const INSERT_SQL = new Map<string, string>();
const ROW_PLACEHOLDERS = `(?, ${INDEX_COLUMNS.map(() => '?').join(', ')})`;

/** `INSERT INTO table (...) VALUES (?, ...), ...` for `rows` rows (tables x batch sizes: bounded). */
function insertSql(table: string, idColumn: string, rows: number): string {
  const key = `${table}:${rows}`;
  let sql = INSERT_SQL.get(key);
  if (sql === undefined) {
    sql =
      `INSERT INTO ${table} (${idColumn}, ${INDEX_COLUMNS.join(', ')}) VALUES ` +
      Array.from({ length: rows }, () => ROW_PLACEHOLDERS).join(', ');
    INSERT_SQL.set(key, sql);
  }
  return sql;
}

/** Deletes a resource's index rows from both tables (on delete, or before rewriting them). */
export function indexDeleteStatements(storage: SqlStorage, id: string): SqlStatement[] {
  return [storage.indexTable, storage.plainTable].map((table) => ({
    sql: `DELETE FROM ${table} WHERE ${storage.indexIdColumn} = ?`,
    params: [id],
  }));
}
