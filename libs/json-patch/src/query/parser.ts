import { FORBIDDEN_KEYS, parsePointer } from '@app/json-patch/pointer';

import { LegacyCondition, PathStep, QueryPath } from './ast';
import { parseFilterExpression } from './filter-parser';
import { QuerySyntaxError } from './syntax-error';

const DOT_NAME = /[^.[\]\s()'"]+/y;
const SLASH_NAME = /[^/[\]]*/y;
const INDEX = /(?:0|[1-9][0-9]*)/y;

/**
 * Parses a JSON Patch Query `path` or `from` in any of the accepted spellings:
 *
 * - JSONPath (TMF630 Part 6): `$.contactMedium[?(@.mediumType=='email')].characteristic.emailAddress`,
 *   with or without the leading `$`;
 * - the slash hybrid: `/contactMedium[?(@.mediumType=='email')]/characteristic/emailAddress`;
 * - Part 5: `/contactMedium/characteristic/emailAddress?contactMedium.mediumType=email`, with dotted,
 *   pointer-style (`/contactMedium/mediumType`) or element-relative (`mediumType`) keys;
 * - a plain RFC 6901 JSON Pointer (`/contactMedium/0/preferred`), with exact RFC semantics.
 *
 * @param maxDepth bound on path segments and filter nesting
 * @throws QuerySyntaxError for anything outside the grammar (`..`, scripts, functions, ...)
 */
export function parseQueryPath(path: string, maxDepth: number): QueryPath {
  const parsed = parseBySyntax(path, maxDepth);
  const length = parsed.syntax === 'legacy' ? parsed.segments.length : parsed.steps.length;
  if (length > maxDepth) {
    throw new QuerySyntaxError(`the path has ${length} segments; the limit is ${maxDepth}`);
  }
  return parsed;
}

function parseBySyntax(path: string, maxDepth: number): QueryPath {
  if (path === '') {
    return { syntax: 'pointer', steps: [] };
  }
  if (path.startsWith('/')) {
    const question = path.indexOf('?');
    const bracket = path.indexOf('[');
    if (bracket !== -1 && (question === -1 || bracket < question)) {
      return { syntax: 'hybrid', steps: new PathParser(path, maxDepth, '/').parse() };
    }
    if (question !== -1) {
      return parseLegacy(path, question);
    }
    return { syntax: 'pointer', steps: pointerSteps(path) };
  }
  return { syntax: 'jsonpath', steps: new PathParser(path, maxDepth, '.').parse() };
}

function pointerSteps(pointer: string): PathStep[] {
  const parsed = parsePointer(pointer);
  if ('error' in parsed) {
    throw new QuerySyntaxError(`not a JSON Pointer: ${parsed.error}`);
  }
  return parsed.tokens.map((token) => ({ kind: 'token', token: checkName(token) }));
}

/** Part 5: `/a/b/c?a.x=1&a.y=2` (the conditions are ANDed; values are literal text). */
function parseLegacy(path: string, question: number): QueryPath {
  const pointer = path.slice(0, question);
  const query = path.slice(question + 1);
  const segments = pointerSteps(pointer).map((step) => (step.kind === 'token' ? step.token : ''));
  if (query.trim() === '') {
    throw new QuerySyntaxError('the query after "?" is empty');
  }
  const conditions = query.split('&').map((term): LegacyCondition => {
    const equals = term.indexOf('=');
    if (equals <= 0) {
      throw new QuerySyntaxError(`the condition "${term}" must have the form name=value`);
    }
    const rawKey = term.slice(0, equals).trim();
    if (rawKey.endsWith('!') || rawKey.endsWith('<') || rawKey.endsWith('>')) {
      throw new QuerySyntaxError(`only "=" is supported in a Part 5 condition ("${term}")`);
    }
    const key = legacyKey(rawKey);
    return { key, value: decode(term.slice(equals + 1)) };
  });
  return { syntax: 'legacy', segments, conditions };
}

function legacyKey(raw: string): string[] {
  const key = raw.startsWith('/') ? raw.slice(1).split('/') : raw.split('.');
  if (key.some((segment) => segment === '')) {
    throw new QuerySyntaxError(`the condition key "${raw}" has an empty segment`);
  }
  return key.map((segment) => checkName(decode(segment)));
}

// Part 5 paths are often copied from URLs; decode %XX when it is valid, keep the text otherwise.
function decode(text: string): string {
  if (!text.includes('%')) {
    return text;
  }
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function checkName(name: string): string {
  if (FORBIDDEN_KEYS.has(name)) {
    throw new QuerySyntaxError(`the member name "${name}" is not allowed`, true);
  }
  return name;
}

/** JSONPath (`.` separators) or the hybrid (`/` separators, names as pointer tokens). */
class PathParser {
  private position = 0;
  private readonly steps: PathStep[] = [];

  constructor(
    private readonly source: string,
    private readonly maxDepth: number,
    private readonly separator: '.' | '/',
  ) {}

  parse(): PathStep[] {
    if (this.source.startsWith('$')) {
      this.position = 1;
    } else if (this.separator === '.' && this.source[0] !== '[') {
      // The leading `$.` may be omitted: `note[?(...)]` reads as `$.note[?(...)]`.
      this.steps.push(this.dotMember());
    }
    while (this.position < this.source.length) {
      const char = this.source[this.position];
      if (char === '[') {
        this.bracket();
      } else if (char === this.separator) {
        this.position += 1;
        this.steps.push(this.separator === '.' ? this.dotMember() : this.slashToken());
      } else {
        throw this.error(`unexpected "${char}"`);
      }
    }
    return this.steps;
  }

  private dotMember(): PathStep {
    const char = this.source[this.position];
    if (char === '.') {
      throw this.error('recursive descent (..) is not supported');
    }
    if (char === '*') {
      this.position += 1;
      return { kind: 'wildcard' };
    }
    DOT_NAME.lastIndex = this.position;
    const found = DOT_NAME.exec(this.source);
    if (!found) {
      throw this.error('a member name is missing');
    }
    this.position += found[0].length;
    if (this.source[this.position] === '(') {
      throw this.error(`functions (${found[0]}()) are not supported`);
    }
    return { kind: 'member', name: checkName(found[0]) };
  }

  private slashToken(): PathStep {
    SLASH_NAME.lastIndex = this.position;
    const raw = SLASH_NAME.exec(this.source)?.[0] ?? '';
    this.position += raw.length;
    if (raw === '*') {
      return { kind: 'wildcard' };
    }
    const parsed = parsePointer('/' + raw);
    if ('error' in parsed) {
      throw this.error(parsed.error);
    }
    return { kind: 'token', token: checkName(parsed.tokens[0]) };
  }

  private bracket(): void {
    this.position += 1;
    this.skipSpace();
    const char = this.source[this.position];
    if (char === '?') {
      const { expression, end } = parseFilterExpression(
        this.source,
        this.position + 1,
        this.maxDepth,
      );
      this.position = end;
      this.steps.push({ kind: 'filter', expression });
    } else if (char === '(') {
      throw this.error('script expressions [( ... )] are not supported');
    } else if (char === '*') {
      this.position += 1;
      this.steps.push({ kind: 'wildcard' });
    } else if (char === "'" || char === '"') {
      this.steps.push({ kind: 'member', name: checkName(this.quoted(char)) });
    } else {
      INDEX.lastIndex = this.position;
      const found = INDEX.exec(this.source);
      if (!found) {
        throw this.error(
          char === '-'
            ? 'negative indexes are not supported'
            : 'expected an index, a quoted name, * or a filter ?(...) after "["',
        );
      }
      this.position += found[0].length;
      this.steps.push({ kind: 'index', index: Number(found[0]) });
    }
    this.skipSpace();
    if (this.source[this.position] === ':' || this.source[this.position] === ',') {
      throw this.error('slices and unions are not supported');
    }
    if (this.source[this.position] !== ']') {
      throw this.error('expected "]"');
    }
    this.position += 1;
  }

  private quoted(quote: string): string {
    let value = '';
    this.position += 1;
    for (;;) {
      const char = this.source[this.position];
      if (char === undefined) {
        throw this.error('unterminated quoted name');
      }
      this.position += 1;
      if (char === quote) {
        return value;
      }
      if (char === '\\') {
        const escaped = this.source[this.position];
        if (escaped !== quote && escaped !== '\\') {
          throw this.error('only \\\\ and an escaped quote are allowed in a quoted name');
        }
        this.position += 1;
        value += escaped;
      } else {
        value += char;
      }
    }
  }

  private skipSpace(): void {
    while (this.source[this.position] === ' ') {
      this.position += 1;
    }
  }

  private error(detail: string): QuerySyntaxError {
    return new QuerySyntaxError(`${detail} (at character ${this.position + 1})`);
  }
}
