/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;

function isNumberChar(c: number): boolean {
  // digits . + - e E
  return (
    (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x65 || c === 0x45
  );
}

function hexUnit(text: string, at: number): number {
  const hex = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : -1;
}

/**
 * What makes a JSON text unacceptable although `JSON.parse` takes it, or `undefined`: nesting
 * deeper than `maxDepth` (recursive code further on would overflow the stack), a number that
 * overflows to ±Infinity (stored as `null`, so the acknowledged document would not be the stored
 * one), a number the server would write back as another value (`9007199254740993` is read as
 * …992: integers beyond ±2^53 - 1, or more significant digits than a double holds), or a `\u` escape of a lone UTF-16 surrogate (not Unicode; I-JSON, RFC 7493, forbids it, and
 * MySQL would store U+FFFD in its columns). One pass over the text, before parsing; syntax errors
 * are left to the parser.
 */
export function jsonTextProblem(text: string, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const length = text.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === QUOTE) {
          break;
        }
        if (s !== BACKSLASH) {
          continue;
        }
        if (text.charCodeAt(i + 1) !== LOWER_U) {
          i++;
          continue;
        }
        const unit = hexUnit(text, i + 2);
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low =
            text.charCodeAt(i + 6) === BACKSLASH && text.charCodeAt(i + 7) === LOWER_U
              ? hexUnit(text, i + 8)
              : -1;
          if (low < 0xdc00 || low > 0xdfff) {
            return `a string holds a lone UTF-16 surrogate (\\u${text.slice(i + 2, i + 6)}); strings must be valid Unicode`;
          }
          i += 11;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          return `a string holds a lone UTF-16 surrogate (\\u${text.slice(i + 2, i + 6)}); strings must be valid Unicode`;
        } else {
          i += 5;
        }
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > maxDepth) {
        return `arrays and objects are nested deeper than ${maxDepth} levels`;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let end = i + 1;
      while (end < length && isNumberChar(text.charCodeAt(end))) {
        end++;
      }
      const value = Number(text.slice(i, end));
      if (value === Infinity || value === -Infinity) {
        const token = text.slice(i, Math.min(end, i + 40));
        return `the number ${token}${end - i > 40 ? '…' : ''} is out of range`;
      }
      const token = text.slice(i, end);
      if (!Number.isNaN(value) && !keepsValue(token, value)) {
        return changedNumber(text, token, value);
      }
      i = end - 1;
    }
  }
  return undefined;
}

const SAFE = `±${Number.MAX_SAFE_INTEGER}`;

/** True when writing `value` back as JSON gives the number `token` denotes (`1.50` = `1.5`, `1e2` = `100`). */
function keepsValue(token: string, value: number): boolean {
  return decimal(token) === decimal(JSON.stringify(value));
}

/** A canonical form of a JSON number literal: sign, significant digits, power of ten. */
function decimal(literal: string): string | undefined {
  const parts = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!parts) {
    return undefined; // a syntax error: the parser reports it
  }
  const fraction = parts[3] ?? '';
  let digits = (parts[2] + fraction).replace(/^0+/, '');
  let exponent = Number(parts[4] ?? 0) - fraction.length;
  if (digits === '') {
    return '0'; // -0 is written back as 0: the same number
  }
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${parts[1]}${digits}e${exponent}`;
}

function changedNumber(text: string, token: string, value: number): string {
  const path = pathOfNumber(text, token);
  const where = path === undefined ? '' : path === '' ? ' (the whole body)' : ` at ${path}`;
  const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
  const rule = /[.eE]/.test(token)
    ? 'a decimal keeps about 15 significant digits'
    : `integers are exact within ${SAFE}`;
  return `the number ${shown}${where} would be stored as ${JSON.stringify(value)} (${rule}); send a value the server can keep exactly`;
}

/** Where the first number written as `token` sits (`creditProfile[0].creditScore`); only on the error path. */
function pathOfNumber(text: string, token: string): string | undefined {
  const marker = {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      context?.source === token ? marker : value,
    );
  } catch {
    return undefined;
  }
  return find(parsed, marker, '');
}

function find(node: unknown, marker: object, path: string): string | undefined {
  if (node === marker) {
    return path;
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const found = find(node[i], marker, `${path}[${i}]`);
      if (found !== undefined) {
        return found;
      }
    }
  } else if (node !== null && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      const found = find(child, marker, path === '' ? key : `${path}.${key}`);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}
