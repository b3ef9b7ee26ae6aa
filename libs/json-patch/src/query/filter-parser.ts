import { FORBIDDEN_KEYS } from '@app/json-patch/pointer';

import { ComparisonOperator, FilterExpression, Operand, RelativeStep } from './ast';
import { QuerySyntaxError } from './syntax-error';

const NAME = /[^\s.[\]()=!<>&|'"]+/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const INDEX = /[0-9]+/y;
const OPERATORS: readonly ComparisonOperator[] = ['==', '!=', '<=', '>=', '<', '>'];

/**
 * Parses a filter expression starting at `start` in `source` (just after the `?` of `[?`), and
 * stops at the first character that cannot continue it (normally the closing `]`).
 *
 * Grammar (see README): `or := and ('||' and)*`, `and := unary ('&&' unary)*`,
 * `unary := '!' unary | '(' or ')' | comparison`, `comparison := operand (op operand)?`.
 */
export function parseFilterExpression(
  source: string,
  start: number,
  maxNesting: number,
): { expression: FilterExpression; end: number } {
  const parser = new FilterParser(source, start, maxNesting);
  const expression = parser.parseOr();
  return { expression, end: parser.position };
}

/** Recursive-descent parser over one filter expression. */
class FilterParser {
  position: number;
  private nesting = 0;

  constructor(
    private readonly source: string,
    start: number,
    private readonly maxNesting: number,
  ) {
    this.position = start;
  }

  parseOr(): FilterExpression {
    let left = this.parseAnd();
    while (this.accept('||')) {
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpression {
    let left = this.parseUnary();
    while (this.accept('&&')) {
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterExpression {
    this.enter();
    try {
      this.skipSpace();
      if (this.peek() === '!' && this.source[this.position + 1] !== '=') {
        this.position += 1;
        return { kind: 'not', operand: this.parseUnary() };
      }
      if (this.accept('(')) {
        const inner = this.parseOr();
        this.expect(')');
        return inner;
      }
      return this.parseComparison();
    } finally {
      this.nesting -= 1;
    }
  }

  private parseComparison(): FilterExpression {
    const left = this.parseOperand();
    const operator = this.parseOperator();
    if (operator === undefined) {
      if (left.kind === 'path') {
        return { kind: 'exists', steps: left.steps };
      }
      throw this.error('a literal alone is not a filter; compare it with an @ path');
    }
    return { kind: 'compare', operator, left, right: this.parseOperand() };
  }

  private parseOperator(): ComparisonOperator | undefined {
    this.skipSpace();
    if (this.source.startsWith('=~', this.position)) {
      throw this.error('regular expressions (=~) are not supported in JSON Patch Query filters');
    }
    const operator = OPERATORS.find((op) => this.source.startsWith(op, this.position));
    if (operator !== undefined) {
      this.position += operator.length;
      return operator;
    }
    if (this.peek() === '=') {
      throw this.error('use "==" to compare');
    }
    return undefined;
  }

  private parseOperand(): Operand {
    this.skipSpace();
    const char = this.peek();
    if (char === '@') {
      this.position += 1;
      return { kind: 'path', steps: this.parseRelativeSteps() };
    }
    if (char === '$') {
      throw this.error('absolute ($) paths inside a filter are not supported; use @');
    }
    if (char === "'" || char === '"') {
      return { kind: 'literal', value: this.parseString() };
    }
    const number = this.match(NUMBER);
    if (number !== undefined) {
      return { kind: 'literal', value: Number(number) };
    }
    const identifier = this.match(IDENTIFIER);
    if (identifier !== undefined) {
      this.skipSpace();
      if (this.peek() === '(') {
        throw this.error(`functions (${identifier}()) are not supported`);
      }
      if (identifier === 'true' || identifier === 'false') {
        return { kind: 'literal', value: identifier === 'true' };
      }
      if (identifier === 'null') {
        return { kind: 'literal', value: null };
      }
      throw this.error(`unknown name "${identifier}"; string literals need quotes`);
    }
    throw this.error(char === undefined ? 'the filter ends too early' : `unexpected "${char}"`);
  }

  private parseRelativeSteps(): RelativeStep[] {
    const steps: RelativeStep[] = [];
    for (;;) {
      const char = this.peek();
      if (char === '.') {
        this.position += 1;
        if (this.peek() === '.') {
          throw this.error('recursive descent (..) is not supported');
        }
        if (this.peek() === '*') {
          throw this.error('wildcards are not supported inside a filter');
        }
        const name = this.match(NAME);
        if (name === undefined) {
          throw this.error('a member name must follow "."');
        }
        if (this.peek() === '(') {
          throw this.error(`functions (${name}()) are not supported`);
        }
        steps.push({ kind: 'member', name: checkName(name) });
      } else if (char === '[') {
        this.position += 1;
        this.skipSpace();
        const quote = this.peek();
        if (quote === "'" || quote === '"') {
          steps.push({ kind: 'member', name: checkName(this.parseString()) });
        } else {
          const index = this.match(INDEX);
          if (index === undefined) {
            throw this.error('only quoted names and non-negative indexes are allowed in @[...]');
          }
          steps.push({ kind: 'index', index: Number(index) });
        }
        this.expect(']');
      } else {
        return steps;
      }
    }
  }

  private parseString(): string {
    const quote = this.source[this.position];
    let value = '';
    this.position += 1;
    for (;;) {
      const char = this.source[this.position];
      if (char === undefined) {
        throw this.error('unterminated string literal');
      }
      this.position += 1;
      if (char === quote) {
        return value;
      }
      if (char === '\\') {
        value += this.parseEscape();
      } else {
        value += char;
      }
    }
  }

  private parseEscape(): string {
    const char = this.source[this.position];
    this.position += 1;
    switch (char) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'u': {
        const hex = this.source.slice(this.position, this.position + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw this.error('\\u must be followed by four hex digits');
        }
        this.position += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case "'":
      case '"':
      case '\\':
      case '/':
        return char;
      default:
        throw this.error(`unknown escape \\${char ?? ''}`);
    }
  }

  private enter(): void {
    this.nesting += 1;
    if (this.nesting > this.maxNesting) {
      throw this.error(`the filter nests deeper than ${this.maxNesting} levels`);
    }
  }

  private skipSpace(): void {
    while (this.position < this.source.length && /\s/.test(this.source[this.position])) {
      this.position += 1;
    }
  }

  private peek(): string | undefined {
    return this.source[this.position];
  }

  private accept(text: string): boolean {
    this.skipSpace();
    if (this.source.startsWith(text, this.position)) {
      this.position += text.length;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.accept(text)) {
      throw this.error(`expected "${text}"`);
    }
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.source);
    if (!found) {
      return undefined;
    }
    this.position += found[0].length;
    return found[0];
  }

  private error(detail: string): QuerySyntaxError {
    return new QuerySyntaxError(`${detail} (at character ${this.position + 1})`);
  }
}

function checkName(name: string): string {
  if (FORBIDDEN_KEYS.has(name)) {
    throw new QuerySyntaxError(`the member name "${name}" is not allowed`, true);
  }
  return name;
}
