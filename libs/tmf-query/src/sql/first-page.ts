import type { CompiledSql } from './compiler';

/**
 * The rows a page needs from a filter's first matches when it can be built from them: a page (no
 * cursor) sorted by the id alone, ascending, whose `offset + limit` is at most `maxRows`; undefined
 * for any other page. Both engines' in-memory intersections (SQLite's held sets, MariaDB's bitmaps)
 * build such pages from the first matches' seqs; each chooses its own bound.
 */
export function firstRowsInIdOrder(
  compiled: Pick<CompiledSql, 'keys' | 'alias' | 'page'>,
  idColumn: string,
  maxRows: number,
): number | undefined {
  const page = compiled.page;
  const [key, ...more] = compiled.keys;
  if (
    !page ||
    page.cursor !== undefined ||
    more.length > 0 ||
    key.descending ||
    key.sql !== `${compiled.alias}.${idColumn}`
  ) {
    return undefined;
  }
  const rows = page.offset + page.limit;
  return rows <= maxRows ? rows : undefined;
}
