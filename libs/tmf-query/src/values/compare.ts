/**
 * Compares two strings by Unicode code point, the order of a binary UTF-8 collation (SQLite `BINARY`,
 * MySQL `VARBINARY` / `utf8mb4_bin`). JavaScript's `<` compares UTF-16 code units, which differs for
 * characters above U+FFFF versus U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      return codePointOrder(x) - codePointOrder(y);
    }
  }
  return a.length - b.length;
}

// Moves surrogates (D800..DFFF) above E000..FFFF so that code-unit order equals code-point order.
function codePointOrder(unit: number): number {
  if (unit >= 0xe000) {
    return unit - 0x800;
  }
  if (unit >= 0xd800) {
    return unit + 0x2000;
  }
  return unit;
}

/** Numeric three-way comparison. */
export function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
