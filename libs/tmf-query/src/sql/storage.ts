import { customerQuerySchema, QuerySchema } from '@app/tmf-query/schema';

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
 * Where a resource lives in SQL: the resource table with its typed columns, and the search-index table
 * that holds one row per other leaf value (see the README, "Storage").
 */
export interface SqlStorage {
  readonly schema: QuerySchema;
  /** The resource table, e.g. `customer`. */
  readonly table: string;
  /** The primary-key column; it must also be mapped as the `id` path. */
  readonly idColumn: string;
  /** Paths stored in columns of the resource table (never inside arrays). */
  readonly columns: Readonly<Record<string, ColumnMapping>>;
  /** The search-index table, e.g. `customer_attr`. */
  readonly indexTable: string;
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
    storage.indexTable,
    ...Object.values(storage.columns).map((c) => c.column),
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

/**
 * The Customer storage: table `customer` (typed columns `id`, `name`, `status`, `at_type`,
 * `engaged_party_id`, `valid_for_start`, `valid_for_end`), derived `href`, and the search-index table
 * `customer_attr` for every other path.
 */
export const customerSqlStorage: SqlStorage = defineSqlStorage({
  schema: customerQuerySchema,
  table: 'customer',
  idColumn: 'id',
  columns: {
    id: { column: 'id', nullable: false },
    name: { column: 'name' },
    status: { column: 'status' },
    '@type': { column: 'at_type' },
    'engagedParty.id': { column: 'engaged_party_id' },
    'validFor.startDateTime': { column: 'valid_for_start' },
    'validFor.endDateTime': { column: 'valid_for_end' },
  },
  indexTable: 'customer_attr',
  derivedHref: { path: 'href', resourcePath: '/tmf-api/customerManagement/v4/customer/' },
});

/** True when the path is not written to the index table (a column or the derived href). */
export function isStoredOutsideIndex(storage: SqlStorage, path: string): boolean {
  return storage.columns[path] !== undefined || storage.derivedHref?.path === path;
}
