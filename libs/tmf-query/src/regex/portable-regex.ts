/**
 * A regular expression restricted to a subset that JavaScript (`u` flag), MySQL 8 (ICU) and MariaDB
 * (PCRE2) interpret identically, rewritten into a normalized source that is sent to every engine.
 */
export interface PortableRegex {
  /** The pattern as the client wrote it. */
  readonly pattern: string;
  /** The normalized pattern: what the SQL `REGEXP` and the JavaScript `RegExp` both run. */
  readonly source: string;
  /**
   * Literal text that every matching value starts with, when the pattern begins with `^` and literal
   * characters (e.g. `^Moo` → `Moo`). Lets the SQL compiler add an indexable range. Undefined otherwise.
   */
  readonly prefix: string | undefined;
}

/** Raised for a pattern outside the portable subset; the parser turns it into a 400 naming the attribute. */
export class RegexSyntaxError extends Error {}

/** Bounds that keep backtracking engines away from catastrophic patterns. */
export interface RegexLimits {
  /** Maximum pattern length in UTF-16 code units (default 256). */
  readonly maxLength: number;
  /** Maximum number of unbounded quantifiers (`*`, `+`, `{n,}`) (default 3). */
  readonly maxUnbounded: number;
  /** Maximum repetition count in `{n,m}` (default 100). */
  readonly maxRepeat: number;
}

/** Default regex bounds: 256 characters, 3 unbounded quantifiers, repetition counts up to 100. */
export const DEFAULT_REGEX_LIMITS: RegexLimits = {
  maxLength: 256,
  maxUnbounded: 3,
  maxRepeat: 100,
};

/**
 * Validates a pattern against the portable subset and normalizes it.
 *
 * Supported: literals; `.`; `^` and `$` (start / end of the whole value); classes `[a-z]`, `[^...]`;
 * groups `(...)` and `(?:...)`; alternation `|`; quantifiers `* + ? {n} {n,} {n,m}`; escapes
 * `\d \D \w \W \s \S \n \r \t \f \v` and `\` before any of ``\^$.*+?()[]{}|/-``.
 * Rewritten so that all engines agree: `.` → `[^\n\r]`, `$` → `(?![\s\S])` (PCRE and ICU would also
 * match before a final newline), `\d` → `[0-9]`, `\w` → `[A-Za-z0-9_]`, `\s` → `[ \t\n\r\f\v]`.
 * Rejected: back-references, look-around, named groups, flags, `\b`, `\p{..}`, lazy or possessive
 * quantifiers, a quantifier on a group that contains a quantifier or `|` (catastrophic backtracking),
 * and unescaped `{ } ]` used as literals.
 *
 * @throws RegexSyntaxError when the pattern is outside the subset or over the limits
 */
export function parsePortableRegex(
  pattern: string,
  limits: RegexLimits = DEFAULT_REGEX_LIMITS,
): PortableRegex {
  if (pattern.length > limits.maxLength) {
    throw new RegexSyntaxError(`longer than ${limits.maxLength} characters`);
  }
  const reader = new RegexReader(pattern, limits);
  const top = reader.parseAlternation();
  if (!reader.atEnd()) {
    throw new RegexSyntaxError(`unbalanced ')' at position ${reader.position()}`);
  }
  const source = top.out;
  try {
    new RegExp(source, 'u');
  } catch (error) {
    throw new RegexSyntaxError(error instanceof Error ? error.message : 'invalid pattern');
  }
  return { pattern, source, prefix: top.prefix === '' ? undefined : top.prefix };
}

/** Compiles the normalized source for JavaScript evaluation (the same flags everywhere: `u` only). */
export function toJsRegExp(source: string): RegExp {
  return new RegExp(source, 'u');
}

interface Piece {
  out: string;
  /** True when the piece contains a quantifier or an alternation (cannot be quantified again). */
  complex: boolean;
  kind: 'anchor-start' | 'anchor-end' | 'literal' | 'other';
  literal?: string;
}

interface Branches {
  out: string;
  complex: boolean;
  /** Literal prefix after a leading `^`, when there is a single branch. */
  prefix: string;
}

const META_OUTSIDE = new Set([
  '\\',
  '^',
  '$',
  '.',
  '*',
  '+',
  '?',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
]);
const ESCAPABLE = new Set([...META_OUTSIDE, '/', '-']);
const META_INSIDE = new Set(['\\', ']', '[', '^', '-']);
const CONTROL: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' };
const CONTROL_OUT: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\f': '\\f',
  '\v': '\\v',
};
const CLASS_SHORTHAND: Readonly<Record<string, string>> = {
  d: '0-9',
  w: 'A-Za-z0-9_',
  s: ' \\t\\n\\r\\f\\v',
};

class RegexReader {
  private readonly chars: string[];
  private index = 0;
  private unbounded = 0;

  constructor(
    pattern: string,
    private readonly limits: RegexLimits,
  ) {
    this.chars = Array.from(pattern);
  }

  atEnd(): boolean {
    return this.index >= this.chars.length;
  }

  position(): number {
    return this.index;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.index + offset];
  }

  private next(): string {
    const c = this.chars[this.index];
    if (c === undefined) {
      throw new RegexSyntaxError('unexpected end of pattern');
    }
    this.index++;
    return c;
  }

  parseAlternation(): Branches {
    const first = this.parseSequence();
    let out = first.out;
    let complex = first.complex;
    let branches = 1;
    while (this.peek() === '|') {
      this.index++;
      const next = this.parseSequence();
      out += '|' + next.out;
      complex = true;
      branches++;
    }
    return { out, complex, prefix: branches === 1 ? first.prefix : '' };
  }

  private parseSequence(): Branches {
    let out = '';
    let complex = false;
    let prefix = '';
    // Collecting a literal prefix while the sequence is `^` followed by unquantified literals.
    let collecting: 'start' | 'literals' | 'done' = 'start';
    while (!this.atEnd() && this.peek() !== '|' && this.peek() !== ')') {
      const piece = this.parseAtom();
      const quantifier = this.parseQuantifier(piece);
      out += piece.out + quantifier;
      complex ||= piece.complex || quantifier !== '';
      if (collecting === 'start') {
        collecting = piece.kind === 'anchor-start' && quantifier === '' ? 'literals' : 'done';
      } else if (collecting === 'literals') {
        if (piece.kind === 'literal' && quantifier === '' && piece.literal !== undefined) {
          prefix += piece.literal;
        } else {
          collecting = 'done';
        }
      }
    }
    return { out, complex, prefix };
  }

  private parseAtom(): Piece {
    const c = this.next();
    switch (c) {
      case '(':
        return this.parseGroup();
      case '[':
        return { out: this.parseClass(), complex: false, kind: 'other' };
      case '.':
        return { out: '[^\\n\\r]', complex: false, kind: 'other' };
      case '^':
        return { out: '^', complex: false, kind: 'anchor-start' };
      case '$':
        return { out: '(?![\\s\\S])', complex: false, kind: 'anchor-end' };
      case '\\':
        return this.parseEscape();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`nothing to repeat before '${c}' at position ${this.index - 1}`);
      case '{':
      case '}':
      case ']':
        throw new RegexSyntaxError(
          `'${c}' must be escaped as '\\${c}' at position ${this.index - 1}`,
        );
      default:
        return { out: literalOutside(c), complex: false, kind: 'literal', literal: c };
    }
  }

  private parseGroup(): Piece {
    if (this.peek() === '?') {
      if (this.peek(1) !== ':') {
        throw new RegexSyntaxError(
          'only plain (...) and non-capturing (?:...) groups are supported',
        );
      }
      this.index += 2;
    }
    const inner = this.parseAlternation();
    if (this.peek() !== ')') {
      throw new RegexSyntaxError("missing ')'");
    }
    this.index++;
    // Capture groups are irrelevant to matching; emitting non-capturing groups everywhere is cheaper.
    return { out: `(?:${inner.out})`, complex: inner.complex, kind: 'other' };
  }

  private parseEscape(): Piece {
    const c = this.next();
    const shorthand = CLASS_SHORTHAND[c.toLowerCase()];
    if (shorthand !== undefined) {
      const negated = c !== c.toLowerCase();
      return { out: `[${negated ? '^' : ''}${shorthand}]`, complex: false, kind: 'other' };
    }
    const control = CONTROL[c];
    if (control !== undefined) {
      return { out: `\\${c}`, complex: false, kind: 'literal', literal: control };
    }
    if (ESCAPABLE.has(c)) {
      return { out: literalOutside(c), complex: false, kind: 'literal', literal: c };
    }
    throw new RegexSyntaxError(`unsupported escape '\\${c}'`);
  }

  private parseClass(): string {
    let out = '[';
    if (this.peek() === '^') {
      this.index++;
      out += '^';
    }
    let items = 0;
    for (;;) {
      const c = this.next();
      if (c === ']') {
        break;
      }
      const low = this.parseClassChar(c);
      if (low.shorthand !== undefined) {
        out += low.shorthand;
        items++;
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.index++;
        const high = this.parseClassChar(this.next());
        if (high.shorthand !== undefined) {
          throw new RegexSyntaxError('a class shorthand cannot end a range');
        }
        if ((low.char.codePointAt(0) ?? 0) > (high.char.codePointAt(0) ?? 0)) {
          throw new RegexSyntaxError(`range out of order in class: ${low.char}-${high.char}`);
        }
        out += `${literalInside(low.char)}-${literalInside(high.char)}`;
      } else {
        out += literalInside(low.char);
      }
      items++;
    }
    if (items === 0) {
      throw new RegexSyntaxError('empty character class');
    }
    return out + ']';
  }

  private parseClassChar(c: string): { char: string; shorthand?: string } {
    if (c === '[') {
      throw new RegexSyntaxError("'[' inside a class must be escaped as '\\['");
    }
    if ((c === '&' && this.peek() === '&') || (c === '-' && this.peek() === '-')) {
      throw new RegexSyntaxError(`'${c}${c}' inside a class is not portable`);
    }
    if (c !== '\\') {
      return { char: c };
    }
    const e = this.next();
    const shorthand = CLASS_SHORTHAND[e];
    if (shorthand !== undefined) {
      return { char: '', shorthand };
    }
    if (CLASS_SHORTHAND[e.toLowerCase()] !== undefined) {
      throw new RegexSyntaxError(`'\\${e}' is not supported inside a class`);
    }
    const control = CONTROL[e];
    if (control !== undefined) {
      return { char: control };
    }
    if (ESCAPABLE.has(e)) {
      return { char: e };
    }
    throw new RegexSyntaxError(`unsupported escape '\\${e}' inside a class`);
  }

  private parseQuantifier(piece: Piece): string {
    const c = this.peek();
    let quantifier: string;
    let unbounded: boolean;
    if (c === '*' || c === '+' || c === '?') {
      this.index++;
      quantifier = c;
      unbounded = c !== '?';
    } else if (c === '{') {
      ({ quantifier, unbounded } = this.parseBraces());
    } else {
      return '';
    }
    if (piece.kind === 'anchor-start' || piece.kind === 'anchor-end') {
      throw new RegexSyntaxError(`nothing to repeat before '${quantifier}'`);
    }
    if (piece.complex) {
      throw new RegexSyntaxError(
        'a quantifier on a group that contains a quantifier or | is not allowed (catastrophic backtracking)',
      );
    }
    const following = this.peek();
    if (following === '?' || following === '+') {
      throw new RegexSyntaxError('lazy and possessive quantifiers are not supported');
    }
    if (unbounded && ++this.unbounded > this.limits.maxUnbounded) {
      throw new RegexSyntaxError(
        `more than ${this.limits.maxUnbounded} unbounded quantifiers (*, +, {n,})`,
      );
    }
    return quantifier;
  }

  private parseBraces(): { quantifier: string; unbounded: boolean } {
    const rest = this.chars.slice(this.index, this.index + 16).join('');
    const m = /^\{(\d{1,4})(,(\d{1,4})?)?\}/.exec(rest);
    if (!m) {
      throw new RegexSyntaxError(`'{' must be escaped as '\\{' at position ${this.index}`);
    }
    const min = Number(m[1]);
    const max = m[3] === undefined ? undefined : Number(m[3]);
    if (min > this.limits.maxRepeat || (max !== undefined && max > this.limits.maxRepeat)) {
      throw new RegexSyntaxError(`repetition count over ${this.limits.maxRepeat}`);
    }
    if (max !== undefined && max < min) {
      throw new RegexSyntaxError(`numbers out of order in ${m[0]}`);
    }
    this.index += m[0].length;
    return { quantifier: m[0], unbounded: m[2] !== undefined && max === undefined };
  }
}

function literalOutside(c: string): string {
  const control = CONTROL_OUT[c];
  if (control !== undefined) {
    return control;
  }
  return META_OUTSIDE.has(c) ? `\\${c}` : c;
}

function literalInside(c: string): string {
  const control = CONTROL_OUT[c];
  if (control !== undefined) {
    return control;
  }
  return META_INSIDE.has(c) ? `\\${c}` : c;
}
