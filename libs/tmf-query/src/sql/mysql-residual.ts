import { QueryErrorCode, QueryException } from '@app/tmf-query/errors';
import { matches } from '@app/tmf-query/memory';
import { ParsedQuery } from '@app/tmf-query/parser';

import { CompiledSql, CompileOptions, compileSql, usesTokenIndex } from './compiler';
import { SqlStatement } from './index-entries';
import { epochOf } from './mysql-token-entries';
import { SqlStorage } from './storage';

/** Runs a read statement (the caller's connection). */
export type ReadStatement = <R>(statement: SqlStatement) => Promise<R[]>;

/**
 * Compiles a query for MySQL/MariaDB with the token index: reads how many epochs hold rows (only
 * when the filter uses the index) and, when the index alone does not decide a condition (a regex,
 * `ne`, a string range outside the columns), checks the candidates' stored documents with the
 * evaluator (at most `residualLimit`, else 400 `QUERY_TOO_BROAD`) and compiles again with the ids
 * that match, so that the SQL that runs is complete.
 */
export async function compileMysqlSql(
  query: ParsedQuery,
  storage: SqlStorage,
  options: Omit<CompileOptions, 'dialect' | 'tokenEpochs' | 'residualIds'>,
  read: ReadStatement,
): Promise<CompiledSql> {
  const mapping = storage.mysqlTokenIndex;
  if (!mapping || !usesTokenIndex(query, storage)) {
    return compileSql(query, storage, { ...options, dialect: 'mysql' });
  }
  const [max] = await read<{ seq: number | string | null }>({
    sql: `SELECT MAX(${mapping.seqColumn}) AS seq FROM ${storage.table}`,
    params: [],
  });
  const tokenEpochs = epochOf(Number(max?.seq ?? 0)) + 1;
  const first = compileSql(query, storage, { ...options, dialect: 'mysql', tokenEpochs });
  const scan = first.residualScan;
  if (!scan) {
    return first;
  }
  const candidates = await read<{ id: string; document: string }>(scan.statement);
  if (candidates.length > scan.limit) {
    throw new QueryException(
      QueryErrorCode.TooBroad,
      `The filter needs more than ${scan.limit} customers checked one by one (regex, ne, string ` +
        'ranges outside the indexed columns): add a condition on an indexed attribute that narrows it',
    );
  }
  const residualIds = candidates
    .filter((row) => {
      const parsed = JSON.parse(row.document) as Record<string, unknown>;
      const doc: Record<string, unknown> = { ...parsed, id: row.id };
      if (scan.hrefPrefix !== undefined) {
        doc.href = scan.hrefPrefix + row.id;
      }
      return matches(scan.clauses, doc);
    })
    .map((row) => row.id);
  return compileSql(query, storage, { ...options, dialect: 'mysql', tokenEpochs, residualIds });
}
