import { QueryErrorCode, QueryException } from '@app/tmf-query/errors';
import { matches } from '@app/tmf-query/memory';
import { Clause } from '@app/tmf-query/parser';

import { checkStatementClock } from './statement-clock';

/**
 * The residual check of the token index on SQLite: conditions the index only narrows (a range's
 * edge buckets, a regex, `ne`, a string range on a typed path) are decided on the stored document
 * by the in-memory evaluator itself, inside the statement, through the SQL function
 * `tmf_residual(document, id, key)`. A query registers its filter under a key for as long as its
 * statements run, and may check at most `limit` documents: beyond that the query is refused
 * (`QUERY_TOO_BROAD`), so an unselective regex never walks a million documents.
 */
interface Pending {
  readonly clauses: readonly Clause[];
  readonly hrefPrefix: string | undefined;
  readonly limit: number;
  checked: number;
}

/** Filters registered at once, at most (an unreleased one is dropped, oldest first). */
const MAX_PENDING = 4096;
const pending = new Map<string, Pending>();
let nextKey = 0;

/**
 * What a residual check decides with, as plain data: what another thread holding its own SQLite
 * connection registers under the same key ({@link adoptResidual}) to run the query's statements.
 */
export interface ResidualSpec {
  readonly key: string;
  readonly clauses: readonly Clause[];
  readonly hrefPrefix: string | undefined;
  readonly limit: number;
}

/** A registered residual check: its key (bound into the SQL) and its release. */
export interface ResidualCheck {
  readonly key: string;
  readonly spec: ResidualSpec;
  /** Starts the document budget again (before each statement of the query). */
  reset(): void;
  /** Forgets the filter; call once the query's statements have run. */
  release(): void;
}

export function registerResidual(
  clauses: readonly Clause[],
  hrefPrefix: string | undefined,
  limit: number,
): ResidualCheck {
  return adoptResidual({ key: `r${nextKey++}`, clauses, hrefPrefix, limit });
}

/**
 * Registers a residual check under the key it was given (by {@link registerResidual}, in the
 * thread that compiled the query), for this thread's connections: a read running on a worker
 * thread's connection calls this thread's `tmf_residual`.
 */
export function adoptResidual(spec: ResidualSpec): ResidualCheck {
  const { key, clauses, hrefPrefix, limit } = spec;
  const entry: Pending = { clauses, hrefPrefix, limit, checked: 0 };
  pending.set(key, entry);
  if (pending.size > MAX_PENDING) {
    pending.delete(pending.keys().next().value as string);
  }
  return {
    key,
    spec,
    reset: () => {
      entry.checked = 0;
    },
    release: () => {
      pending.delete(key);
    },
  };
}

/**
 * The SQL function: 1 when the stored document (without `id`/`href`, which are added back) matches
 * the registered filter. Register it as `tmf_residual` on every SQLite connection (not
 * deterministic: its answer depends on the key's registration).
 */
export function sqliteResidual(document: unknown, id: unknown, key: unknown): number {
  checkStatementClock();
  const entry = pending.get(String(key));
  if (!entry) {
    throw new Error(`tmf_residual: no filter registered under '${String(key)}'`);
  }
  if (++entry.checked > entry.limit) {
    throw new QueryException(
      QueryErrorCode.TooBroad,
      `The filter needs more than ${entry.limit} stored documents checked one by one (regex, ne, string ` +
        'ranges outside the indexed columns, or the ends of a range): add a condition on an ' +
        'indexed attribute that narrows it',
    );
  }
  const parsed = JSON.parse(String(document)) as Record<string, unknown>;
  const doc: Record<string, unknown> = { ...parsed, id: String(id) };
  if (entry.hrefPrefix !== undefined) {
    doc.href = entry.hrefPrefix + String(id);
  }
  return matches(entry.clauses, doc) ? 1 : 0;
}
