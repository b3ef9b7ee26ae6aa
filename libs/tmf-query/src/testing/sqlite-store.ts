// Test support only: the `customer` table as the app has it (SQLite flavour), plus the token index,
// loaded through the library's own write helpers.
import {
  buildListStatements,
  compileSql,
  extractColumnValues,
  ParsedQuery,
  SqlStorage,
  sqliteInstant,
  sqliteRegexp,
  sqliteResidual,
  tokenIndexDdl,
  tokenInsertStatements,
} from '@app/tmf-query';

import { BASE_URL } from './customer-fixtures';
import { openMemoryDatabase, SqliteDatabase } from './sqlite';

export const SQLITE_CUSTOMER_DDL = [
  `CREATE TABLE customer (
    seq INTEGER PRIMARY KEY,
    id VARCHAR(36) NOT NULL UNIQUE,
    name VARCHAR(512) NULL,
    status VARCHAR(100) NULL,
    at_type VARCHAR(200) NULL,
    engaged_party_id VARCHAR(200) NULL,
    valid_for_start BIGINT NULL,
    valid_for_end BIGINT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version INT NOT NULL,
    document TEXT NOT NULL
  )`,
  'CREATE INDEX customer_name ON customer (name)',
  'CREATE INDEX customer_status ON customer (status)',
  'CREATE INDEX customer_at_type ON customer (at_type)',
  'CREATE INDEX customer_engaged_party_id ON customer (engaged_party_id)',
  'CREATE INDEX customer_valid_for_start ON customer (valid_for_start)',
  'CREATE INDEX customer_valid_for_end ON customer (valid_for_end)',
];

export class SqliteCustomerStore {
  readonly db: SqliteDatabase;

  constructor(private readonly storage: SqlStorage) {
    this.db = openMemoryDatabase();
    this.db.function('regexp', { deterministic: true }, sqliteRegexp);
    this.db.function('tmf_instant', { deterministic: true }, sqliteInstant);
    this.db.function('tmf_residual', { deterministic: false }, sqliteResidual);
    for (const sql of [...SQLITE_CUSTOMER_DDL, ...tokenIndexDdl(storage)]) {
      this.db.exec(sql);
    }
  }

  insertAll(customers: readonly Record<string, unknown>[]): void {
    const insert = this.db.transaction((docs: readonly Record<string, unknown>[]) => {
      for (const doc of docs) {
        this.insert(doc);
      }
    });
    insert(customers);
  }

  insert(doc: Record<string, unknown>): void {
    const id = doc.id as string;
    const { id: _id, href: _href, ...stored } = doc;
    const columns = extractColumnValues(doc, this.storage);
    const names = Object.keys(columns);
    const { seq } = this.db
      .prepare(
        `INSERT INTO customer (id, ${names.join(', ')}, created_at, updated_at, version, document)
         VALUES (?, ${names.map(() => '?').join(', ')}, 0, 0, 1, ?) RETURNING seq`,
      )
      .get(id, ...Object.values(columns), JSON.stringify(stored)) as { seq: number };
    for (const statement of tokenInsertStatements(this.storage, seq, doc)) {
      this.db.prepare(statement.sql).run(...statement.params);
    }
  }

  /** Ids of the page, in SQL order, plus the total count. */
  list(query: ParsedQuery, residualLimit?: number): { ids: string[]; total: number } {
    const compiled = compileSql(query, this.storage, {
      dialect: 'sqlite',
      baseUrl: BASE_URL,
      residualLimit,
    });
    const { page, count } = buildListStatements(compiled, this.storage, 'c.id');
    try {
      const ids = this.db
        .prepare(page.sql)
        .all(...page.params)
        .map((row) => row.id as string);
      compiled.residual?.reset();
      const total = this.db.prepare(count.sql).get(...count.params)?.total as number;
      return { ids, total };
    } finally {
      compiled.residual?.release();
    }
  }

  /** The query plan lines of the page statement (EXPLAIN QUERY PLAN). */
  plan(query: ParsedQuery): string[] {
    const compiled = compileSql(query, this.storage, { dialect: 'sqlite', baseUrl: BASE_URL });
    const { page } = buildListStatements(compiled, this.storage, 'c.id');
    return this.db
      .prepare(`EXPLAIN QUERY PLAN ${page.sql}`)
      .all(...page.params)
      .map((row) => String(row.detail));
  }
}
