import { QuerySchema } from '@app/tmf-query/schema';

import { indexPathId } from './index-encoding';

/** The two SQL dialects: SQLite (better-sqlite3) and MySQL 8 / MariaDB 10.6+ (one shared dialect). */
export type SqlDialect = 'sqlite' | 'mysql';

/** A schema path stored in its own column of the resource table. */
export interface ColumnMapping {
  /** Column name. Strings: VARCHAR with a binary collation; date-times: BIGINT epoch ms; booleans 0/1. */
  readonly column: string;
  /** Whether the column can be NULL (default true). NOT NULL columns sort without a nulls-last term. */
  readonly nullable?: boolean;
}

/**
 * The inverted token index (SQLite): an FTS5 table with one row per index row of a resource (see
 * `token-entries.ts`), keyed by the resource table's integer `seq` column.
 */
export interface TokenIndexMapping {
  /** The FTS5 table, e.g. `thing_search`. */
  readonly table: string;
  /** The resource table's stable integer key (SQLite `INTEGER PRIMARY KEY`). */
  readonly seqColumn: string;
  /** The resource table's JSON document column (read by the residual check). */
  readonly documentColumn: string;
  /**
   * The slot-0 row also holds a resource-level copy of each value token of the arrays' elements
   * (`copyToken`), so that clauses on arrays that need no shared element are one lookup on slot-0
   * rows (one per resource): FTS5 intersects them itself.
   */
  readonly copies?: boolean;
  /**
   * One row per resource (ADR 0014; implies `copies`): the slot-0 row also holds the bucket tokens
   * of the arrays' elements, and each element's tokens marked with its ordinal (`elementToken`) for
   * the first `markedElements` elements of an array (`MARKED_ELEMENTS`); later elements have a row
   * each, their tokens marked alike. A clause on an array that needs no shared element is then one
   * lookup of slot-0 rows, equality or range, and a same-element group an OR over the marks.
   */
  readonly oneRow?: { readonly markedElements: number };
  /**
   * A table `(token PRIMARY KEY, n)` kept with the index: per value token of the slot-0 rows (the
   * attributes outside arrays, and the copies), the number of resources holding it. A filter that is
   * one such token is counted by one lookup.
   */
  readonly countTable?: string;
}

/**
 * The token index on MySQL/MariaDB (ADR 0008): a B-tree table keyed `(epoch, token, v, seq, slot)`
 * (see `mysql-token-entries.ts`) and the list of deleted resources' keys whose rows are still to be
 * swept. `seqColumn` is the resource table's AUTO_INCREMENT key, with a unique index.
 */
export interface MysqlTokenMapping {
  readonly table: string;
  readonly deadTable: string;
  readonly seqColumn: string;
  /**
   * A secondary index of the resource table on `(id, seq)`: narrow entries in id order. An `offset`
   * page in id order skips its rows there instead of in the clustered index (the documents), and
   * a page that tests candidates one by one in id order (`tokenProbe`) reads their `seq` there.
   */
  readonly idSeqIndex?: string;
  /** Kept counts of common `(token, v)` keys (`mysql-token-counts.ts`), when kept. */
  readonly countTable?: string;
  /**
   * The kept counts' generation (one row, `id` 0): raised by every promotion of a key while
   * serving; a write that changes keys reads it under a shared lock (`mysql-token-counts.ts`).
   */
  readonly countGenTable?: string;
  /**
   * Change counters per epoch (`mysql-token-epochs.ts`), raised by every change of token rows: what
   * tells a server that the kept keys' bitmaps it holds for an epoch are current.
   */
  readonly epochTable?: string;
}

/**
 * Where a resource lives in SQL: the resource table with its typed columns, and the search-index table
 * that holds one row per other leaf value (see the README, "Storage"). The application defines it
 * for each of its resources ({@link defineSqlStorage}); the library knows no resource.
 */
export interface SqlStorage {
  readonly schema: QuerySchema;
  /** The resource table, e.g. `thing`. */
  readonly table: string;
  /** The primary-key column; it must also be mapped as the `id` path. */
  readonly idColumn: string;
  /** Paths stored in columns of the resource table (never inside arrays). */
  readonly columns: Readonly<Record<string, ColumnMapping>>;
  /**
   * The search-index tables' column holding the resource id (first in their primary key), e.g.
   * `thing_id`.
   */
  readonly indexIdColumn: string;
  /**
   * The search-index table of the value-indexed paths, e.g. `thing_attr`: one row per leaf value
   * and an index on (path, type, value), so a condition on such a path is an index lookup.
   */
  readonly indexTable: string;
  /**
   * The table of every other path's rows, e.g. `thing_attr_plain`: same rows, primary key only
   * (resource id first). A condition on such a path is checked per candidate resource by key, in
   * the database; it narrows what other conditions found but never drives a search by itself.
   */
  readonly plainTable: string;
  /**
   * Paths whose rows go to `indexTable`: those looked up by value (identifiers, contact addresses).
   * Every entry of the value index is a random-position insert on each write, the dominant cost of
   * a write; values that many resources share (types, flags, roles) gain nothing from it.
   */
  readonly valueIndexed: ReadonlySet<string>;
  /**
   * On SQLite, the token index that replaces both search-index tables for every path outside the
   * columns (MySQL/MariaDB keep `indexTable` and `plainTable`).
   */
  readonly tokenIndex?: TokenIndexMapping;
  /** On MySQL/MariaDB, the token index that replaces both search-index tables. */
  readonly mysqlTokenIndex?: MysqlTokenMapping;
  /**
   * A derived `href` path: `<baseUrl><resourcePath><id>`, not stored. Conditions on it become
   * conditions on the id column; the caller passes `baseUrl` to the compiler.
   */
  readonly derivedHref?: { readonly path: string; readonly resourcePath: string };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Validates a storage mapping: identifiers are plain SQL names (they are written into SQL unquoted),
 * mapped paths are non-array leaves of the schema, and no two paths share an index `path_id`.
 *
 * @throws Error on an invalid mapping (a programming error, raised at start-up)
 */
export function defineSqlStorage(storage: SqlStorage): SqlStorage {
  for (const name of [
    storage.table,
    storage.idColumn,
    storage.indexIdColumn,
    storage.indexTable,
    storage.plainTable,
    ...Object.values(storage.columns).map((c) => c.column),
    ...(storage.tokenIndex
      ? [
          storage.tokenIndex.table,
          storage.tokenIndex.seqColumn,
          storage.tokenIndex.documentColumn,
          ...(storage.tokenIndex.countTable ? [storage.tokenIndex.countTable] : []),
        ]
      : []),
    ...(storage.mysqlTokenIndex
      ? [
          storage.mysqlTokenIndex.table,
          storage.mysqlTokenIndex.deadTable,
          storage.mysqlTokenIndex.seqColumn,
          ...(storage.mysqlTokenIndex.idSeqIndex ? [storage.mysqlTokenIndex.idSeqIndex] : []),
          ...(storage.mysqlTokenIndex.countTable ? [storage.mysqlTokenIndex.countTable] : []),
          ...(storage.mysqlTokenIndex.countGenTable ? [storage.mysqlTokenIndex.countGenTable] : []),
        ]
      : []),
  ]) {
    if (!IDENTIFIER.test(name)) {
      throw new Error(`Invalid SQL identifier '${name}'`);
    }
  }
  for (const [path, mapping] of Object.entries(storage.columns)) {
    const leaf = storage.schema.leaves.get(path);
    if (!leaf || leaf.arrayKey !== undefined || leaf.type === 'any') {
      throw new Error(`Column '${mapping.column}' must map a non-array, typed leaf; got '${path}'`);
    }
  }
  for (const path of storage.valueIndexed) {
    if (!storage.schema.leaves.has(path) || isStoredOutsideIndex(storage, path)) {
      throw new Error(`Value-indexed path '${path}' must be a schema leaf held in no column`);
    }
  }
  if (storage.columns.id?.column !== storage.idColumn) {
    throw new Error(`The 'id' path must map to the id column '${storage.idColumn}'`);
  }
  const ids = new Map<number, string>();
  for (const path of storage.schema.leaves.keys()) {
    const id = indexPathId(path);
    const clash = ids.get(id);
    if (clash !== undefined) {
      throw new Error(`Paths '${clash}' and '${path}' share the index path_id ${id}`);
    }
    ids.set(id, path);
  }
  return storage;
}

/** The table that holds a path's search-index rows. */
export function indexTableOf(storage: SqlStorage, path: string): string {
  return storage.valueIndexed.has(path) ? storage.indexTable : storage.plainTable;
}

/** True when the path is not written to the index table (a column or the derived href). */
export function isStoredOutsideIndex(storage: SqlStorage, path: string): boolean {
  return storage.columns[path] !== undefined || storage.derivedHref?.path === path;
}
