import { QueryErrorCode, QueryException } from '@app/tmf-query/errors';

const PATH_CHAR = /^[A-Za-z0-9_@$.-]$/;
const SYMBOLS = ['>=', '<=', '==', '=~', '*=', '!=', '>', '<', '='] as const;

/** An operator as written in the symbol form (or `=` after a `.eq`-style suffix). */
export type OperatorSymbol = (typeof SYMBOLS)[number];

/** The head of a raw term: the attribute path and, when present, the operator symbol. */
export interface TermHead {
  readonly path: string;
  /** Raw index just after the path. */
  readonly pathEnd: number;
}

/**
 * Reads one character at `index` of a raw (still percent-encoded) string, decoding `%XX` when it
 * encodes an ASCII character: the symbol forms may arrive encoded (`%3E`, `%3D~`, `%40type`).
 */
function readAscii(raw: string, index: number): { char: string; length: number } | undefined {
  const c = raw[index];
  if (c === undefined) {
    return undefined;
  }
  if (c === '%') {
    const hex = raw.slice(index + 1, index + 3);
    if (/^[0-7][0-9A-Fa-f]$/.test(hex)) {
      return { char: String.fromCharCode(parseInt(hex, 16)), length: 3 };
    }
    return undefined;
  }
  if (c === '+') {
    return { char: ' ', length: 1 };
  }
  return { char: c, length: 1 };
}

/** Reads the attribute path at the start of a raw term. */
export function readPath(raw: string): TermHead {
  let index = 0;
  let path = '';
  for (;;) {
    const next = readAscii(raw, index);
    if (!next || !PATH_CHAR.test(next.char)) {
      return { path, pathEnd: index };
    }
    path += next.char;
    index += next.length;
  }
}

/**
 * Reads an operator symbol at `index`. With `single`, only a lone `=` is accepted (after a `.gt`-style
 * suffix, so that `name.eq==x` means "equals `=x`"); otherwise the longest symbol wins.
 */
export function readSymbol(
  raw: string,
  index: number,
  single: boolean,
): { symbol: OperatorSymbol; end: number } | undefined {
  const first = readAscii(raw, index);
  if (!first) {
    return undefined;
  }
  if (single) {
    return first.char === '=' ? { symbol: '=', end: index + first.length } : undefined;
  }
  const second = readAscii(raw, index + first.length);
  if (second) {
    const pair = first.char + second.char;
    const symbol = SYMBOLS.find((s) => s === pair);
    if (symbol) {
      return { symbol, end: index + first.length + second.length };
    }
  }
  const symbol = SYMBOLS.find((s) => s === first.char);
  return symbol ? { symbol, end: index + first.length } : undefined;
}

/**
 * Percent-decodes one value (after the raw split on `&`, `;` and `,`); `+` is a space, as in HTML
 * forms. Malformed encodings are a 400.
 */
export function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new QueryException(
      QueryErrorCode.Malformed,
      `Malformed percent-encoding in query term '${raw}'`,
    );
  }
}
