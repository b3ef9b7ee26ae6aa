import { TypedParameter } from 'mysql2';

/**
 * Which MySQL/MariaDB reads go as server-side prepared statements (mysql2 `execute`, cached per
 * connection) rather than as text: the statements this process sends again and again (GET by id, a
 * list page of one shape), whose parameters are all strings or safe integers. The server then
 * parses a statement once per connection instead of once per request (docs/performance.md,
 * "MariaDB reads as prepared statements"). A string travels as a string in both protocols and an
 * integer is bound as a BIGINT (`LIMIT ?` included), the type of the text protocol's integer
 * literal, so the statement means the same; other values (fractions, booleans, null) keep the text
 * protocol (mysql2 would bind a number as a DOUBLE). A statement is prepared from its second use: a
 * one-off shape (an IN list of a rare length) would cost a prepare, an execute and a close.
 */
export class PreparedReads {
  /** Statements seen once, forgotten all at once when full (the common ones come back). */
  private readonly seen = new Set<string>();
  private readonly hot = new Set<string>();

  constructor(private readonly maxStatements = PREPARED_READS_SEEN) {}

  /**
   * The values to bind when `sql` with `params` goes as a prepared statement (counting this use);
   * undefined: as text.
   */
  use(sql: string, params: readonly unknown[]): unknown[] | undefined {
    const values = bindable(params);
    if (!values) {
      return undefined;
    }
    if (this.hot.has(sql)) {
      return values;
    }
    if (this.seen.has(sql)) {
      if (this.hot.size >= this.maxStatements) {
        this.hot.clear();
      }
      this.hot.add(sql);
      return values;
    }
    if (this.seen.size >= this.maxStatements) {
      this.seen.clear();
    }
    this.seen.add(sql);
    return undefined;
  }
}

/** Statement texts remembered as seen (and as hot): bounded memory, whatever the shapes. */
export const PREPARED_READS_SEEN = 1000;

/**
 * Prepared statements a pooled connection keeps (mysql2's `maxPreparedStatements`; the least
 * recently used is closed on the server). MariaDB and MySQL allow 16,382 on a server by default
 * (`max_prepared_stmt_count`): 64 per connection leave room for dozens of pools of 10.
 */
export const PREPARED_STATEMENTS_PER_CONNECTION = 64;

/**
 * Most parameters of a prepared read. Statements with more are the ones whose shape varies with the
 * data (an IN list of keys, of ids): each length a statement of its own, which would take turns in
 * a connection's cache, a prepare round trip each time.
 */
export const PREPARED_READ_PARAMS = 16;

/** Strings as they are and safe integers as BIGINTs; undefined when another value is there. */
function bindable(params: readonly unknown[]): unknown[] | undefined {
  if (params.length === 0 || params.length > PREPARED_READ_PARAMS) {
    return undefined;
  }
  const values: unknown[] = [];
  for (const p of params) {
    if (typeof p === 'string') {
      values.push(p);
    } else if (typeof p === 'number' && Number.isSafeInteger(p)) {
      values.push(TypedParameter.LONGLONG(p));
    } else {
      return undefined;
    }
  }
  return values;
}
