import {
  QueryErrorCode,
  QueryException,
  QueryNotImplementedException,
} from '@app/tmf-query/errors';
import { DEFAULT_REGEX_LIMITS, RegexLimits } from '@app/tmf-query/regex';
import { AttributePath, QuerySchema } from '@app/tmf-query/schema';

import {
  Clause,
  Condition,
  Operator,
  PagingOptions,
  ParsedQuery,
  ParseOptions,
  SortKey,
} from './query.types';
import { decodeComponent, OperatorSymbol, readPath, readSymbol } from './raw-scanner';
import { parseQueryValue } from './value-parser';

const SUFFIXES: Readonly<Record<string, Operator>> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'gt',
  gte: 'gte',
  lt: 'lt',
  lte: 'lte',
  regex: 'regex',
};

const SYMBOL_OPERATORS: Readonly<Record<OperatorSymbol, Operator>> = {
  '=': 'eq',
  '==': 'eq',
  '!=': 'ne',
  '>': 'gt',
  '>=': 'gte',
  '<': 'lt',
  '<=': 'lte',
  '*=': 'regex',
  '=~': 'regex',
};

const RESERVED = new Set(['fields', 'offset', 'limit', 'sort', 'filter', 'cursor']);

/**
 * Parses a raw TMF630 query string (the part after `?`, still percent-encoded) against a schema.
 *
 * Grammar (Part 1 §4.4 plus the team's rules): parameters split on raw `&` are ANDed; inside one
 * parameter, terms split on raw `;` are ORed; inside one value, items split on raw `,` are ORed (`%2C`
 * and `%3B` are literal). A term is `path op value` with `op` one of `=`, `==`, `!=`, `>`, `>=`, `<`,
 * `<=`, `*=`, `=~` (also percent-encoded) or a suffix `path.eq|ne|gt|gte|lt|lte|regex=value`. A `;` term
 * without an operator reuses the previous attribute and operator (`status=a;b`). Parameters that
 * repeat the same attribute and operator are ORed (`status=a&status=b`); different operators on the
 * same attribute are ANDed (`x.gte=1&x.lt=5`). Reserved: `fields`, `offset`, `limit`, `sort`, `cursor`;
 * `filter` (Part 6 JSONPath) is answered with a 501.
 *
 * @throws QueryException (400) naming the attribute, operator or value at fault
 * @throws QueryNotImplementedException (501) for `filter=`
 */
export function parseQuery(
  rawQuery: string,
  schema: QuerySchema,
  options: ParseOptions = {},
): ParsedQuery {
  const raw = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const maxLength = options.maxQueryLength ?? 4096;
  if (raw.length > maxLength) {
    throw new QueryException(
      QueryErrorCode.TooLarge,
      `Query string is longer than ${maxLength} characters`,
    );
  }
  return new QueryParser(schema, options).parse(raw);
}

class QueryParser {
  private readonly clauses: Condition[][] = [];
  private readonly sort: SortKey[] = [];
  private sortSeen = false;
  private fields: string[] | undefined;
  private offset: number | undefined;
  private limit: number | undefined;
  private cursor: string | undefined;
  private conditionCount = 0;
  private readonly regexLimits: RegexLimits;

  constructor(
    private readonly schema: QuerySchema,
    private readonly options: ParseOptions,
  ) {
    this.regexLimits = {
      ...DEFAULT_REGEX_LIMITS,
      maxLength: options.maxRegexLength ?? DEFAULT_REGEX_LIMITS.maxLength,
    };
  }

  parse(raw: string): ParsedQuery {
    for (const param of raw.split('&')) {
      if (param !== '') {
        this.parseParameter(param);
      }
    }
    if (this.cursor !== undefined && this.offset !== undefined) {
      throw new QueryException(
        QueryErrorCode.InvalidPaging,
        "'cursor' and 'offset' exclude each other: a cursor already says where the page starts",
      );
    }
    const limit = this.options.paging ? (this.limit ?? this.options.paging.defaultLimit) : 0;
    return {
      clauses: mergeRepeated(this.clauses),
      sort: this.sort,
      page: this.options.paging
        ? this.cursor === undefined
          ? { offset: this.offset ?? 0, limit }
          : { offset: 0, limit, cursor: this.cursor }
        : undefined,
      fields: this.fields,
    };
  }

  private parseParameter(param: string): void {
    const head = readPath(param);
    if (RESERVED.has(head.path)) {
      const symbol = readSymbol(param, head.pathEnd, false);
      if (symbol?.symbol !== '=') {
        throw new QueryException(
          QueryErrorCode.Malformed,
          `Reserved parameter '${head.path}' must be written '${head.path}=...'`,
        );
      }
      this.parseReserved(head.path, param.slice(symbol.end));
      return;
    }
    const conditions: Condition[] = [];
    let previous: { attribute: AttributePath; op: Operator } | undefined;
    for (const term of param.split(';')) {
      if (term === '') {
        continue;
      }
      const parsed = this.parseTerm(term);
      let valuesRaw: string;
      if (parsed) {
        previous = parsed;
        valuesRaw = parsed.valuesRaw;
      } else if (previous) {
        // `status=a;b`: a bare value continues the previous attribute and operator.
        valuesRaw = term;
      } else {
        throw new QueryException(
          QueryErrorCode.Malformed,
          `Query term '${decodeComponent(term)}' has no operator (expected attribute=value)`,
        );
      }
      if (previous.op === 'regex' && this.options.allowRegex === false) {
        throw new QueryException(
          QueryErrorCode.InvalidOperator,
          `Regular expression filtering is disabled (attribute '${previous.attribute.path}')`,
        );
      }
      for (const item of valuesRaw.split(',')) {
        this.countCondition();
        const text = decodeComponent(item);
        conditions.push({
          attribute: previous.attribute,
          op: previous.op,
          value: parseQueryValue(previous.attribute, previous.op, text, this.regexLimits),
        });
      }
    }
    if (conditions.length > 0) {
      this.clauses.push(conditions);
    }
  }

  /** Reads `path op` at the start of a term; undefined when the term has no operator at all. */
  private parseTerm(
    term: string,
  ): { attribute: AttributePath; op: Operator; valuesRaw: string } | undefined {
    const head = readPath(term);
    const symbol = readSymbol(term, head.pathEnd, false);
    if (!symbol) {
      return undefined;
    }
    if (head.path === '') {
      throw new QueryException(
        QueryErrorCode.Malformed,
        `Query term '${decodeComponent(term)}' has no attribute name`,
      );
    }
    const leaf = this.schema.leaves.get(head.path);
    if (leaf) {
      return {
        attribute: leaf,
        op: SYMBOL_OPERATORS[symbol.symbol],
        valuesRaw: term.slice(symbol.end),
      };
    }
    const dot = head.path.lastIndexOf('.');
    const suffix = dot < 0 ? undefined : SUFFIXES[head.path.slice(dot + 1)];
    if (suffix === undefined) {
      throw this.unknownAttribute(head.path);
    }
    const base = head.path.slice(0, dot);
    const attribute = this.schema.leaves.get(base);
    if (!attribute) {
      throw this.unknownAttribute(base);
    }
    // After a suffix only one `=` belongs to the syntax: `name.eq==x` compares with `=x`.
    const single = readSymbol(term, head.pathEnd, true);
    if (!single) {
      throw new QueryException(
        QueryErrorCode.Malformed,
        `Operator suffix '.${head.path.slice(dot + 1)}' on '${base}' must be followed by '='`,
      );
    }
    return { attribute, op: suffix, valuesRaw: term.slice(single.end) };
  }

  private unknownAttribute(path: string): QueryException {
    if (this.schema.objects.has(path)) {
      return new QueryException(
        QueryErrorCode.InvalidAttribute,
        `Attribute '${path}' is an object; filter on one of its attributes (e.g. '${path}.<name>')`,
      );
    }
    return new QueryException(
      QueryErrorCode.UnknownAttribute,
      `Unknown attribute '${path}' for ${this.schema.name}`,
    );
  }

  private countCondition(): void {
    const max = this.options.maxConditions ?? 64;
    if (++this.conditionCount > max) {
      throw new QueryException(QueryErrorCode.TooLarge, `Query has more than ${max} conditions`);
    }
  }

  private parseReserved(name: string, valueRaw: string): void {
    switch (name) {
      case 'filter':
        throw new QueryNotImplementedException(
          QueryErrorCode.FilterNotImplemented,
          'JSONPath filtering (filter=, TMF630 Part 6) is not implemented; use attribute filters',
        );
      case 'fields':
        this.parseFields(valueRaw);
        return;
      case 'sort':
        this.parseSort(valueRaw);
        return;
      case 'cursor':
        this.parseCursor(valueRaw);
        return;
      default:
        this.parsePaging(name as 'offset' | 'limit', valueRaw);
    }
  }

  private parseFields(valueRaw: string): void {
    this.once('fields', this.fields !== undefined);
    const names = valueRaw
      .split(',')
      .map((item) => decodeComponent(item).trim())
      .filter((item) => item !== '');
    // `fields=none` alone selects only the identity; with other names, `none` is just unknown.
    if (names.length === 1 && names[0] === 'none') {
      this.fields = [];
      return;
    }
    const unknown = names.filter((name) => !this.selectable(name));
    if (unknown.length > 0) {
      throw new QueryException(
        QueryErrorCode.UnknownAttribute,
        `Unknown attribute${unknown.length > 1 ? 's' : ''} in fields: ${unknown.map((n) => `'${n}'`).join(', ')} (not in the ${this.schema.name} schema)`,
      );
    }
    this.fields = names;
  }

  /** A leaf, an object or array, or a path inside an `any` value (characteristic.value.x). */
  private selectable(name: string): boolean {
    if (this.schema.leaves.has(name) || this.schema.objects.has(name)) {
      return true;
    }
    const segments = name.split('.');
    return segments.some(
      (_, i) => i > 0 && this.schema.leaves.get(segments.slice(0, i).join('.'))?.type === 'any',
    );
  }

  /** Reserved parameters have one value: a second one is refused, never merged or ignored. */
  private once(name: string, seen: boolean): void {
    if (seen) {
      throw new QueryException(
        name === 'offset' || name === 'limit'
          ? QueryErrorCode.InvalidPaging
          : QueryErrorCode.Malformed,
        `'${name}' is given more than once`,
      );
    }
  }

  private parseSort(valueRaw: string): void {
    this.requirePaging('sort');
    this.once('sort', this.sortSeen);
    this.sortSeen = true;
    const max = this.options.maxSortKeys ?? 8;
    for (const item of valueRaw.split(',')) {
      const text = decodeComponent(item);
      if (text.trim() === '') {
        continue;
      }
      // `-` descending; `+` (which arrives as a space when not encoded) or nothing ascending.
      const descending = text.startsWith('-');
      const path = text.replace(/^[-+ ]/, '').trim();
      const attribute = this.schema.leaves.get(path);
      if (!attribute) {
        throw new QueryException(
          QueryErrorCode.InvalidSort,
          `Cannot sort by '${path}': unknown attribute for ${this.schema.name}`,
        );
      }
      if (attribute.arrayKey !== undefined) {
        throw new QueryException(
          QueryErrorCode.InvalidSort,
          `Cannot sort by '${path}': it lies inside the array '${attribute.arrayKey}'`,
        );
      }
      if (attribute.type === 'any') {
        throw new QueryException(
          QueryErrorCode.InvalidSort,
          `Cannot sort by '${path}': its values have no single type`,
        );
      }
      if (this.sort.some((key) => key.attribute.path === path)) {
        continue;
      }
      if (this.sort.length >= max) {
        throw new QueryException(QueryErrorCode.InvalidSort, `More than ${max} sort keys`);
      }
      this.sort.push({ attribute, descending });
    }
  }

  private parseCursor(valueRaw: string): void {
    this.requirePaging('cursor');
    if (this.cursor !== undefined) {
      throw new QueryException(QueryErrorCode.InvalidPaging, "'cursor' is given more than once");
    }
    const text = decodeComponent(valueRaw);
    if (text === '') {
      throw new QueryException(QueryErrorCode.InvalidCursor, "'cursor' is empty");
    }
    this.cursor = text;
  }

  private parsePaging(name: 'offset' | 'limit', valueRaw: string): void {
    const paging = this.requirePaging(name);
    const text = decodeComponent(valueRaw);
    this.once(name, (name === 'offset' ? this.offset : this.limit) !== undefined);
    const value = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value)) {
      throw new QueryException(
        QueryErrorCode.InvalidPaging,
        `'${name}' must be a non-negative integer, got '${text}'`,
      );
    }
    if (name === 'limit' && value > paging.maxLimit) {
      throw new QueryException(
        QueryErrorCode.InvalidPaging,
        `'limit' must not exceed ${paging.maxLimit}, got ${value}`,
      );
    }
    if (name === 'offset') {
      this.offset = value;
    } else {
      this.limit = value;
    }
  }

  private requirePaging(name: string): PagingOptions {
    if (!this.options.paging) {
      throw new QueryException(
        QueryErrorCode.ParameterNotAllowed,
        `Parameter '${name}' is not allowed in this query`,
      );
    }
    return this.options.paging;
  }
}

/** Parameters that repeat one attribute with one operator are a single OR (TMF630 §4.4). */
function mergeRepeated(clauses: readonly Condition[][]): Clause[] {
  const merged: Condition[][] = [];
  const byKey = new Map<string, Condition[]>();
  for (const conditions of clauses) {
    const first = conditions[0];
    const uniform = conditions.every(
      (c) => c.attribute.path === first.attribute.path && c.op === first.op,
    );
    if (!uniform) {
      merged.push(conditions);
      continue;
    }
    const key = `${first.attribute.path} ${first.op}`;
    const existing = byKey.get(key);
    if (existing) {
      existing.push(...conditions);
    } else {
      const copy = [...conditions];
      byKey.set(key, copy);
      merged.push(copy);
    }
  }
  return merged.map((conditions) => ({ conditions }));
}
