import {
  Clause,
  Condition,
  Operator,
  ParsedQuery,
  QueryValue,
  queryShape,
} from '@app/tmf-query/parser';
import { planFilter } from '@app/tmf-query/plan';
import { AttributePath } from '@app/tmf-query/schema';

import { encodeSortableNumber, indexPathId } from './index-encoding';
import { SqlParam, SqlStatement } from './index-entries';
import { keySelect } from './keyset';
import { EPOCH_BITS } from './mysql-token-entries';
import {
  mysqlCountSql,
  mysqlPointKey,
  mysqlMatchSql,
  planMysqlTokens,
  RangeExpression,
  TokenRange,
} from './mysql-token-filter';
import { registerResidual, ResidualCheck } from './sqlite-residual';
import {
  indexTableOf,
  MysqlTokenMapping,
  SqlDialect,
  SqlStorage,
  TokenIndexMapping,
} from './storage';
import { orderedTokenNumber } from './token-encoding';
import { arrayPathIds } from './token-entries';
import {
  isCopyClause,
  isOnePathInterval,
  matchSql,
  MatchExpression,
  planElementTokens,
  planTokens,
  TokenPlan,
} from './token-filter';
import {
  servesOrder,
  tokenCountStatement,
  tokenPageStatements,
  TokenSearch,
  TokenSearchPart,
} from './token-search';
import { MAX_INDEXED_STRING_BYTES, prefixUpperBound, truncateUtf8, utf8Length } from './utf8';

/** Options of {@link compileSql}. */
export interface CompileOptions {
  readonly dialect: SqlDialect;
  /**
   * Public base URL (e.g. `https://api.example.com`) used to derive `href`; required when the query
   * filters on the derived href. A trailing slash is ignored.
   */
  readonly baseUrl?: string;
  /** Alias of the resource table in the caller's `FROM` clause (default `c`). */
  readonly alias?: string;
  /**
   * With the token index: how many stored documents a query may check one by one (the residual
   * check), per statement; beyond it the query is refused with `QUERY_TOO_BROAD` (default 10,000).
   */
  readonly residualLimit?: number;
  /**
   * MySQL token index: how many epochs hold rows (`MAX(seq) >> EPOCH_BITS` + 1, read before the
   * query); every epoch is one range scan of a lookup.
   */
  readonly tokenEpochs?: number;
  /**
   * MySQL token index: the ids among the residual candidates that match (`residualScan`, checked
   * by the evaluator); given, the filter is complete SQL.
   */
  readonly residualIds?: readonly string[];
  /**
   * MySQL token index: test each candidate customer by key (`epoch, token, v, seq`) instead of
   * collecting every match first; for filters that match many customers, whose page is found after
   * a few candidates in the sort order.
   */
  readonly tokenProbe?: boolean;
  /**
   * MySQL token index, a filter that collects its matches, paged in id order: walk the narrow
   * `(id, seq)` index in that order and keep the customers whose `seq` is among the matches (read
   * once into a temporary table with a unique key, one hash lookup per entry), stopping after the
   * page; instead of reading every match's id on the `seq` index and sorting them. For matches
   * many enough that the page is found after a few entries per match (`compileMysqlSql` decides).
   */
  readonly tokenWalk?: boolean;
  /** MySQL token index: whether deleted customers' rows wait for the sweep (the count skips them). */
  readonly tokenDead?: boolean;
  /**
   * MySQL token index, a filter made only of token lookups: the matching customers' seqs, read
   * before the query (`tokenSeqs` of the first compile, for several lookups; the count's smallest
   * and largest seq, when it found at most two customers); the page then reads them by key instead
   * of looking them up again.
   */
  readonly tokenSeqList?: readonly number[];
  /**
   * MySQL token index: the keys (`token:v`) known to have kept count rows (read by the server
   * after the migrations and after each promotion); a filter that is one of them is counted from
   * its count rows alone.
   */
  readonly tokenKeptKeys?: ReadonlySet<string>;
  /**
   * SQLite: what to tell the planner of the filter's one-sided ranges on columns (`gt`, `gte`,
   * `lt`, `lte`), as `likelihood()`: `seek`, that they keep few rows (their column's index is
   * searched and the matches sorted), or `walk`, that they keep most (the sort order's index is
   * walked, each row tested). Without statistics SQLite takes such a range to keep a quarter of the
   * rows, and under a `LIMIT` walks: a range that keeps few rows then reads the whole table.
   * Unset, compiling gives both plans (`CompiledSql.rangePlans`) for the caller to pick from the
   * range's count.
   */
  readonly columnRangeHint?: 'seek' | 'walk';
}

/**
 * MySQL token index: the customers whose match the index alone does not decide, to be checked on
 * their stored documents before the query runs (`resolveMysqlResidual`).
 */
export interface MysqlResidualScan {
  /** `SELECT <id>, <document> ...` of the candidates, at most `limit + 1` rows. */
  readonly statement: SqlStatement;
  readonly clauses: readonly Clause[];
  readonly hrefPrefix: string | undefined;
  readonly limit: number;
}

/**
 * MySQL token index: up to this many matches read before the query (`tokenSeqList`, e.g. the first
 * page's candidates in id order), the page reads their documents at once instead of their ids
 * first and the documents in a second statement: a round trip saved for at most 2 pages of rows.
 */
const DIRECT_SEQS = 64;
/** ... and at most this many pages' rows (`offset + limit`): beyond, ids first. */
const DIRECT_PAGES = 2;

/** The operators of a one-sided range. */
const RANGE_OPERATORS: ReadonlySet<Operator> = new Set(['gt', 'gte', 'lt', 'lte']);

/**
 * SQLite `likelihood()` of a hinted range (`columnRangeHint`): a literal (SQLite takes no parameter
 * there), one per hint, so each shape keeps one statement text.
 */
const RANGE_LIKELIHOOD = { seek: '0.0001', walk: '0.9375' } as const;

/** Default of {@link CompileOptions.residualLimit}. */
export const DEFAULT_RESIDUAL_LIMIT = 10000;

/**
 * SQL fragments for one parsed query. Every value is a `?` parameter; identifiers come only from
 * the storage mapping. Use as `SELECT ... FROM <table> <alias> WHERE <where> ORDER BY <orderBy>
 * LIMIT ? OFFSET ?` with `[...whereParams, ...orderByParams, limit, offset]` (or
 * {@link buildListStatements}).
 */
export interface CompiledSql {
  /** A boolean expression over the resource table alias; `1 = 1` when there is no filter. */
  readonly where: string;
  readonly whereParams: SqlParam[];
  /** Order terms without the `ORDER BY` keyword; always ends with the id column as tie-breaker. */
  readonly orderBy: string;
  readonly orderByParams: SqlParam[];
  /**
   * The ORDER BY keys one by one, ending with the id (the tie-breaker, or the user's own id/href
   * key; keys after it never decide): what a keyset page compares (see `keysetStatements`).
   */
  readonly keys: readonly CompiledSortKey[];
  /** The page, when the query was parsed with paging options. */
  readonly page: ParsedQuery['page'];
  /** The resource table alias the fragments refer to. */
  readonly alias: string;
  /** The query without its values (`queryShape`): what lists of the same cost have in common. */
  readonly shape?: string;
  /**
   * Set when the filter needs the residual check (SQLite token index): `reset()` it before each
   * statement and `release()` it once they have run.
   */
  readonly residual?: ResidualCheck;
  /**
   * Set on MySQL when the filter needs the residual check and `residualIds` was not given: `where`
   * is then incomplete; resolve it first (`resolveMysqlResidual`) and compile again with the ids.
   */
  readonly residualScan?: MysqlResidualScan;
  /**
   * MySQL token index, a filter made only of token lookups: its exact count read from the token
   * table alone (`COUNT(DISTINCT seq)`), without touching the customers.
   */
  readonly tokenCount?: SqlStatement;
  /**
   * MySQL token index, with `tokenCount`: every lookup names single `(token, v)` keys (no range of
   * `v`), so that testing a candidate customer is a key seek per key (`tokenProbe`), not a scan of
   * the range in its epoch.
   */
  readonly tokenPoints?: boolean;
  /**
   * MySQL token index, a filter of several token lookups: the distinct seqs of the customers that
   * match them all (deleted ones left out), from the token table alone; `LIMIT` to append.
   */
  readonly tokenSeqs?: SqlStatement;
  /**
   * MySQL token index: the keys of a filter of several token lookups that are each one
   * `(token, v)`, which kept keys' bitmaps held in memory may intersect (`mysql-token-bitmaps.ts`).
   */
  readonly tokenKeys?: readonly { readonly token: number; readonly v: string }[];
  /**
   * MySQL token index: the lookups of a filter whose every lookup is one range of `v` on one token
   * (a point: one key), at least one of them a range of an ordered path, which kept keys' bitmaps
   * and ordered tokens' keys held in memory may intersect (`mysql-token-bitmaps.ts`).
   */
  readonly tokenRanges?: readonly TokenRange[];
  /** The exact number of matches, when it was counted while compiling (`compileMysqlSql`). */
  readonly total?: number;
  /**
   * SQLite, a filter of columns (no token lookup, no residual check) with a one-sided range on a
   * column: the same query compiled with each planner hint (`CompileOptions.columnRangeHint`). The
   * caller counts the matches first (this query's count) and pages with `seek` when they are few
   * (`seeksColumnRange`), else with `walk`.
   */
  readonly rangePlans?: { readonly seek: CompiledSql; readonly walk: CompiledSql };
  /**
   * SQLite token index: the filter as lookups in the index alone, when it is one (no column or
   * href test). Counts and pages in the index's order are then read without the resource table
   * (see `token-search.ts`).
   */
  readonly tokenSearch?: TokenSearch;
  /**
   * MySQL token index: the `(token, v)` of a filter that is one key, whose count reads its kept
   * count rows when it has them (else its token rows): what a promotion gives rows.
   */
  readonly keptCountKey?: { readonly token: number; readonly v: string };
  /**
   * An index hint after the table alias (MySQL): with token lookups that collect their few matches
   * first, `IGNORE INDEX FOR ORDER BY (PRIMARY)`, so that the page sorts those matches instead of
   * walking the clustered index (the documents) in id order until it has found them.
   */
  readonly tableHint?: string;
  /**
   * MySQL token index, a filter that is one `(token, v)` key tested per candidate (`tokenProbe`):
   * ` STRAIGHT_JOIN <token table> <alias>` after the table (and its hint), the join's conditions in
   * `where`: one key seek per candidate in the join, instead of a correlated subquery executed per
   * candidate (~0.8 µs more each). The key's `rep = 0` row is one per customer holding it.
   */
  readonly tableJoin?: string;
  /**
   * MySQL: token lookups collect their matches before the page is sorted. A page then selects ids
   * (and keys) first, which the `seq` index holds, and its documents after, by id; but not when
   * the matches were read before and are few (`tokenSeqList`): their documents are read at once.
   */
  readonly collectsMatches?: boolean;
}

/** One ORDER BY key as SQL. */
export interface CompiledSortKey {
  /** The key's expression over the resource table alias; its `?` parameters are `params`. */
  readonly sql: string;
  readonly params: readonly SqlParam[];
  readonly descending: boolean;
  /** Whether it can be NULL (a missing value), which sorts last in both directions. */
  readonly nullable: boolean;
  /** A column of the resource table (or the id): an index can deliver rows in its order. */
  readonly column: boolean;
}

const COMPARATORS: Readonly<Record<Exclude<Operator, 'regex'>, string>> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/**
 * Compiles a parsed query to SQL for SQLite or MySQL 8 / MariaDB 10.6+, with the same semantics as
 * `matches`: columns for the mapped paths, `IN (SELECT <indexIdColumn> FROM <indexTable> ...)` lookups
 * in the value index for the value-indexed paths, `EXISTS (SELECT 1 FROM <plainTable> ... WHERE
 * <indexIdColumn> = <id> ...)` probes by key for the others (joined on the element position for
 * same-element groups), the derived href rewritten to the id. Regex compiles to `value REGEXP ?` on
 * both dialects: on SQLite the application must register {@link sqliteRegexp} as the `regexp`
 * function of every connection.
 */
export function compileSql(
  query: ParsedQuery,
  storage: SqlStorage,
  options: CompileOptions,
): CompiledSql {
  const compiler = new SqlCompiler(storage, options);
  const where = compiler.where(query.clauses);
  const whereParams = compiler.takeParams();
  const orderBy = compiler.orderBy(query);
  const orderByParams = compiler.takeParams();
  const keys = compiler.sortKeys(query);
  return {
    where,
    whereParams,
    orderBy,
    orderByParams,
    keys,
    page: query.page,
    alias: options.alias ?? 'c',
    shape: queryShape(query),
    residual: compiler.residual,
    residualScan: compiler.residualScan,
    tokenCount: compiler.tokenCount,
    tokenPoints: compiler.tokenPoints,
    tokenSeqs: compiler.tokenSeqs,
    tokenKeys: compiler.tokenKeys,
    tokenRanges: compiler.tokenRanges,
    tokenSearch: compiler.tokenSearch,
    keptCountKey: compiler.keptCountKey,
    tableHint: tableHintOf(compiler, query, storage, options, keys),
    tableJoin: compiler.tableJoin,
    collectsMatches:
      compiler.collectsTokens &&
      !options.tokenProbe &&
      !(
        (options.tokenSeqList?.length ?? Infinity) <=
        Math.min(DIRECT_SEQS, DIRECT_PAGES * ((query.page?.offset ?? 0) + (query.page?.limit ?? 0)))
      ),
    rangePlans:
      options.dialect === 'sqlite' &&
      options.columnRangeHint === undefined &&
      compiler.columnRanges &&
      !compiler.residual &&
      !compiler.tokenSearch &&
      !compiler.collectsTokens
        ? {
            seek: compileSql(query, storage, { ...options, columnRangeHint: 'seek' }),
            walk: compileSql(query, storage, { ...options, columnRangeHint: 'walk' }),
          }
        : undefined,
  };
}

/**
 * Whether a page of `rows` (offset and limit) among `matches` of `total` customers is cheaper read
 * by searching the range's column index and sorting the matches (~`matches` entries) than by
 * walking the sort order testing each row (~`rows × total / matches` rows, matches spread evenly):
 * the two meet at `matches² = rows × total`.
 */
export function seeksColumnRange(matches: number, rows: number, total: number): boolean {
  return matches * matches <= rows * Math.max(total, matches);
}

/**
 * MySQL: token lookups that collect their few matches first sort those matches (`IGNORE INDEX FOR
 * ORDER BY (PRIMARY)`) instead of walking the clustered index (the documents) in id order until
 * they have found them. In id order, no filter or one that tests candidates one by one
 * (`tokenProbe`, token lookups only) walks the narrow `(id, seq)` index (`idSeqIndex`): an offset
 * skips its entries, a probe reads the candidate's `seq` there, and only the rows that are
 * returned are read in the clustered index.
 */
function tableHintOf(
  compiler: SqlCompiler,
  query: ParsedQuery,
  storage: SqlStorage,
  options: CompileOptions,
  keys: readonly CompiledSortKey[],
): string | undefined {
  const index = options.dialect === 'mysql' ? storage.mysqlTokenIndex?.idSeqIndex : undefined;
  const idOrder =
    keys.length === 1 && keys[0].sql === `${options.alias ?? 'c'}.${storage.idColumn}`;
  if (compiler.collectsTokens && !options.tokenProbe) {
    // Walked: the matches' seqs materialized once, each entry of the index looked up among them.
    return index && idOrder && options.tokenWalk
      ? ` FORCE INDEX (${index})`
      : ' IGNORE INDEX FOR ORDER BY (PRIMARY)';
  }
  const walks =
    query.clauses.length === 0 ||
    (options.tokenProbe === true && compiler.tokenCount !== undefined);
  return index && idOrder && walks ? ` FORCE INDEX (${index})` : undefined;
}

/** Whether the query filters on a path held in the token index (not a column, not the href). */
export function usesTokenIndex(query: ParsedQuery, storage: SqlStorage): boolean {
  return query.clauses.some((clause) =>
    clause.conditions.some(
      (c) =>
        storage.columns[c.attribute.path] === undefined &&
        storage.derivedHref?.path !== c.attribute.path,
    ),
  );
}

/**
 * Full statements for the list endpoint: the page (`SELECT <select> ... LIMIT ? OFFSET ?`, or no
 * LIMIT when the query has no page) and the total count for `X-Total-Count`.
 *
 * @param select the select list, e.g. `c.id, c.document`
 * @param options `keys`: every row also carries its sort key values (`sk0`, ..., see `keyValuesOf`)
 */
export function buildListStatements(
  compiled: CompiledSql,
  storage: SqlStorage,
  select: string,
  options: { readonly keys?: boolean; readonly seqOrdered?: boolean } = {},
): { readonly page: SqlStatement; readonly count: SqlStatement } {
  const from = `FROM ${storage.table} ${compiled.alias}${compiled.tableHint ?? ''}${compiled.tableJoin ?? ''} WHERE ${compiled.where}`;
  const paging = compiled.page ? ' LIMIT ? OFFSET ?' : '';
  const keys = options.keys ? keySelect(compiled) : { sql: '', params: [] };
  const count = compiled.tokenSearch
    ? tokenCountStatement(compiled.tokenSearch, storage)
    : { sql: `SELECT COUNT(*) AS total ${from}`, params: [...compiled.whereParams] };
  if (options.seqOrdered && compiled.page && servesOrder(compiled, storage)) {
    const head = { sql: `SELECT ${select}${keys.sql}`, params: [...keys.params] };
    const [page] = tokenPageStatements(compiled, storage, head, undefined, 'offset');
    return {
      page: { sql: page.sql, params: [...page.params, compiled.page.limit, compiled.page.offset] },
      count,
    };
  }
  return {
    page: {
      sql: `SELECT ${select}${keys.sql} ${from} ORDER BY ${compiled.orderBy}${paging}`,
      params: [
        ...keys.params,
        ...compiled.whereParams,
        ...compiled.orderByParams,
        ...(compiled.page ? [compiled.page.limit, compiled.page.offset] : []),
      ],
    },
    count,
  };
}

/** A filter part in token mode: what may match, what surely matches, and whether they agree. */
interface ApproximatePart {
  readonly sup: () => string;
  readonly core: () => string;
  readonly exact: boolean;
}

class SqlCompiler {
  private params: SqlParam[] = [];
  private aliasCount = 0;
  private readonly alias: string;
  private readonly dialect: SqlDialect;
  /** The token index, on SQLite when the storage has one; else the two search tables. */
  private readonly tokens: TokenIndexMapping | undefined;
  residual: ResidualCheck | undefined;
  /** The token table on MySQL/MariaDB when the storage has one. */
  private readonly mysqlTokens: MysqlTokenMapping | undefined;
  residualScan: MysqlResidualScan | undefined;
  tokenCount: SqlStatement | undefined;
  tokenPoints = false;
  tokenSeqs: SqlStatement | undefined;
  tokenKeys: { token: number; v: string }[] | undefined;
  tokenRanges: TokenRange[] | undefined;
  tokenSearch: TokenSearch | undefined;
  keptCountKey: { token: number; v: string } | undefined;
  /** Whether the filter has MySQL token lookups (rendered in the collecting form unless probed). */
  collectsTokens = false;
  /** SQLite: whether the filter has a one-sided range on a column (`CompileOptions.columnRangeHint`). */
  columnRanges = false;
  tableJoin: string | undefined;

  constructor(
    private readonly storage: SqlStorage,
    private readonly options: CompileOptions,
  ) {
    this.alias = options.alias ?? 'c';
    this.dialect = options.dialect;
    this.tokens = options.dialect === 'sqlite' ? storage.tokenIndex : undefined;
    this.mysqlTokens = options.dialect === 'mysql' ? storage.mysqlTokenIndex : undefined;
    // `a<n>` names the index-table aliases of the subqueries.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.alias) || /^a\d+$/.test(this.alias)) {
      throw new Error(`Invalid table alias '${this.alias}'`);
    }
  }

  takeParams(): SqlParam[] {
    const taken = this.params;
    this.params = [];
    return taken;
  }

  private bind(value: SqlParam): string {
    this.params.push(value);
    return '?';
  }

  private get id(): string {
    return `${this.alias}.${this.storage.idColumn}`;
  }

  /** The search-index tables' resource-id column. */
  private get key(): string {
    return this.storage.indexIdColumn;
  }

  where(clauses: readonly Clause[]): string {
    if (this.tokens) {
      return this.tokenWhere(clauses, this.tokens);
    }
    if (this.mysqlTokens) {
      return this.mysqlTokenWhere(clauses, this.mysqlTokens);
    }
    const plan = planFilter(clauses);
    const parts: string[] = [];
    for (const clause of plan.independent) {
      parts.push(this.independentClause(clause));
    }
    for (const group of plan.groups) {
      parts.push(this.elementGroup(group.clauses));
    }
    return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
  }

  /**
   * Token mode: `<may match> AND (<surely matches> OR <residual check>)`, the residual part only
   * when some condition is not decided by the index alone. Exact parts need no core test: every row
   * of `<may match>` satisfies them.
   */
  private tokenWhere(clauses: readonly Clause[], tokens: TokenIndexMapping): string {
    const plan = planFilter(clauses);
    // Clauses on attributes outside arrays all hold on the resource's slot-0 row: one lookup. So do,
    // through the copies, the exact clauses on arrays that need no shared element.
    // (A group of one clause needs no shared element either.)
    // One row per resource (ADR 0014): every clause that needs no shared element holds on it,
    // ranges included, and so does a group of range ends on one path (an element holds one value
    // there: "some element in the interval"); other groups are an OR over the element marks.
    const oneRow = tokens.oneRow !== undefined;
    const copies = tokens.copies || oneRow ? arrayPathIds(this.storage) : undefined;
    const copied = (clause: Clause) =>
      copies !== undefined &&
      this.isIndexedClause(clause) &&
      (oneRow || isCopyClause(clause, copies));
    const onSlotZero = (clauses: readonly Clause[]) =>
      clauses.length === 1
        ? copied(clauses[0])
        : oneRow && isOnePathInterval(clauses) && clauses.every(copied);
    const groups = plan.groups.filter((group) => !onSlotZero(group.clauses));
    const root = [
      ...plan.independent.filter((clause) => this.isRootTokenClause(clause) || copied(clause)),
      ...plan.groups.filter((group) => !groups.includes(group)).flatMap((group) => group.clauses),
    ];
    const rows: { plan: TokenPlan; singleRow: boolean }[] = [
      ...(root.length > 0 ? [{ plan: planTokens(root, copies), singleRow: true }] : []),
      ...groups.map((group) => ({
        plan: tokens.oneRow
          ? planElementTokens(group.clauses, tokens.oneRow.markedElements)
          : planTokens(group.clauses),
        singleRow: false,
      })),
    ];
    const independent = plan.independent.filter((clause) => !root.includes(clause));
    const parts: ApproximatePart[] = [
      ...independent.map((clause) => this.tokenClause(clause, tokens, oneRow ? copies : undefined)),
      ...rows.map((row) => this.tokenRows(row.plan, tokens)),
    ];
    if (parts.length === 0) {
      return '1 = 1';
    }
    this.tokenSearch = this.searchOf(independent, rows, tokens, oneRow ? copies : undefined);
    const sup = parts.map((part) => part.sup()).join(' AND ');
    const inexact = parts.filter((part) => !part.exact);
    if (inexact.length === 0) {
      return sup;
    }
    const core = inexact.map((part) => part.core()).join(' AND ');
    const derived = this.storage.derivedHref;
    const hrefPrefix =
      derived && this.options.baseUrl !== undefined
        ? this.options.baseUrl.replace(/\/+$/, '') + derived.resourcePath
        : undefined;
    this.residual = registerResidual(
      clauses,
      hrefPrefix,
      this.options.residualLimit ?? DEFAULT_RESIDUAL_LIMIT,
    );
    if (this.tokenSearch) {
      this.tokenSearch = { ...this.tokenSearch, residualKey: this.residual.key };
    }
    const residual = `tmf_residual(${this.alias}.${tokens.documentColumn}, ${this.id}, ${this.bind(this.residual.key)})`;
    // CASE, not OR: SQLite may evaluate both sides of an OR, and the residual check is the costly one.
    return `${sup} AND (CASE WHEN ${core} THEN 1 ELSE ${residual} END)`;
  }

  /**
   * MySQL token mode: `<may match> AND (<surely matches> OR <id> IN (<checked ids>))`, the last part
   * only when some condition is not decided by the index alone; its ids come from the stored
   * documents of the candidates (`residualScan`), checked by the evaluator before the query runs.
   */
  private mysqlTokenWhere(clauses: readonly Clause[], tokens: MysqlTokenMapping): string {
    const plan = planFilter(clauses);
    const parts: ApproximatePart[] = [
      ...plan.independent.map((clause) => this.mysqlTokenClause(clause, tokens)),
      ...plan.groups.map((group) => {
        const p = planMysqlTokens(group.clauses);
        return {
          sup: () => this.mysqlMatch(p.sup, tokens),
          core: () => this.mysqlMatch(p.core, tokens),
          exact: p.exact,
        };
      }),
    ];
    if (parts.length === 0) {
      return '1 = 1';
    }
    const sup = () => parts.map((part) => part.sup()).join(' AND ');
    const inexact = parts.filter((part) => !part.exact);
    if (inexact.length === 0) {
      const lookups = this.mysqlLookups(plan);
      if (lookups && lookups !== 'none') {
        this.tokenCount = this.mysqlTokenSql(lookups, tokens, 'count');
        this.tokenPoints = lookups.every((clauses) =>
          clauses.every((ranges) => ranges.every((r) => r.from === r.to)),
        );
        this.keptCountKey = tokens.countTable ? mysqlPointKey(lookups) : undefined;
        const probed = this.options.tokenProbe ? mysqlPointKey(lookups) : undefined;
        if (probed) {
          // One key tested per candidate: joined (see `CompiledSql.tableJoin`).
          const a = this.nextAlias();
          const seq = `${this.alias}.${tokens.seqColumn}`;
          this.tableJoin = ` STRAIGHT_JOIN ${tokens.table} ${a}`;
          return (
            `${a}.epoch = ${seq} >> ${EPOCH_BITS} AND ${a}.seq = ${seq} AND ` +
            `${a}.token = ${this.bind(probed.token)} AND ${a}.v = ${this.bind(probed.v)} AND ${a}.rep = 0`
          );
        }
        const list = this.options.tokenProbe ? undefined : this.options.tokenSeqList;
        const ranges = lookups.every((clauses) => clauses.length === 1 && clauses[0].length === 1)
          ? lookups.map(([[r]]) => r)
          : undefined;
        this.tokenRanges = ranges?.some((r) => r.from !== r.to) ? ranges : undefined;
        if (lookups.length > 1) {
          const single = lookups.every(
            (clauses) =>
              clauses.length === 1 &&
              clauses[0].length === 1 &&
              clauses[0][0].from === clauses[0][0].to,
          );
          this.tokenKeys = single
            ? lookups.map(([[r]]) => ({ token: r.token, v: r.from }))
            : undefined;
        }
        if (lookups.length > 1 && !this.options.tokenProbe) {
          this.tokenSeqs = this.mysqlTokenSql(lookups, tokens, 'distinct');
        }
        if (list) {
          // Read before the query: the page reads the customers by key.
          this.collectsTokens = true;
          return list.length === 0
            ? '1 = 0'
            : `${this.alias}.${tokens.seqColumn} IN (${list.map((seq) => this.bind(seq)).join(', ')})`;
        }
        if (lookups.length > 1 && !this.options.tokenProbe) {
          this.collectsTokens = true;
          // Several lookups: one subquery joins them on the customer, so that only the customers
          // matching all of them are collected (the database drives from the most selective).
          const seqs = this.mysqlTokenSql(lookups, tokens, 'seqs', false);
          return `${this.alias}.${tokens.seqColumn} IN (${seqs.sql})`;
        }
      } else if (lookups === 'none') {
        this.tokenCount = { sql: 'SELECT 0 AS total', params: [] };
      }
      return sup();
    }
    const core = () => inexact.map((part) => part.core()).join(' AND ');
    const ids = this.options.residualIds;
    if (ids === undefined) {
      const outer = this.takeParams();
      const derived = this.storage.derivedHref;
      const limit = this.options.residualLimit ?? DEFAULT_RESIDUAL_LIMIT;
      // IS NOT TRUE, not NOT: a column test on NULL (a missing value) is unknown, and such a
      // customer may still match through the part the index does not decide.
      const sql =
        `SELECT ${this.id} AS id, ${this.alias}.document AS document FROM ${this.storage.table} ${this.alias} ` +
        `WHERE ${sup()} AND (${core()}) IS NOT TRUE LIMIT ${limit + 1}`;
      this.residualScan = {
        statement: { sql, params: this.takeParams() },
        clauses,
        hrefPrefix:
          derived && this.options.baseUrl !== undefined
            ? this.options.baseUrl.replace(/\/+$/, '') + derived.resourcePath
            : undefined,
        limit,
      };
      this.params = outer;
    }
    // Rendered in SQL text order: parameters are bound as they are written.
    const supSql = sup();
    const coreSql = core();
    const checked =
      ids && ids.length > 0
        ? `${this.id} IN (${ids.map((id) => this.bind(id)).join(', ')})`
        : undefined;
    return checked ? `${supSql} AND (${coreSql} OR ${checked})` : `${supSql} AND ${coreSql}`;
  }

  /**
   * The lookups of a filter whose every part is a token lookup (no column, no href), each an AND of
   * clauses on one row; `none` when one matches nothing, undefined for any other filter.
   */
  private mysqlLookups(
    plan: ReturnType<typeof planFilter>,
  ): (readonly (readonly TokenRange[])[])[] | 'none' | undefined {
    const expressions: RangeExpression[] = [];
    for (const clause of plan.independent) {
      if (clause.conditions.some((c) => this.isDirect(c.attribute.path))) {
        return undefined;
      }
      expressions.push(planMysqlTokens([clause]).sup);
    }
    expressions.push(...plan.groups.map((group) => planMysqlTokens(group.clauses).sup));
    if (expressions.some((e) => e === true)) {
      return undefined;
    }
    if (expressions.some((e) => e === false)) {
      return 'none';
    }
    return expressions as (readonly (readonly TokenRange[])[])[];
  }

  /**
   * The lookups on the token table alone, joined on the customer's `(epoch, seq)`: their exact count
   * (a statement of its own, `separate`), or the matching seqs (a subquery bound in place).
   */
  private mysqlTokenSql(
    lookups: (readonly (readonly TokenRange[])[])[],
    tokens: MysqlTokenMapping,
    select: 'count' | 'seqs' | 'distinct',
    separate = true,
  ): SqlStatement {
    const outer = separate ? this.takeParams() : [];
    const sql = mysqlCountSql(
      lookups,
      tokens,
      this.options.tokenEpochs ?? 1,
      select !== 'seqs' && (this.options.tokenDead ?? false),
      (v) => this.bind(v),
      () => this.nextAlias(),
      select,
      this.options.tokenKeptKeys,
    );
    if (!separate) {
      return { sql, params: [] };
    }
    // One key counted from its rows, on the token table alone: a range scan of its key in every
    // epoch, whatever their sizes (not so with the dead keys' subquery, or lookups joined).
    const single =
      select === 'count' &&
      mysqlPointKey(lookups) !== undefined &&
      !(this.options.tokenDead ?? false);
    const statement = {
      sql,
      params: this.takeParams(),
      ...(single ? { plannedFromStatistics: true } : {}),
    };
    this.params = outer;
    return statement;
  }

  private mysqlTokenClause(clause: Clause, tokens: MysqlTokenMapping): ApproximatePart {
    const direct = clause.conditions.filter((c) => this.isDirect(c.attribute.path));
    const indexed = clause.conditions.filter((c) => !this.isDirect(c.attribute.path));
    const plan = indexed.length > 0 ? planMysqlTokens([{ conditions: indexed }]) : undefined;
    const render = (which: 'sup' | 'core') => () =>
      wrapOr([
        ...direct.map((c) => this.directCondition(c)),
        ...(plan ? [this.mysqlMatch(plan[which], tokens)] : []),
      ]);
    return { sup: render('sup'), core: render('core'), exact: plan?.exact ?? true };
  }

  private mysqlMatch(expression: RangeExpression, tokens: MysqlTokenMapping): string {
    this.collectsTokens ||= typeof expression !== 'boolean';
    return mysqlMatchSql(
      expression,
      tokens,
      `${this.alias}.${tokens.seqColumn}`,
      this.options.tokenEpochs ?? 1,
      (v) => this.bind(v),
      () => this.nextAlias(),
      this.options.tokenProbe ?? false,
    );
  }

  /**
   * The filter as lookups in the token index alone, when it is one: no clause tests a column or
   * the href, and each part names tokens (not everything, not nothing).
   */
  private searchOf(
    independent: readonly Clause[],
    rows: readonly { plan: TokenPlan; singleRow: boolean }[],
    tokens: TokenIndexMapping,
    slotZero: ReadonlySet<number> | undefined,
  ): TokenSearch | undefined {
    if (
      independent.some((clause) => clause.conditions.some((c) => this.isDirect(c.attribute.path)))
    ) {
      return undefined;
    }
    const plans = [
      ...independent.map((clause) => ({
        plan: planTokens([{ conditions: clause.conditions }], slotZero),
        singleRow: slotZero !== undefined,
      })),
      ...rows,
    ];
    const parts: TokenSearchPart[] = [];
    for (const { plan, singleRow } of plans) {
      if (typeof plan.sup !== 'string' || plan.core === true) {
        return undefined;
      }
      // One value token (or copy) of the slot-0 rows: the count table holds its count.
      const counted =
        tokens.countTable !== undefined &&
        singleRow &&
        plan.exact &&
        plan.values &&
        !plan.sup.includes(' ');
      parts.push({
        sup: plan.sup,
        core: plan.exact ? undefined : plan.core,
        singleRow,
        ...(counted && { counted }),
        ...(!plan.exact && plan.edges !== undefined && { edges: plan.edges }),
        ...(plan.marked && { marked: plan.marked }),
      });
    }
    return { mapping: tokens, parts };
  }

  /** A clause whose conditions all lie on token-indexed paths outside arrays (the slot-0 row). */
  private isRootTokenClause(clause: Clause): boolean {
    return clause.conditions.every(
      (c) => c.attribute.arrayKey === undefined && !this.isDirect(c.attribute.path),
    );
  }

  /** A clause whose conditions all lie on token-indexed paths (no column, no href). */
  private isIndexedClause(clause: Clause): boolean {
    return clause.conditions.every((c) => !this.isDirect(c.attribute.path));
  }

  /** An independent clause: its column and href tests, OR one token lookup for the other paths. */
  private tokenClause(
    clause: Clause,
    tokens: TokenIndexMapping,
    slotZero: ReadonlySet<number> | undefined,
  ): ApproximatePart {
    const direct = clause.conditions.filter((c) => this.isDirect(c.attribute.path));
    const indexed = clause.conditions.filter((c) => !this.isDirect(c.attribute.path));
    // One row per resource: the indexed conditions on arrays through the copies (`slotZero`).
    const plan = indexed.length > 0 ? planTokens([{ conditions: indexed }], slotZero) : undefined;
    const render = (which: 'sup' | 'core') => () =>
      wrapOr([
        ...direct.map((c) => this.directCondition(c)),
        ...(plan ? [this.tokenMatch(plan[which], tokens)] : []),
      ]);
    return { sup: render('sup'), core: render('core'), exact: plan?.exact ?? true };
  }

  private tokenRows(plan: TokenPlan, tokens: TokenIndexMapping): ApproximatePart {
    return {
      sup: () => this.tokenMatch(plan.sup, tokens),
      core: () => this.tokenMatch(plan.core, tokens),
      exact: plan.exact,
    };
  }

  private tokenMatch(expression: MatchExpression, tokens: TokenIndexMapping): string {
    return matchSql(expression, tokens, `${this.alias}.${tokens.seqColumn}`, (v) => this.bind(v));
  }

  /** A path stored in a column of the resource table, or the derived href. */
  private isDirect(path: string): boolean {
    return this.storage.columns[path] !== undefined || this.storage.derivedHref?.path === path;
  }

  private directCondition(condition: Condition): string {
    return this.storage.derivedHref?.path === condition.attribute.path
      ? this.hrefCondition(condition)
      : this.columnCondition(condition);
  }

  /** OR of conditions, each matched on its own (a column test or an index subquery). */
  private independentClause(clause: Clause): string {
    const terms: string[] = [];
    for (const [path, conditions] of byPath(clause.conditions)) {
      if (this.storage.derivedHref?.path === path) {
        terms.push(...conditions.map((c) => this.hrefCondition(c)));
      } else if (this.storage.columns[path]) {
        terms.push(...conditions.map((c) => this.columnCondition(c)));
      } else {
        terms.push(this.rowsMatch([{ conditions }]));
      }
    }
    return wrapOr(terms);
  }

  /**
   * Clauses that must hold on one element. A single clause needs no shared element (some element
   * matches one of its conditions). Otherwise one clause anchors the element: a value-indexed one
   * when there is one (the lookup drives), else one on the plain table; a clause whose paths lie in
   * both tables anchors in each table in turn (OR).
   */
  private elementGroup(clauses: readonly Clause[]): string {
    if (clauses.length === 1) {
      return this.independentClause(clauses[0]);
    }
    const ranked = [...clauses].sort((x, y) => this.anchorRank(x) - this.anchorRank(y));
    const [anchor, ...rest] = ranked;
    const parts = this.tableParts(anchor);
    return wrapOr(parts.map((part) => this.rowsMatch([part, ...rest])));
  }

  /**
   * The resource has index rows matching the first clause (all its paths in one table) and, on the
   * same element position, rows matching each other clause.
   */
  private rowsMatch(clauses: readonly Clause[]): string {
    const [anchor, ...rest] = clauses;
    const table = this.tableOfClause(anchor);
    const first = this.nextAlias();
    const joins: string[] = [];
    const tests: (() => string)[] = [() => this.clauseTest(first, anchor)];
    for (const clause of rest) {
      const parts = this.tableParts(clause);
      if (parts.length === 1) {
        const a = this.nextAlias();
        joins.push(
          ` JOIN ${this.tableOfClause(clause)} ${a} ON ${a}.${this.key} = ${first}.${this.key} AND ${a}.pos = ${first}.pos`,
        );
        tests.push(() => this.clauseTest(a, clause));
      } else {
        tests.push(() => wrapOr(parts.map((part) => this.sameElementExists(first, part))));
      }
    }
    // Tests render after the joins so that parameters are bound in SQL text order.
    const from = `FROM ${table} ${first}${joins.join('')}`;
    const where = tests.map((t) => t()).join(' AND ');
    // A plain-table path has no value index: probe the candidate's rows by key, never search.
    return table === this.storage.indexTable
      ? `${this.id} IN (SELECT ${first}.${this.key} ${from} WHERE ${where})`
      : `EXISTS (SELECT 1 ${from} WHERE ${first}.${this.key} = ${this.id} AND ${where})`;
  }

  /** Rows of one table-pure clause on the element of `anchor`. */
  private sameElementExists(anchor: string, clause: Clause): string {
    const a = this.nextAlias();
    return (
      `EXISTS (SELECT 1 FROM ${this.tableOfClause(clause)} ${a} WHERE ${a}.${this.key} = ${anchor}.${this.key}` +
      ` AND ${a}.pos = ${anchor}.pos AND ${this.clauseTest(a, clause)})`
    );
  }

  /** The OR of a clause's conditions on the index rows of alias `a`. */
  private clauseTest(a: string, clause: Clause): string {
    return wrapOr(
      [...byPath(clause.conditions)].flatMap(([path, conditions]) =>
        this.indexBranches(a, path, conditions),
      ),
    );
  }

  /** The clause split by table: one clause per table its paths use (value-indexed first). */
  private tableParts(clause: Clause): Clause[] {
    const indexed = clause.conditions.filter((c) => this.isValueIndexed(c.attribute.path));
    const plain = clause.conditions.filter((c) => !this.isValueIndexed(c.attribute.path));
    return [indexed, plain].filter((c) => c.length > 0).map((conditions) => ({ conditions }));
  }

  /** 0: all paths value-indexed; 1: all on the plain table; 2: both. */
  private anchorRank(clause: Clause): number {
    const indexed = clause.conditions.filter((c) => this.isValueIndexed(c.attribute.path)).length;
    return indexed === clause.conditions.length ? 0 : indexed === 0 ? 1 : 2;
  }

  private isValueIndexed(path: string): boolean {
    return this.storage.valueIndexed.has(path);
  }

  private tableOf(path: string): string {
    return indexTableOf(this.storage, path);
  }

  /** The table of a clause whose paths all lie in one table (see {@link tableParts}). */
  private tableOfClause(clause: Clause): string {
    return this.tableOf(clause.conditions[0].attribute.path);
  }

  /**
   * One `(a.path_id = ? AND <value test>)` branch per value test. Repeating the path in every OR
   * branch lets both planners use the value index for each branch (a multi-index OR).
   */
  private indexBranches(a: string, path: string, conditions: readonly Condition[]): string[] {
    return conditions
      .flatMap((c) => this.indexValueTests(a, c.op, c.value))
      .map((test) => {
        const pathTest = `${a}.path_id = ${this.bind(indexPathId(path))}`;
        return `(${pathTest} AND ${test()})`;
      });
  }

  /** Value tests as deferred renderers, so that parameters are bound in SQL text order. */
  private indexValueTests(a: string, op: Operator, value: QueryValue): (() => string)[] {
    switch (value.kind) {
      case 'regex':
        return [() => this.indexRegex(a, value)];
      case 'string':
        return [() => this.indexString(a, op, value.text)];
      case 'number':
        return [() => this.indexNumber(a, 'n', op, value.num)];
      case 'instant':
        return [() => this.indexNumber(a, 'd', op, value.num)];
      case 'boolean':
        return [() => this.indexNumber(a, 'b', op, value.num)];
      case 'any': {
        // The stored value's JSON type decides: a string row compares as text, a number row
        // numerically, a boolean row by equality only.
        const tests = [() => this.indexString(a, op, value.text)];
        const { num, bool } = value;
        if (num !== undefined) {
          tests.push(() => this.indexNumber(a, 'n', op, num));
        }
        if (bool !== undefined && (op === 'eq' || op === 'ne')) {
          tests.push(() => this.indexNumber(a, 'b', op, bool));
        }
        return tests;
      }
    }
  }

  private indexNumber(a: string, type: 'n' | 'd' | 'b', op: Operator, num: number): string {
    const encoded = encodeSortableNumber(num);
    return `${a}.v_type = ${this.bind(type)} AND ${a}.v ${comparator(op)} ${this.bind(encoded)}`;
  }

  /**
   * Strings: `v` holds the value or, beyond 512 bytes, a prefix (the whole value in `v_full`). A query
   * value short enough that no stored prefix can equal it compares with `v` alone; a longer one
   * narrows on the prefix (monotone) and rechecks the whole value.
   */
  private indexString(a: string, op: Operator, text: string): string {
    const type = `${a}.v_type = ${this.bind('s')}`;
    const sign = comparator(op);
    if (utf8Length(text) <= MAX_INDEXED_STRING_BYTES - 4) {
      return `${type} AND ${a}.v ${sign} ${this.bind(text)}`;
    }
    const full = `COALESCE(${a}.v_full, ${a}.v)`;
    const prefix = truncateUtf8(text, MAX_INDEXED_STRING_BYTES);
    switch (op) {
      case 'eq':
        return `${type} AND ${a}.v = ${this.bind(prefix)} AND ${full} = ${this.bind(text)}`;
      case 'gt':
      case 'gte':
        return `${type} AND ${a}.v >= ${this.bind(prefix)} AND ${full} ${sign} ${this.bind(text)}`;
      case 'lt':
      case 'lte':
        return `${type} AND ${a}.v <= ${this.bind(prefix)} AND ${full} ${sign} ${this.bind(text)}`;
      case 'ne':
      case 'regex':
        return `${type} AND ${full} ${sign} ${this.bind(text)}`;
    }
  }

  private indexRegex(a: string, value: Extract<QueryValue, { kind: 'regex' }>): string {
    const type = `${a}.v_type = ${this.bind('s')}`;
    const range = this.prefixRange(`${a}.v`, value.regex.prefix, MAX_INDEXED_STRING_BYTES - 4);
    const test = this.regexTest(`COALESCE(${a}.v_full, ${a}.v)`, value.regex.source);
    return range ? `${type} AND ${range} AND ${test}` : `${type} AND ${test}`;
  }

  /** `column >= prefix AND column < next(prefix)`: lets an anchored regex use the index. */
  private prefixRange(
    column: string,
    prefix: string | undefined,
    maxBytes: number,
  ): string | undefined {
    if (prefix === undefined || utf8Length(prefix) > maxBytes) {
      return undefined;
    }
    const upper = prefixUpperBound(prefix);
    const lower = this.textComparison(column, '>=', prefix);
    return upper === undefined ? lower : `${lower} AND ${this.textComparison(column, '<', upper)}`;
  }

  /**
   * `column <sign> text`. The id column is ASCII on MySQL, and a non-ASCII operand cannot be
   * converted to it ("Illegal mix of collations", a 500): such a comparison runs on the bytes, as
   * on SQLite. ASCII operands (every real id) keep the indexed form.
   */
  private textComparison(column: string, sign: string, text: string): string {
    if (this.dialect === 'mysql' && column === this.id && /[\u0080-\uffff]/.test(text)) {
      return `CAST(${column} AS BINARY) ${sign} CAST(${this.bind(text)} AS BINARY)`;
    }
    return `${column} ${sign} ${this.bind(text)}`;
  }

  private regexTest(expression: string, source: string): string {
    if (this.dialect === 'sqlite') {
      return `${expression} REGEXP ${this.bind(source)}`;
    }
    // Run the regex on utf8mb4 text with a binary collation (case-sensitive, by code point), whatever
    // the column's own type: VARBINARY index values, a VARCHAR column, a concatenation.
    return `CONVERT(${expression} USING utf8mb4) COLLATE utf8mb4_bin REGEXP ${this.bind(source)}`;
  }

  private columnCondition(condition: Condition): string {
    const mapping = this.storage.columns[condition.attribute.path];
    const column = `${this.alias}.${mapping.column}`;
    const { op, value } = condition;
    switch (value.kind) {
      case 'regex': {
        const range = this.prefixRange(column, value.regex.prefix, Number.MAX_SAFE_INTEGER);
        const test = this.regexTest(column, value.regex.source);
        return range ? `(${range} AND ${test})` : test;
      }
      case 'string':
        return this.rangeHinted(op, this.textComparison(column, comparator(op), value.text));
      case 'number':
      case 'instant':
      case 'boolean':
        return this.rangeHinted(op, `${column} ${comparator(op)} ${this.bind(value.num)}`);
      case 'any':
        throw new Error(`Column '${mapping.column}' cannot hold an 'any' attribute`);
    }
  }

  /** SQLite: a column's one-sided range comparison with the planner's hint, when there is one. */
  private rangeHinted(op: Operator, comparison: string): string {
    if (this.dialect !== 'sqlite' || !RANGE_OPERATORS.has(op)) {
      return comparison;
    }
    this.columnRanges = true;
    const hint = this.options.columnRangeHint;
    return hint === undefined ? comparison : `likelihood(${comparison}, ${RANGE_LIKELIHOOD[hint]})`;
  }

  /**
   * `href` is `<baseUrl><resourcePath><id>`: equality becomes an id test (indexed), a foreign prefix
   * matches nothing; other operators compare the concatenation.
   */
  private hrefCondition(condition: Condition): string {
    const prefix = this.hrefPrefix();
    const { op, value } = condition;
    if (value.kind === 'string' && (op === 'eq' || op === 'ne')) {
      if (!value.text.startsWith(prefix)) {
        return op === 'eq' ? '1 = 0' : '1 = 1';
      }
      return this.textComparison(this.id, comparator(op), value.text.slice(prefix.length));
    }
    const href =
      this.dialect === 'sqlite'
        ? `(${this.bind(prefix)} || ${this.id})`
        : `CONCAT(${this.bind(prefix)}, ${this.id})`;
    if (value.kind === 'regex') {
      return this.regexTest(href, value.regex.source);
    }
    if (value.kind !== 'string') {
      throw new Error(`Unexpected ${value.kind} value for the derived href`);
    }
    return this.dialect === 'sqlite'
      ? `${href} ${comparator(op)} ${this.bind(value.text)}`
      : `CAST(${href} AS BINARY) ${comparator(op)} CAST(${this.bind(value.text)} AS BINARY)`;
  }

  private hrefPrefix(): string {
    const derived = this.storage.derivedHref;
    if (!derived || this.options.baseUrl === undefined) {
      throw new Error('compileSql: baseUrl is required to filter on the derived href');
    }
    return this.options.baseUrl.replace(/\/+$/, '') + derived.resourcePath;
  }

  orderBy(query: ParsedQuery): string {
    const terms: string[] = [];
    let hasId = false;
    for (const key of query.sort) {
      // `render` binds its parameters each time it is written into the SQL.
      const { render, nullable, isId } = this.sortExpression(key.attribute);
      hasId ||= isId;
      const direction = key.descending ? 'DESC' : 'ASC';
      // NULL sorts first in both dialects: descending already puts missing values last.
      if (!nullable || key.descending) {
        terms.push(`${render()} ${direction}`);
      } else if (this.dialect === 'sqlite') {
        terms.push(`${render()} ASC NULLS LAST`);
      } else {
        terms.push(`${render()} IS NULL`, `${render()} ASC`);
      }
    }
    if (!hasId) {
      // The tie-breaker runs in the last key's direction, so one composite index such as
      // (status, valid_for_start, id) serves `status=x&sort=-validFor.startDateTime` in a single
      // backward scan; mixed directions would force a sort of every match.
      const last = query.sort.at(-1);
      terms.push(`${this.id} ${last?.descending ? 'DESC' : 'ASC'}`);
    }
    return terms.join(', ');
  }

  /** The keys of {@link orderBy}, each rendered with its own parameters, up to the id. */
  sortKeys(query: ParsedQuery): CompiledSortKey[] {
    const keys: CompiledSortKey[] = [];
    for (const key of query.sort) {
      const { render, nullable, isId } = this.sortExpression(key.attribute);
      const sql = render();
      const column = isId || this.storage.columns[key.attribute.path] !== undefined;
      keys.push({ sql, params: this.takeParams(), descending: key.descending, nullable, column });
      if (isId) {
        return keys;
      }
    }
    const descending = query.sort.at(-1)?.descending ?? false;
    keys.push({ sql: this.id, params: [], descending, nullable: false, column: true });
    return keys;
  }

  private sortExpression(attribute: AttributePath): {
    render: () => string;
    nullable: boolean;
    isId: boolean;
  } {
    const mapping = this.storage.columns[attribute.path];
    if (
      this.storage.derivedHref?.path === attribute.path ||
      mapping?.column === this.storage.idColumn
    ) {
      // Every href shares one prefix: ordering by href is ordering by id.
      return { render: () => this.id, nullable: false, isId: true };
    }
    if (mapping) {
      const column = `${this.alias}.${mapping.column}`;
      return { render: () => column, nullable: mapping.nullable !== false, isId: false };
    }
    if (this.tokens) {
      return { render: this.documentSortKey(attribute, this.tokens), nullable: true, isId: false };
    }
    if (this.mysqlTokens) {
      return {
        render: this.mysqlSortKey(attribute, this.mysqlTokens),
        nullable: true,
        isId: false,
      };
    }
    const s = this.nextAlias();
    // Encoded numbers sort by their bytes, so `v` orders every type correctly.
    const value = attribute.type === 'string' ? `COALESCE(${s}.v_full, ${s}.v)` : `${s}.v`;
    const pathId = indexPathId(attribute.path);
    const render = () =>
      `(SELECT ${value} FROM ${this.tableOf(attribute.path)} ${s} ` +
      `WHERE ${s}.${this.key} = ${this.id} AND ${s}.path_id = ${this.bind(pathId)} LIMIT 1)`;
    return { render, nullable: true, isId: false };
  }

  /**
   * Token mode: a sort key outside the columns is read from the stored document (a value of the
   * wrong JSON type sorts as missing, as in the evaluator; date-times as instants through
   * `tmf_instant`, registered like `regexp`). It is not indexed: promote hot sort keys to columns.
   */
  private documentSortKey(attribute: AttributePath, tokens: TokenIndexMapping): () => string {
    const doc = `${this.alias}.${tokens.documentColumn}`;
    const path = '$' + attribute.segments.map((segment) => `."${segment}"`).join('');
    const typed = (types: string) => () =>
      `(CASE WHEN json_type(${doc}, ${this.bind(path)}) IN (${types}) THEN json_extract(${doc}, ${this.bind(path)}) END)`;
    switch (attribute.type) {
      case 'string':
        return typed("'text'");
      case 'integer':
      case 'number':
        return typed("'integer', 'real'");
      case 'boolean':
        return typed("'true', 'false'");
      case 'date-time':
        return () => `tmf_instant(json_extract(${doc}, ${this.bind(path)}))`;
      case 'any':
        throw new Error(`'${attribute.path}' cannot be a sort key`);
    }
  }

  /**
   * MySQL token mode: a sort key outside the columns is the first value of the right JSON type,
   * as in the evaluator: date-times from the token table's ordered rows (their instant), the others
   * from the stored document (strings compared as UTF-8 bytes, i.e. by code point). Not indexed.
   */
  private mysqlSortKey(attribute: AttributePath, tokens: MysqlTokenMapping): () => string {
    const doc = `${this.alias}.document`;
    const seq = `${this.alias}.${tokens.seqColumn}`;
    if (attribute.type === 'date-time') {
      const s = this.nextAlias();
      const token = orderedTokenNumber(indexPathId(attribute.path), 'd');
      return () =>
        `(SELECT ${s}.v FROM ${tokens.table} ${s} WHERE ${s}.epoch = ${seq} >> ${EPOCH_BITS} ` +
        `AND ${s}.token = ${this.bind(token)} AND ${s}.seq = ${seq} ORDER BY ${s}.slot, ${s}.v LIMIT 1)`;
    }
    const wildcard = attribute.segments.map(
      (segment, i) => `."${segment}"${attribute.arrays[i] ? '[*]' : ''}`,
    );
    const path = '$' + wildcard.join('');
    const many = path.includes('[*]');
    // With a wildcard JSON_EXTRACT returns an array of the values found: take its first.
    const value = () =>
      many
        ? `JSON_EXTRACT(JSON_EXTRACT(${doc}, ${this.bind(path)}), '$[0]')`
        : `JSON_EXTRACT(${doc}, ${this.bind(path)})`;
    const typed = (types: string, expression: (v: string) => string) => () =>
      `(CASE WHEN JSON_TYPE(${value()}) IN (${types}) THEN ${expression(value())} END)`;
    switch (attribute.type) {
      case 'string':
        return typed("'STRING'", (v) => `CAST(JSON_UNQUOTE(${v}) AS BINARY)`);
      case 'integer':
      case 'number':
        return typed("'INTEGER', 'DOUBLE', 'DECIMAL', 'UNSIGNED INTEGER'", (v) => `(${v} + 0e0)`);
      case 'boolean':
        return typed("'BOOLEAN'", (v) => `(${v} = 'true')`);
      case 'any':
        throw new Error(`'${attribute.path}' cannot be a sort key`);
    }
  }

  private nextAlias(): string {
    return `a${this.aliasCount++}`;
  }
}

function comparator(op: Operator): string {
  if (op === 'regex') {
    throw new Error('regex has no comparison operator');
  }
  return COMPARATORS[op];
}

function byPath(conditions: readonly Condition[]): Map<string, Condition[]> {
  const map = new Map<string, Condition[]>();
  for (const condition of conditions) {
    const list = map.get(condition.attribute.path);
    if (list) {
      list.push(condition);
    } else {
      map.set(condition.attribute.path, [condition]);
    }
  }
  return map;
}

function wrapOr(terms: readonly string[]): string {
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}
