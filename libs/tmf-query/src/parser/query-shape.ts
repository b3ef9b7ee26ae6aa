import { ParsedQuery } from './query.types';

/**
 * The query without its values: each clause's paths, operators and number of alternatives, the
 * sort and the kind of page. Queries of one shape run the same statements with other parameters,
 * so a shape stands for their cost (e.g. a server deciding where to run a list by what earlier
 * lists of that shape cost). Clauses keep their order: reordering them gives another shape, which
 * only splits what is learned.
 */
export function queryShape(query: ParsedQuery): string {
  const clauses = query.clauses.map((clause) =>
    clause.conditions.map((c) => `${c.attribute.path} ${c.op}`).join(' | '),
  );
  const sort = query.sort.map((key) => (key.descending ? '-' : '') + key.attribute.path);
  const page = !query.page
    ? 'all'
    : query.page.cursor !== undefined
      ? 'cursor'
      : query.page.offset > 0
        ? 'offset'
        : 'first';
  return `${clauses.join(' & ')} ; ${sort.join(',')} ; ${page}`;
}
