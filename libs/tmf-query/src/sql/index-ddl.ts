import { SqlDialect, SqlStorage } from './storage';
import { MAX_INDEXED_STRING_BYTES } from './utf8';

/** Options of {@link indexTableDdl}. */
export interface IndexDdlOptions {
  /**
   * Column type of the resource-id column (`indexIdColumn`). On MySQL it must equal the resource id
   * column's type, character set and collation, or `id IN (SELECT <indexIdColumn> ...)` cannot use
   * the primary key.
   */
  readonly idType?: string;
}

/**
 * DDL of both search-index tables for one dialect, as separate statements (for a migration's `up`;
 * `down` drops the two tables): the value-indexed table with its value index, and the plain table
 * with its primary key only.
 */
export function indexTableDdl(
  storage: SqlStorage,
  dialect: SqlDialect,
  options: IndexDdlOptions = {},
): string[] {
  return [
    ...searchTableDdl(storage.indexTable, storage.indexIdColumn, dialect, options, true),
    ...searchTableDdl(storage.plainTable, storage.indexIdColumn, dialect, options, false),
  ];
}

/** One search-index table; `valueIndex` adds the (path, type, value) index. */
function searchTableDdl(
  table: string,
  key: string,
  dialect: SqlDialect,
  options: IndexDdlOptions,
  valueIndex: boolean,
): string[] {
  const t = table;
  if (dialect === 'sqlite') {
    return [
      `CREATE TABLE ${t} (\n` +
        `  ${key} ${options.idType ?? 'VARCHAR(36)'} NOT NULL,\n` +
        '  path_id INTEGER NOT NULL,\n' +
        '  pos INTEGER NOT NULL,\n' +
        '  seq INTEGER NOT NULL,\n' +
        '  v_type TEXT NOT NULL,\n' +
        // BLOB affinity keeps strings as TEXT and encoded numbers as BLOB, both compared by memcmp.
        '  v BLOB NOT NULL,\n' +
        '  v_full TEXT NULL,\n' +
        `  PRIMARY KEY (${key}, path_id, pos, seq)\n` +
        ') WITHOUT ROWID',
      ...(valueIndex ? [`CREATE INDEX ${t}_value ON ${t} (path_id, v_type, v)`] : []),
    ];
  }
  return [
    `CREATE TABLE ${t} (\n` +
      `  ${key} ${options.idType ?? 'VARCHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'} NOT NULL,\n` +
      '  path_id INT NOT NULL,\n' +
      '  pos INT NOT NULL,\n' +
      '  seq INT NOT NULL,\n' +
      '  v_type CHAR(1) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,\n' +
      `  v VARBINARY(${MAX_INDEXED_STRING_BYTES}) NOT NULL,\n` +
      '  v_full MEDIUMBLOB NULL,\n' +
      `  PRIMARY KEY (${key}, path_id, pos, seq)` +
      (valueIndex ? `,\n  KEY ${t}_value (path_id, v_type, v)\n` : '\n') +
      ') ENGINE=InnoDB',
  ];
}
