import { QueryErrorCode, QueryException } from '@app/tmf-query/errors';
import { matches } from '@app/tmf-query/memory';
import { ParsedQuery } from '@app/tmf-query/parser';

import { CompiledSql, CompileOptions, compileSql, usesTokenIndex } from './compiler';
import { firstRowsInIdOrder } from './first-page';
import { SqlStatement } from './index-entries';
import { firstByIdSeqs, KeptIntersections } from './mysql-token-bitmaps';
import { epochOf } from './mysql-token-entries';
import { SqlStorage } from './storage';

/**
 * From this share of the customers on, a filter's lookups test candidates one by one in the sort
 * order (`tokenProbe`): a page of 20 then costs at most ~20 / share key lookups.
 */
const PROBE_SHARE = 0.01;

/**
 * A collecting filter in id order walks the `(id, seq)` index (`tokenWalk`) when the walk to the
 * end of its page is expected to read at most this many entries per match; otherwise every match's
 * id is read on the `seq` index (a B-tree descent each) and the ids are sorted. An entry of the walk
 * (a step along the index and a lookup among the materialized matches) cost about a third of a
 * match's descent and sort at 1,000,000 customers (~1.2 against ~3.4 µs, the matches' read apart;
 * docs/performance.md, "MariaDB collected pages walked in id order").
 */
const WALK_FROM = 3;

/**
 * A page in id order of a filter intersected in memory is built from the first matches' ids
 * (`firstByIdSeqs`) up to this `offset + limit`; deeper pages read the matches as a list.
 */
const FIRST_BY_ID_ROWS = 200;

/**
 * The first page in id order of a filter intersected in memory comes from its first matches' ids
 * (`firstByIdSeqs`) while the `(id, seq)` entries its range below them reads, ~`rows × MAX(seq) /
 * matches` while ids grow with seq, are at most this many per match; else every match is read by
 * its seq (~3 µs each against ~0.3 µs an entry; measured at 1,000,000 customers, a date range of
 * ~200 matches read ~100,000 entries per page: p50 23 → 378 ms on a loaded machine).
 */
const BELOW_PER_MATCH = 10;

/** The token count's row: the number of matches, and the seqs they lie between when counted. */
interface CountRow {
  readonly total: number | string;
  readonly lo?: number | string | null;
  readonly hi?: number | string | null;
}

/**
 * How many index entries a walk in id order is expected to read for its page, per match: the
 * larger of two guesses, matches spread evenly over the ids, and ids in seq order (server-made ids
 * grow with time) with the matches spread evenly between their smallest and largest seq. Infinite
 * when the seqs are not known (a kept count) or nothing matches.
 */
function walkShare(
  query: ParsedQuery,
  counted: CountRow | undefined,
  total: number,
  maxSeq: number,
): number {
  if (total === 0 || counted?.lo === null || counted?.lo === undefined) {
    return Infinity;
  }
  const lo = Number(counted.lo);
  const hi = Number(counted.hi ?? maxSeq);
  const rows = (query.page?.offset ?? 0) + (query.page?.limit ?? total);
  const descending = query.sort?.[0]?.descending === true;
  const before = descending ? Math.max(0, maxSeq - hi) : Math.max(0, lo - 1);
  const clustered = before + (rows * (hi - lo + 1)) / total;
  const even = (rows * maxSeq) / total;
  return Math.max(clustered, even) / total;
}

/**
 * The seqs of a count of at most two customers: its smallest and largest (a unique value, an id
 * held by one customer), so that the page reads them by key instead of planning and scanning the
 * lookup's ranges again. Only when the count counted every row's seq: with deleted customers'
 * rows waiting for the sweep, it leaves them out of the total but not out of the bounds, and two
 * bounds could then hide a third customer.
 */
function namedSeqs(
  counted: CountRow | undefined,
  total: number,
  dead: boolean,
): number[] | undefined {
  if (dead || total > 2 || counted?.lo === null || counted?.lo === undefined) {
    return undefined;
  }
  if (total === 0) {
    return [];
  }
  const lo = Number(counted.lo);
  const hi = Number(counted.hi ?? lo);
  return lo === hi ? [lo] : [lo, hi];
}

/**
 * A filter of several kept keys, or of kept keys and ranges of ordered tokens, intersected in
 * memory (`MysqlTokenBitmaps`): the count is the
 * intersection's; the first page in id order comes from the first matches' ids; any other page
 * reads the matches as a list while they are few (as the join's pre-read did), else tests
 * candidates one by one in the sort order.
 */
async function compileIntersected(
  query: ParsedQuery,
  storage: SqlStorage,
  options: Omit<CompileOptions, 'dialect' | 'tokenEpochs' | 'residualIds' | 'tokenSeqList'>,
  read: ReadStatement,
  dry: CompiledSql,
  intersections: KeptIntersections,
  probeShare: number,
  walkFrom: number,
  belowPerMatch: number,
): Promise<CompiledSql> {
  // Kept keys alone (`tokenKeys`), or kept keys and ranges of ordered tokens (`tokenRanges`).
  const ranges = dry.tokenKeys ? [] : dry.tokenRanges!.filter((r) => r.from !== r.to);
  const keys =
    dry.tokenKeys ??
    dry.tokenRanges!.filter((r) => r.from === r.to).map((r) => ({ token: r.token, v: r.from }));
  const { matches, maxSeq, dead } = await intersections.intersect(keys, read, ranges);
  const total = matches.total;
  const base = {
    ...options,
    dialect: 'mysql' as const,
    tokenEpochs: epochOf(maxSeq) + 1,
    tokenDead: dead,
  };
  if (total === 0) {
    return { ...compileSql(query, storage, { ...base, tokenSeqList: [] }), total };
  }
  const rows = firstRowsInIdOrder(dry, storage.idColumn, FIRST_BY_ID_ROWS);
  if (rows !== undefined && (rows * maxSeq) / total <= belowPerMatch * total) {
    const seqs = await firstByIdSeqs(storage, matches, rows, read);
    if (seqs) {
      return { ...compileSql(query, storage, { ...base, tokenSeqList: seqs }), total };
    }
  }
  if (total <= probeShare * maxSeq) {
    const tokenSeqList = matches.first(total);
    const bounds = { total, lo: tokenSeqList[0], hi: tokenSeqList[tokenSeqList.length - 1] };
    const tokenWalk = walkShare(query, bounds, total, maxSeq) <= walkFrom;
    return { ...compileSql(query, storage, { ...base, tokenSeqList, tokenWalk }), total };
  }
  if (ranges.length > 0) {
    // A range of `v` would be scanned in its epoch for every candidate: collected (walked in id
    // order when the walk is short), as the count's plan does.
    const bounds = { total, lo: matches.first(1)[0], hi: maxSeq };
    const tokenWalk = walkShare(query, bounds, total, maxSeq) <= walkFrom;
    return { ...compileSql(query, storage, { ...base, tokenWalk }), total };
  }
  return { ...compileSql(query, storage, { ...base, tokenProbe: true }), total };
}

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
  options: Omit<CompileOptions, 'dialect' | 'tokenEpochs' | 'residualIds' | 'tokenSeqList'>,
  read: ReadStatement,
  probeShare = PROBE_SHARE,
  walkFrom = WALK_FROM,
  /** Kept keys' bitmaps held in memory: a filter of several kept keys is intersected there. */
  intersections?: KeptIntersections,
  belowPerMatch = BELOW_PER_MATCH,
): Promise<CompiledSql> {
  const mapping = storage.mysqlTokenIndex;
  if (!mapping || !usesTokenIndex(query, storage)) {
    return compileSql(query, storage, { ...options, dialect: 'mysql' });
  }
  if (intersections) {
    // Compiled once without the state, only to see whether the filter is kept keys alone.
    const dry = compileSql(query, storage, { ...options, dialect: 'mysql' });
    const ranges = dry.tokenRanges;
    const served = dry.tokenKeys
      ? intersections.serves(dry.tokenKeys)
      : ranges !== undefined &&
        intersections.servesRanges?.(
          ranges.filter((r) => r.from === r.to).map((r) => ({ token: r.token, v: r.from })),
          ranges.filter((r) => r.from !== r.to),
        ) === true;
    if (served) {
      return compileIntersected(
        query,
        storage,
        options,
        read,
        dry,
        intersections,
        probeShare,
        walkFrom,
        belowPerMatch,
      );
    }
  }
  const [state] = await read<{ seq: number | string | null; dead: number | string | null }>({
    sql:
      `SELECT (SELECT MAX(${mapping.seqColumn}) FROM ${storage.table}) AS seq, ` +
      `(SELECT 1 FROM ${mapping.deadTable} LIMIT 1) AS dead`,
    params: [],
  });
  const maxSeq = Number(state?.seq ?? 0);
  const base = {
    ...options,
    dialect: 'mysql' as const,
    tokenEpochs: epochOf(maxSeq) + 1,
    tokenDead: state?.dead !== null && state?.dead !== undefined,
  };
  const first = compileSql(query, storage, base);
  const probeFrom = probeShare * maxSeq;
  if (first.tokenSeqs) {
    // Several lookups joined: their matches are read once, for the count and the page, while they
    // are few; beyond the share, the page tests candidates one by one.
    const limit = Number.isFinite(probeFrom) ? Math.max(0, Math.ceil(probeFrom)) : undefined;
    const rows = await read<{ seq: number | string }>({
      sql: limit === undefined ? first.tokenSeqs.sql : `${first.tokenSeqs.sql} LIMIT ${limit + 1}`,
      params: first.tokenSeqs.params,
    });
    if (limit === undefined || rows.length <= limit) {
      const tokenSeqList = rows.map((r) => Number(r.seq));
      const total = tokenSeqList.length;
      const bounds = { total, lo: Math.min(...tokenSeqList), hi: Math.max(...tokenSeqList) };
      const tokenWalk = walkShare(query, bounds, total, maxSeq) <= walkFrom;
      return { ...compileSql(query, storage, { ...base, tokenSeqList, tokenWalk }), total };
    }
  }
  if (first.tokenCount) {
    // Counted from the token table alone. A filter that matches many customers finds its page
    // sooner by testing candidates in the sort order than by collecting every match first.
    const [counted] = await read<CountRow>(first.tokenCount);
    const total = Number(counted?.total ?? 0);
    // A range of `v` would be scanned in its epoch for every candidate: ranges are walked.
    if (total >= probeFrom && first.tokenPoints) {
      return { ...compileSql(query, storage, { ...base, tokenProbe: true }), total };
    }
    const few = namedSeqs(counted, total, base.tokenDead);
    if (few) {
      return { ...compileSql(query, storage, { ...base, tokenSeqList: few }), total };
    }
    const walk = walkShare(query, counted, total, maxSeq) <= walkFrom;
    return { ...(walk ? compileSql(query, storage, { ...base, tokenWalk: true }) : first), total };
  }
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
  return compileSql(query, storage, { ...base, residualIds });
}
