/**
 * Bytes of a string value the index table keeps in `v_str` (VARBINARY(512) on MySQL). Longer values
 * keep a prefix there and the whole value in `v_full`.
 */
export const MAX_INDEXED_STRING_BYTES = 512;

/** UTF-8 byte length of a string. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The longest prefix of `text` (whole code points) whose UTF-8 encoding fits in `maxBytes`. The
 * prefix order is monotone: `a <= b` implies `prefix(a) <= prefix(b)` in code point order.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) {
    return text;
  }
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) {
      break;
    }
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * The smallest string greater than every string that starts with `prefix` (its last code point
 * incremented), or undefined when there is none. `prefix <= s < upperBound(prefix)` holds exactly for
 * the strings that start with `prefix`.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop() as string;
    let next = (last.codePointAt(0) ?? 0) + 1;
    if (next >= 0xd800 && next <= 0xdfff) {
      next = 0xe000;
    }
    if (next <= 0x10ffff) {
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
