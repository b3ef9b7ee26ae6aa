import { toJsRegExp } from '@app/tmf-query/regex';

import { checkStatementClock } from './statement-clock';

const cache = new Map<string, RegExp>();
const CACHE_SIZE = 256;

/**
 * The `regexp(pattern, value)` SQL function that SQLite calls for `value REGEXP pattern` (SQLite has
 * none built in). Register it on every better-sqlite3 connection:
 * `db.function('regexp', { deterministic: true }, sqliteRegexp)`. It runs the normalized pattern with
 * the same flags as the in-memory evaluator; a NULL value does not match. It keeps the statement's
 * clock (`checkStatementClock`).
 */
export function sqliteRegexp(pattern: unknown, value: unknown): number {
  checkStatementClock();
  if (typeof pattern !== 'string' || typeof value !== 'string') {
    return 0;
  }
  let regex = cache.get(pattern);
  if (!regex) {
    regex = toJsRegExp(pattern);
    if (cache.size >= CACHE_SIZE) {
      cache.clear();
    }
    cache.set(pattern, regex);
  }
  return regex.test(value) ? 1 : 0;
}
