import { arrayElements, elementValues, valuesAt } from '@app/tmf-query/memory';
import { StoredValue } from '@app/tmf-query/values';

import { isStoredOutsideIndex, SqlDialect, SqlStorage } from './storage';
import { MAX_INDEXED_STRING_BYTES, truncateUtf8 } from './utf8';

/** One row of the search-index table (without the resource id). */
export interface IndexEntry {
  /** Dotted schema path, e.g. `contactMedium.characteristic.emailAddress`. */
  readonly path: string;
  /** Index of the element in the path's first array (0 when the path has no array). */
  readonly pos: number;
  /** Ordinal among the values with the same path and position (several for nested arrays). */
  readonly seq: number;
  /** `s` string, `n` number, `b` boolean (0/1 in `num`), `d` date-time (epoch ms in `num`). */
  readonly type: StoredValue['kind'];
  /** String value, or its first 512 UTF-8 bytes when longer. */
  readonly str: string | null;
  readonly num: number | null;
  /** The whole string when `str` holds only a prefix, otherwise null. */
  readonly full: string | null;
}

/** A statement with its bound parameters. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: SqlParam[];
}

/** A bound parameter value. */
export type SqlParam = string | number | null;

/** The index table's columns, in the order of {@link indexWriteStatements}' INSERT. */
export const INDEX_COLUMNS = [
  'customer_id',
  'path',
  'pos',
  'seq',
  'v_type',
  'v_str',
  'v_num',
  'v_full',
] as const;

/**
 * Turns a resource document into the search-index rows to write: one row per leaf value of every
 * schema path that is not stored in a column (nor the derived href). Values are reduced exactly as
 * the evaluator reduces them (wrong JSON types and unparseable date-times are skipped).
 */
export function extractIndexEntries(document: unknown, storage: SqlStorage): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const attribute of storage.schema.leaves.values()) {
    if (isStoredOutsideIndex(storage, attribute.path)) {
      continue;
    }
    if (attribute.arrayKey === undefined) {
      pushValues(entries, attribute.path, 0, valuesAt(document, attribute));
      continue;
    }
    arrayElements(document, attribute).forEach((element, pos) =>
      pushValues(entries, attribute.path, pos, elementValues(element, attribute)),
    );
  }
  return entries;
}

function pushValues(entries: IndexEntry[], path: string, pos: number, values: StoredValue[]): void {
  values.forEach((value, seq) => {
    if (value.kind === 's') {
      const str = truncateUtf8(value.text, MAX_INDEXED_STRING_BYTES);
      const full = str.length === value.text.length ? null : value.text;
      entries.push({ path, pos, seq, type: 's', str, num: null, full });
    } else {
      entries.push({ path, pos, seq, type: value.kind, str: null, num: value.num, full: null });
    }
  });
}

/**
 * The values of the resource table's typed columns (except the id), by column name: strings as
 * is, date-times as epoch milliseconds, booleans as 0/1, absent or invalid values as null. Write these
 * in the same statement as the document so that column filters agree with the evaluator.
 */
export function extractColumnValues(
  document: unknown,
  storage: SqlStorage,
): Record<string, string | number | null> {
  const values: Record<string, string | number | null> = {};
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
 * Statements that replace a resource's index rows; run them in the write transaction, after the
 * resource row is written. Rows are inserted in multi-row batches.
 */
export function indexWriteStatements(
  storage: SqlStorage,
  id: string,
  document: unknown,
  batchSize = 100,
): SqlStatement[] {
  const statements: SqlStatement[] = [indexDeleteStatement(storage, id)];
  const entries = extractIndexEntries(document, storage);
  const row = `(${INDEX_COLUMNS.map(() => '?').join(', ')})`;
  for (let start = 0; start < entries.length; start += batchSize) {
    const batch = entries.slice(start, start + batchSize);
    statements.push({
      sql:
        `INSERT INTO ${storage.indexTable} (${INDEX_COLUMNS.join(', ')}) VALUES ` +
        batch.map(() => row).join(', '),
      params: batch.flatMap((e) => [id, e.path, e.pos, e.seq, e.type, e.str, e.num, e.full]),
    });
  }
  return statements;
}

/** Deletes a resource's index rows (on delete, or before rewriting them). */
export function indexDeleteStatement(storage: SqlStorage, id: string): SqlStatement {
  return { sql: `DELETE FROM ${storage.indexTable} WHERE customer_id = ?`, params: [id] };
}

/** Storage types per dialect, for the DDL (see {@link indexTableDdl}). */
export interface IndexDdlOptions {
  /**
   * Column type of `customer_id`; on MySQL it must equal the resource id column's type, character set
   * and collation, or the `IN (SELECT customer_id ...)` joins cannot use the primary key.
   */
  readonly idType?: string;
}

/**
 * DDL of the search-index table for one dialect: the table and its two secondary indexes, as
 * separate statements (for a migration's `up`; `down` is `DROP TABLE <indexTable>`).
 */
export function indexTableDdl(
  storage: SqlStorage,
  dialect: SqlDialect,
  options: IndexDdlOptions = {},
): string[] {
  const t = storage.indexTable;
  if (dialect === 'sqlite') {
    return [
      `CREATE TABLE ${t} (\n` +
        `  customer_id ${options.idType ?? 'VARCHAR(36)'} NOT NULL,\n` +
        '  path TEXT NOT NULL,\n' +
        '  pos INTEGER NOT NULL,\n' +
        '  seq INTEGER NOT NULL,\n' +
        '  v_type TEXT NOT NULL,\n' +
        '  v_str TEXT NULL,\n' +
        '  v_num REAL NULL,\n' +
        '  v_full TEXT NULL,\n' +
        '  PRIMARY KEY (customer_id, path, pos, seq)\n' +
        ') WITHOUT ROWID',
      `CREATE INDEX ${t}_str ON ${t} (path, v_str)`,
      `CREATE INDEX ${t}_num ON ${t} (path, v_type, v_num)`,
    ];
  }
  return [
    `CREATE TABLE ${t} (\n` +
      `  customer_id ${options.idType ?? 'VARCHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'} NOT NULL,\n` +
      '  path VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n' +
      '  pos INT NOT NULL,\n' +
      '  seq INT NOT NULL,\n' +
      '  v_type CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n' +
      `  v_str VARBINARY(${MAX_INDEXED_STRING_BYTES}) NULL,\n` +
      '  v_num DOUBLE NULL,\n' +
      '  v_full MEDIUMBLOB NULL,\n' +
      '  PRIMARY KEY (customer_id, path, pos, seq),\n' +
      `  KEY ${t}_str (path, v_str),\n` +
      `  KEY ${t}_num (path, v_type, v_num)\n` +
      ') ENGINE=InnoDB',
  ];
}
