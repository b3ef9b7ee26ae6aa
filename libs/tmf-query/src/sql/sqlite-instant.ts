import { parseInstant } from '@app/tmf-query/values';

/**
 * SQLite function `tmf_instant(text)`: the instant (epoch ms) of a date-time string, with the
 * evaluator's own parser, or NULL. Sorting by a date-time read from the stored document uses it.
 * Register it on every SQLite connection (deterministic).
 */
export function sqliteInstant(value: unknown): number | null {
  return typeof value === 'string' ? (parseInstant(value) ?? null) : null;
}
