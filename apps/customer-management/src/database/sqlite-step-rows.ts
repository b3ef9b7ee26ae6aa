import type { Statement } from 'better-sqlite3';

import { underStatementClock } from '@app/tmf-query';

/**
 * A read step's rows from a prepared SQLite statement (`first`: only its first row, as `[row]` or
 * `[]`), run under the statement clock of `timeoutMs` (DB_STATEMENT_TIMEOUT_MS). The read
 * connections on the event loop and the read workers run their steps through it. Free of TypeORM:
 * the workers load it.
 */
export function sqliteStepRows(
  statement: Statement,
  params: readonly unknown[],
  first: boolean,
  timeoutMs: number | undefined,
): unknown[] {
  return underStatementClock(timeoutMs, () => {
    if (first) {
      const row: unknown = statement.get(...params);
      return row === undefined ? [] : [row];
    }
    return statement.all(...params);
  });
}
