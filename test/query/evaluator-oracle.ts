import { createSortComparator, matches, ParsedQuery } from '@app/tmf-query';

// The oracle specs' reference: what the in-memory evaluator answers for a query over documents.

/** The ids of the page the evaluator answers, and the total before paging. */
export function evaluatorPage(
  query: ParsedQuery,
  docs: readonly unknown[],
): { ids: string[]; total: number } {
  const matching = docs.filter((c) => matches(query, c));
  const sorted = [...matching].sort(createSortComparator(query.sort));
  const { offset, limit } = query.page ?? { offset: 0, limit: Infinity };
  return {
    ids: sorted.slice(offset, offset + limit).map((c) => (c as { id: string }).id),
    total: matching.length,
  };
}

/** The evaluator's whole ordered result (no page). */
export function evaluatorOrder(query: ParsedQuery, docs: readonly unknown[]): string[] {
  return docs
    .filter((c) => matches(query, c))
    .sort(createSortComparator(query.sort))
    .map((c) => (c as { id: string }).id);
}
