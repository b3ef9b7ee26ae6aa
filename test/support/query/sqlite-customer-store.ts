// The `customer` table as the app has it (SQLite flavour), plus the token index, loaded through the
// query library's own write helpers: the store the query suites (test/query) run SQL on.
import {
  buildListStatements,
  CompiledSql,
  compileSql,
  extractColumnValues,
  extractTokenRows,
  KeysetPosition,
  keysetStatements,
  keyValuesOf,
  KeyValue,
  ParsedQuery,
  readKeyset,
  SqlStatement,
  SqlStorage,
  sqliteInstant,
  sqliteRegexp,
  sqliteResidual,
  tokenChangeStatements,
  tokenCountRowStatement,
  tokenIndexDdl,
  tokenRowChanges,
  TokenRowChange,
} from '@app/tmf-query';

import { openMemoryDatabase, SqliteDatabase } from '@app/tmf-query/testing/sqlite';
import { BASE_URL } from '@test/fixtures/generated-customers';

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
  // As in the app's migrations: each column with the id last, and the status list screens'.
  'CREATE INDEX customer_name ON customer (name, id)',
  'CREATE INDEX customer_status ON customer (status, id)',
  'CREATE INDEX customer_at_type ON customer (at_type, id)',
  'CREATE INDEX customer_engaged_party_id ON customer (engaged_party_id, id)',
  'CREATE INDEX customer_valid_for_start ON customer (valid_for_start, id)',
  'CREATE INDEX customer_valid_for_end ON customer (valid_for_end, id)',
  'CREATE INDEX customer_status_start ON customer (status, valid_for_start, id)',
  'CREATE INDEX customer_status_name ON customer (status, name, id)',
];

export class SqliteCustomerStore {
  readonly db: SqliteDatabase;
  /** Customers inserted after one with a greater id: while 0, seq order is id order. */
  private disorder = 0;
  /** `keysetStatements`' tuning of token-index pages with several parts (default when unset). */
  probedRows: number | undefined;
  /**
   * The plan a query with a one-sided range on a column runs with (`CompiledSql.rangePlans`, which
   * the server picks by the range's count); unset: the query as compiled.
   */
  rangeHint: 'seek' | 'walk' | undefined;
  /** Told of each write's token row changes once written (as a write group tells the held sets). */
  onTokenChanges: ((changes: readonly TokenRowChange[]) => void) | undefined;

  /** Whether `seq` grows with the id (as the app tracks it in `customer_count`). */
  get seqOrdered(): boolean {
    return this.disorder === 0;
  }

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
    const { seq, disorder } = this.db
      .prepare(
        `INSERT INTO customer (id, ${names.join(', ')}, created_at, updated_at, version, document)
         VALUES (?, ${names.map(() => '?').join(', ')}, 0, 0, 1, ?)
         RETURNING seq, (SELECT p.id FROM customer p WHERE p.seq < customer.seq ORDER BY p.seq DESC LIMIT 1) > id AS disorder`,
      )
      .get(id, ...Object.values(columns), JSON.stringify(stored)) as {
      seq: number;
      disorder: number | null;
    };
    this.disorder += disorder === 1 ? 1 : 0;
    this.writeTokens(seq, undefined, doc);
  }

  /** The token rows and counts of a write, as the app's write group writes them. */
  private writeTokens(seq: number, before: unknown, after: unknown): void {
    const changes = tokenRowChanges(this.storage, seq, before, after);
    for (const statement of tokenChangeStatements(this.storage, changes)) {
      this.db.prepare(statement.sql).run(...statement.params);
    }
    this.onTokenChanges?.(changes);
  }

  /**
   * Gives these counted tokens a row in the count table (counted from the index; kept by every
   * write from then on), as the migration does for the common ones.
   */
  countTokens(tokens: Iterable<string>): void {
    for (const token of tokens) {
      const statement = tokenCountRowStatement(this.storage, token);
      this.db.prepare(statement.sql).run(...statement.params);
    }
  }

  /** Gives a count-table row to each counted token at least `min` stored customers hold. */
  countCommonTokens(min: number): void {
    const held = new Map<string, number>();
    const rows = this.db.prepare('SELECT document FROM customer').all() as { document: string }[];
    for (const { document } of rows) {
      const [first] = extractTokenRows(JSON.parse(document), this.storage);
      for (const token of first?.slot === 0 ? (first.counted ?? []) : []) {
        held.set(token, (held.get(token) ?? 0) + 1);
      }
    }
    this.countTokens([...held].filter(([, n]) => n >= min).map(([token]) => token));
  }

  /** Replaces a stored customer's document (its columns and token rows with it). */
  update(doc: Record<string, unknown>): void {
    const { id: _id, href: _href, ...stored } = doc;
    const columns = extractColumnValues(doc, this.storage);
    const before = this.db
      .prepare('SELECT seq, document FROM customer WHERE id = ?')
      .get(doc.id) as { seq: number; document: string } | undefined;
    if (!before) {
      throw new Error(`No customer ${String(doc.id)}`);
    }
    const names = Object.keys(columns);
    this.db
      .prepare(
        `UPDATE customer SET ${names.map((n) => `${n} = ?, `).join('')}document = ? WHERE seq = ?`,
      )
      .run(...Object.values(columns), JSON.stringify(stored), before.seq);
    this.writeTokens(before.seq, JSON.parse(before.document), doc);
  }

  delete(id: string): void {
    const row = this.db
      .prepare('DELETE FROM customer WHERE id = ? RETURNING seq, document')
      .get(id) as { seq: number; document: string } | undefined;
    if (row) {
      this.writeTokens(row.seq, JSON.parse(row.document), undefined);
    }
  }

  private compile(query: ParsedQuery, residualLimit?: number): CompiledSql {
    const compiled = compileSql(query, this.storage, {
      dialect: 'sqlite',
      baseUrl: BASE_URL,
      residualLimit,
    });
    return (this.rangeHint && compiled.rangePlans?.[this.rangeHint]) || compiled;
  }

  /** Ids of the page, in SQL order, plus the total count. */
  list(query: ParsedQuery, residualLimit?: number): { ids: string[]; total: number } {
    const compiled = this.compile(query, residualLimit);
    const { page, count } = buildListStatements(compiled, this.storage, 'c.id', {
      seqOrdered: this.seqOrdered,
    });
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

  /**
   * One keyset page (`limit` from the query's page) from the start or beyond `position`, in order
   * (a `before` page reversed back into the query's order), each row with its key values.
   */
  async keysetPage(
    query: ParsedQuery,
    position?: KeysetPosition,
  ): Promise<{ id: string; values: KeyValue[] }[]> {
    const compiled = this.compile(query);
    try {
      const statements = keysetStatements(compiled, this.storage, 'sqlite', 'c.id', position, {
        seqOrdered: this.seqOrdered,
        probedRows: this.probedRows,
      });
      const rows = await readKeyset(statements, query.page?.limit ?? 20, (statement) => {
        compiled.residual?.reset();
        return this.db.prepare(statement.sql).all(...statement.params);
      });
      const page = rows.map((row) => ({
        id: row.id as string,
        values: keyValuesOf(row, compiled),
      }));
      return position?.direction === 'before' ? page.reverse() : page;
    } finally {
      compiled.residual?.release();
    }
  }

  /** The query plan lines of the page statement (EXPLAIN QUERY PLAN). */
  plan(query: ParsedQuery): string[] {
    const compiled = this.compile(query);
    const { page } = buildListStatements(compiled, this.storage, 'c.id', {
      seqOrdered: this.seqOrdered,
    });
    return this.explain(page);
  }

  /** The plan lines of each statement of a keyset page. */
  keysetPlans(query: ParsedQuery, position?: KeysetPosition): string[][] {
    const compiled = this.compile(query);
    const options = { seqOrdered: this.seqOrdered };
    return keysetStatements(compiled, this.storage, 'sqlite', 'c.id', position, options).map((s) =>
      this.explain({ sql: s.sql, params: [...s.params, 20] }),
    );
  }

  private explain(statement: SqlStatement): string[] {
    return this.db
      .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
      .all(...statement.params)
      .map((row) => String(row.detail));
  }
}
