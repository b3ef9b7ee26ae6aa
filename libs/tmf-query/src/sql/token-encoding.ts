import { endianness } from 'node:os';

/**
 * Tokens of the inverted search index (`SqlStorage.tokenIndex`). A token stands for one fact about
 * one index row: "path P holds value V" (a value token), or "path P holds a number or date-time in
 * bucket B of range level L" (a bucket token). Tokens are 64-bit hashes written as 13
 * characters (base 32), so they are plain words to any full-text tokenizer and equally long whatever the
 * value. Changing anything here needs a rebuild of the index.
 */

/** `s` string, `n` number, `b` boolean (0/1), `d` date-time (epoch ms): as in `StoredValue`. */
export type TokenKind = 's' | 'n' | 'b' | 'd';

const KIND_TAG: Readonly<Record<TokenKind, number>> = { s: 1, n: 2, b: 3, d: 4 };

/**
 * Range levels, as prefix lengths in bits of the order-preserving 64-bit key of a number
 * ({@link sortableKey}): 16, 1,024, 65,536, ... buckets. A number or date-time carries one bucket
 * token per level of its kind ({@link rangeLevels}). Each level splits the buckets of the one before
 * it 64 ways, so a range is covered by at most 63 buckets per level at each end. The finest level
 * (28 bits) leaves a number near 500 a bucket of 1/65,536: only the two buckets at a range's ends
 * hold values that may fall either side of it.
 */
export const RANGE_LEVELS: readonly number[] = [4, 10, 16, 22, 28];

/**
 * Date-times have one level more, 32 bits (16 ways of the 28-bit level): a bucket of 2^20 ms
 * (17.5 minutes) for the instants of 2004-2039, where the 28-bit level's is 4.7 hours. A range of a
 * day then has edges of about 2 customers each at a million (about 35 at 28 bits), each checked on
 * its document; its cover grows by at most 15 tokens per end, each a small doclist.
 */
export const DATE_RANGE_LEVELS: readonly number[] = [...RANGE_LEVELS, 32];

/**
 * The range levels of a kind's bucket tokens. `fineDates` false: the date-time levels of the format
 * before the 32-bit level (what its migration's undo writes).
 */
export function rangeLevels(kind: TokenKind, fineDates = true): readonly number[] {
  return kind === 'd' && fineDates ? DATE_RANGE_LEVELS : RANGE_LEVELS;
}

if (endianness() !== 'LE') {
  // The key is read from a Float64Array's words; every platform Node supports is little-endian.
  throw new Error('token-encoding expects a little-endian platform');
}
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The value token of `path = value` (strings, and numbers/booleans/date-times as numbers). */
export function valueToken(pathId: number, kind: TokenKind, value: string | number): string {
  if (typeof value === 'string') {
    return hashString(pathId, KIND_TAG[kind], value);
  }
  const [hi, lo] = numberWords(value);
  return hashWords(pathId, KIND_TAG[kind], hi, lo);
}

/**
 * The repeat marker of a token: held by an array row whose resource has an earlier row (an earlier
 * element of the same array) holding the token. 14 characters, the last outside the base-32 digits,
 * so it is no other token.
 */
export function repeatMarker(token: string): string {
  return `${token}w`;
}

/**
 * The resource-level copy of an array element's value token, held by the resource's slot-0 row
 * (`TokenIndexMapping.copies`): 14 characters, the last outside the base-32 digits and apart from
 * the repeat marker's, so it is no other token.
 */
export function copyToken(token: string): string {
  return `${token}x`;
}

/**
 * Elements of an array whose tokens the resource's one row holds marked with their ordinal
 * (`TokenIndexMapping.oneRow`, ADR 0014) unless the mapping says otherwise; each later element has
 * a row of its own.
 */
export const MARKED_ELEMENTS = 4;

/**
 * An array element's token marked with its element: `y` and the element's ordinal in its array for
 * the first `marked` elements (on the resource's row), `z` for a later element (on the element's
 * own row). Outside the base-32 digits and apart from the repeat marker and the copy, so it is no
 * other token; a same-element group is the OR over the marks of the AND of its tokens.
 */
export function elementToken(token: string, ordinal: number, marked: number): string {
  return ordinal < marked ? `${token}y${ordinal}` : `${token}z`;
}

/** The marks of {@link elementToken}: each marked ordinal, then the later elements' rows. */
export function elementMarks(marked: number): number[] {
  return Array.from({ length: marked + 1 }, (_, ordinal) => ordinal);
}

/**
 * The FTS5 query of one row per resource among the rows holding `token`: its first row (the rows
 * without the token's repeat marker).
 */
export function firstRowsMatch(token: string): string {
  return `${token} NOT ${repeatMarker(token)}`;
}

/** The bucket tokens of a number or date-time, one per range level of its kind. */
export function bucketTokens(
  pathId: number,
  kind: 'n' | 'd',
  num: number,
  levels: readonly number[] = rangeLevels(kind),
): string[] {
  return keyBuckets(pathId, kind, sortableKey(num), levels);
}

/**
 * The bucket tokens of a string by its first eight UTF-8 bytes ({@link stringKey}): for `any`
 * values, whose ranges compare stored strings as strings.
 */
export function stringBucketTokens(pathId: number, text: string): string[] {
  return keyBuckets(pathId, 's', stringKey(text), RANGE_LEVELS);
}

function keyBuckets(
  pathId: number,
  kind: TokenKind,
  [hi]: Key,
  levels: readonly number[],
): string[] {
  // Levels are at most 32 bits: a bucket is a prefix of the key's high word.
  return levels.map((bits) => bucketToken(pathId, kind, bits, hi >>> (32 - bits)));
}

/**
 * A range as bucket tokens: `core` buckets lie wholly inside the range (every value in them
 * matches), `edge` buckets straddle an end (their values must be checked one by one). Both empty:
 * the range holds no number at all.
 */
export interface RangeCover {
  readonly core: string[];
  readonly edge: string[];
}

export type RangeOp = 'gt' | 'gte' | 'lt' | 'lte';

/** Covers `value <op> num` (a number or date-time) with bucket tokens. */
export function rangeCover(pathId: number, kind: 'n' | 'd', op: RangeOp, num: number): RangeCover {
  return intervalCover(pathId, kind, [{ op, num }]);
}

/** One end of a range: `value <op> num`. */
export interface RangeBound {
  readonly op: RangeOp;
  readonly num: number;
}

/**
 * Covers the values that satisfy every bound at once (an interval), with bucket tokens: for bounds
 * that one value must meet together (`gte=a&lt=b` on a path that holds one value per index row), a
 * cover of the interval, where covering each bound alone would name most of the index twice.
 */
export function intervalCover(
  pathId: number,
  kind: 'n' | 'd',
  bounds: readonly RangeBound[],
): RangeCover {
  let from: Key | undefined = MIN_KEY;
  let to: Key | undefined = MAX_KEY;
  for (const { op, num } of bounds) {
    const key = sortableKey(num);
    if (op === 'gt' || op === 'gte') {
      const low = op === 'gt' ? increment(key) : key;
      from = low === undefined || from === undefined ? undefined : max(from, low);
    } else {
      const high = op === 'lt' ? decrement(key) : key;
      to = high === undefined || to === undefined ? undefined : min(to, high);
    }
  }
  return from === undefined || to === undefined
    ? { core: [], edge: [] }
    : coverKeys(pathId, kind, from, to, true, rangeLevels(kind));
}

/**
 * Covers `value <op> text` on strings. A string key is only a prefix, so the buckets holding the
 * query's own key are always edges: strings sharing those eight bytes may fall either side.
 */
export function stringRangeCover(pathId: number, op: RangeOp, text: string): RangeCover {
  const key = stringKey(text);
  const up = op === 'gt' || op === 'gte';
  return coverKeys(pathId, 's', up ? key : MIN_KEY, up ? MAX_KEY : key, false, RANGE_LEVELS);
}

export const MIN_KEY: Key = [0, 0];
export const MAX_KEY: Key = [0xffffffff, 0xffffffff];

function coverKeys(
  pathId: number,
  kind: TokenKind,
  from: Key,
  to: Key,
  exactKeys: boolean,
  levels: readonly number[],
): RangeCover {
  const cover: RangeCover = { core: [], edge: [] };
  if (compare(from, to) > 0) {
    return cover;
  }
  const token = (bits: number, bucket: number) => bucketToken(pathId, kind, bits, bucket);
  const finest = levels[levels.length - 1];
  const shift = 32 - finest;
  const mask = 2 ** shift - 1;
  let first = from[0] >>> shift;
  let last = to[0] >>> shift;
  const fromAligned = exactKeys && (from[0] & mask) === 0 && from[1] === 0;
  const toAligned = exactKeys && (to[0] & mask) === mask && to[1] === 0xffffffff;
  if (first === last) {
    (fromAligned && toAligned ? cover.core : cover.edge).push(token(finest, first));
    return cover;
  }
  if (!fromAligned) {
    cover.edge.push(token(finest, first++));
  }
  if (!toAligned) {
    cover.edge.push(token(finest, last--));
  }
  // Whole buckets from `first` to `last` at the finest level, merged into coarser buckets where
  // they fill one.
  for (let level = levels.length - 1; first <= last; level--) {
    const bits = levels[level];
    if (level === 0) {
      for (let b = first; b <= last; b++) {
        cover.core.push(token(bits, b));
      }
      break;
    }
    const span = 2 ** (bits - levels[level - 1]);
    while (first <= last && first % span !== 0) {
      cover.core.push(token(bits, first++));
    }
    while (last >= first && (last + 1) % span !== 0) {
      cover.core.push(token(bits, last--));
    }
    first = first / span;
    last = (last + 1) / span - 1;
  }
  return cover;
}

export type Key = readonly [hi: number, lo: number];

/**
 * The 64-bit key of a number whose unsigned order is the numbers' order (IEEE-754 bits, sign
 * flipped; negatives inverted), as two unsigned 32-bit words. The same order as
 * `encodeSortableNumber`'s bytes.
 */
export function sortableKey(num: number): Key {
  const [hi, lo] = numberWords(num);
  return hi & 0x80000000 ? [~hi >>> 0, ~lo >>> 0] : [(hi | 0x80000000) >>> 0, lo];
}

/** The first eight UTF-8 bytes of a string (zero-padded) as a key: byte order is code point order. */
export function stringKey(text: string): Key {
  const bytes = Buffer.from(text.length > 8 ? text.slice(0, 8) : text, 'utf8');
  const word = (at: number) =>
    ((bytes[at] ?? 0) * 0x1000000 +
      ((bytes[at + 1] ?? 0) << 16) +
      ((bytes[at + 2] ?? 0) << 8) +
      (bytes[at + 3] ?? 0)) >>>
    0;
  return [word(0), word(4)];
}

function numberWords(num: number): Key {
  // -0 and 0 are one number: one key.
  f64[0] = num === 0 ? 0 : num;
  return [u32[1], u32[0]];
}

export function increment([hi, lo]: Key): Key | undefined {
  if (lo !== 0xffffffff) {
    return [hi, lo + 1];
  }
  return hi === 0xffffffff ? undefined : [hi + 1, 0];
}

export function decrement([hi, lo]: Key): Key | undefined {
  if (lo !== 0) {
    return [hi, lo - 1];
  }
  return hi === 0 ? undefined : [hi - 1, 0xffffffff];
}

function compare(a: Key, b: Key): number {
  return a[0] - b[0] || a[1] - b[1];
}

function max(a: Key, b: Key): Key {
  return compare(a, b) >= 0 ? a : b;
}

function min(a: Key, b: Key): Key {
  return compare(a, b) <= 0 ? a : b;
}

function bucketToken(pathId: number, kind: TokenKind, bits: number, bucket: number): string {
  // Tags 16.. name the (kind, level) pair, apart from the value tokens' tags (levels 1..32 bits:
  // a date-time's 32-bit level, 176, is no other pair's tag, as no kind tag exceeds 4).
  return hashWords(pathId, 16 + KIND_TAG[kind] * 32 + bits, bucket, 0);
}

// Two independent 32-bit lanes (FNV-style multiply per input word, murmur3's finalizer per lane):
// 64 bits, so that two different facts share a token with negligible probability (about n / 2^64
// for n distinct facts in the index).
const SEED_A = 0x811c9dc5;
const SEED_B = 0x9747b28c;

function hashString(pathId: number, tag: number, text: string): string {
  const [a, b] = stringWords(pathId, tag, text);
  return render(a, b);
}

function hashWords(pathId: number, tag: number, hi: number, lo: number): string {
  const [a, b] = numberHashWords(pathId, tag, hi, lo);
  return render(a, b);
}

function stringWords(pathId: number, tag: number, text: string): Key {
  let a = mixWord(mixWord(SEED_A, pathId, 0x01000193), tag, 0x01000193);
  let b = mixWord(mixWord(SEED_B, pathId, 0x5bd1e995), tag, 0x5bd1e995);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [fmix(a ^ text.length), fmix(b ^ text.length)];
}

function numberHashWords(pathId: number, tag: number, hi: number, lo: number): Key {
  let a = mixWord(mixWord(SEED_A, pathId, 0x01000193), tag, 0x01000193);
  let b = mixWord(mixWord(SEED_B, pathId, 0x5bd1e995), tag, 0x5bd1e995);
  a = mixWord(mixWord(a, hi, 0x01000193), lo, 0x01000193);
  b = mixWord(mixWord(b, hi, 0x5bd1e995), lo, 0x5bd1e995);
  return [fmix(a), fmix(b)];
}

function mixWord(h: number, word: number, prime: number): number {
  return Math.imul(fmix(h ^ word), prime);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const DIGITS = [...'0123456789abcdefghijklmnopqrstuv'].map((c) => c.charCodeAt(0));

/** 64 bits as 13 base-32 characters (`Number.toString(36)` costs ten times as much). */
function render(a: number, b: number): string {
  const d = DIGITS;
  return String.fromCharCode(
    d[a >>> 27],
    d[(a >>> 22) & 31],
    d[(a >>> 17) & 31],
    d[(a >>> 12) & 31],
    d[(a >>> 7) & 31],
    d[(a >>> 2) & 31],
    d[((a & 3) << 3) | (b >>> 29)],
    d[(b >>> 24) & 31],
    d[(b >>> 19) & 31],
    d[(b >>> 14) & 31],
    d[(b >>> 9) & 31],
    d[(b >>> 4) & 31],
    d[b & 15],
  );
}

/**
 * Tokens of the MySQL/MariaDB token table (`mysql-token-entries.ts`): the same hashes as a
 * signed integer of 53 bits (exact in a JavaScript number and a BIGINT), so they bind as numbers.
 * Two facts share one with probability about n / 2^53.
 */
export function valueTokenNumber(pathId: number, kind: TokenKind, value: string | number): number {
  if (typeof value === 'string') {
    return toSafeInteger(stringWords(pathId, KIND_TAG[kind], value));
  }
  const [hi, lo] = numberWords(value);
  return toSafeInteger(numberHashWords(pathId, KIND_TAG[kind], hi, lo));
}

/**
 * The token of a path's ordered rows (MySQL/MariaDB): one row per number, date-time or `any`
 * string, its order-preserving key ({@link sortableKey}, {@link stringKey}) in the row's `v`, so
 * that a range is a range scan of `v` under this token.
 */
export function orderedTokenNumber(pathId: number, kind: 'n' | 'd' | 's'): number {
  // Tags 8..11 name the ordered rows, apart from value tokens (1..4) and buckets (48..).
  return toSafeInteger(numberHashWords(pathId, 7 + KIND_TAG[kind], 0, 0));
}

/** A 64-bit key as the decimal text of a BIGINT UNSIGNED (beyond a JavaScript number's precision). */
export function keyText([hi, lo]: Key): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function toSafeInteger([a, b]: Key): number {
  // 21 bits of one lane and 32 of the other, signed: -(2^52) .. 2^52 - 1.
  return ((a >>> 11) - 0x100000) * 0x100000000 + b;
}
