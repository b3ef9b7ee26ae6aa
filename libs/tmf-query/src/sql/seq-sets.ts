/**
 * Sets of row keys (`seq`s) cut in epochs of `2^bits` keys, for intersections held in memory
 * (MariaDB token bitmaps, ADR 0008): an epoch is a sorted list of 16-bit offsets while it holds few
 * keys, else a bitset. Engine-neutral arithmetic: build, AND, count, iterate, test, size in bytes.
 */

/** An epoch's keys: offsets `0 .. 2^bits - 1`. */
export type EpochSet =
  | { readonly kind: 'list'; readonly offsets: Uint16Array }
  | { readonly kind: 'bits'; readonly words: Uint32Array; readonly size: number };

/** Offsets within an epoch: at most 16 bits, so that a sparse epoch is a `Uint16Array`. */
export const MAX_EPOCH_BITS = 16;

/**
 * Builds an epoch's set from its offsets (any order, repeats allowed). A list while it is smaller
 * than the bitset (2 bytes an offset against `2^bits / 8` bytes).
 */
export function epochSet(offsets: ArrayLike<number>, bits: number): EpochSet {
  if (bits > MAX_EPOCH_BITS) {
    throw new Error(`Epochs of ${bits} bits do not fit 16-bit offsets`);
  }
  if (offsets.length * 2 < (2 ** bits) >>> 3) {
    // Fewer offsets than a list as large as the bitset holds: the list sorted directly (a range's
    // offsets per held epoch, per request), without filling and walking the bitset.
    const sorted = new Uint16Array(offsets.length);
    for (let i = 0; i < offsets.length; i++) {
      sorted[i] = offsets[i];
    }
    sorted.sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (n === 0 || sorted[i] !== sorted[n - 1]) {
        sorted[n++] = sorted[i];
      }
    }
    return { kind: 'list', offsets: n === sorted.length ? sorted : sorted.slice(0, n) };
  }
  const words = new Uint32Array((2 ** bits) >>> 5);
  let size = 0;
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i];
    const w = o >>> 5;
    const bit = 1 << (o & 31);
    if ((words[w] & bit) === 0) {
      words[w] |= bit;
      size++;
    }
  }
  if (size * 2 >= words.byteLength) {
    return { kind: 'bits', words, size };
  }
  const list = new Uint16Array(size);
  let n = 0;
  forEachBit(words, (o) => {
    list[n++] = o;
  });
  return { kind: 'list', offsets: list };
}

/** Bytes an epoch's set holds. */
export function epochSetBytes(set: EpochSet): number {
  return set.kind === 'list' ? set.offsets.byteLength : set.words.byteLength;
}

export function epochSetSize(set: EpochSet): number {
  return set.kind === 'list' ? set.offsets.length : set.size;
}

export function epochSetHas(set: EpochSet, offset: number): boolean {
  if (set.kind === 'bits') {
    return (set.words[offset >>> 5] & (1 << (offset & 31))) !== 0;
  }
  return sortedHas(set.offsets, offset);
}

/**
 * The set with `offset` in it (`present`) or out of it, for a write seen after the set was built:
 * a bitset changes in place, a list is copied with the offset inserted or removed (a list grown to
 * the bitset's size becomes one). Undefined: empty.
 */
export function epochSetWith(
  set: EpochSet | undefined,
  offset: number,
  present: boolean,
  bits: number,
): EpochSet | undefined {
  if (set === undefined) {
    return present ? epochSet([offset], bits) : undefined;
  }
  if (set.kind === 'bits') {
    const w = offset >>> 5;
    const bit = 1 << (offset & 31);
    const has = (set.words[w] & bit) !== 0;
    if (has === present) {
      return set;
    }
    set.words[w] ^= bit;
    const size = set.size + (present ? 1 : -1);
    return size === 0 ? undefined : { kind: 'bits', words: set.words, size };
  }
  const a = set.offsets;
  // The first position holding `offset` or a greater one.
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const has = lo < a.length && a[lo] === offset;
  if (has === present) {
    return set;
  }
  if (!present) {
    if (a.length === 1) {
      return undefined;
    }
    const out = new Uint16Array(a.length - 1);
    out.set(a.subarray(0, lo));
    out.set(a.subarray(lo + 1), lo);
    return { kind: 'list', offsets: out };
  }
  if ((a.length + 1) * 2 >= (2 ** bits) >>> 3) {
    return epochSet([...a, offset], bits);
  }
  const out = new Uint16Array(a.length + 1);
  out.set(a.subarray(0, lo));
  out[lo] = offset;
  out.set(a.subarray(lo), lo + 1);
  return { kind: 'list', offsets: out };
}

/**
 * The intersection of several epochs' sets (each key's set of one epoch; undefined: empty) as the
 * sorted offsets it holds, or as a bitset when every set is one. Empty when any set is missing.
 */
export function intersectEpoch(sets: readonly (EpochSet | undefined)[]): EpochSet | undefined {
  if (sets.length === 0 || sets.some((s) => s === undefined || epochSetSize(s) === 0)) {
    return undefined;
  }
  const present = sets as readonly EpochSet[];
  if (present.length === 1 && present[0].kind === 'list') {
    // One list (a range alone): lists are never changed in place (`epochSetWith` copies them).
    return present[0];
  }
  let driver: Extract<EpochSet, { kind: 'list' }> | undefined;
  for (const s of present) {
    if (s.kind === 'list' && (!driver || s.offsets.length < driver.offsets.length)) {
      driver = s;
    }
  }
  if (!driver) {
    // Every set a bitset: a word-by-word AND and its popcount.
    const all = (present as readonly Extract<EpochSet, { kind: 'bits' }>[]).map((b) => b.words);
    const first = all[0];
    const words = new Uint32Array(first.length);
    let size = 0;
    if (all.length === 2) {
      // Two keys (the common filter): one AND per word.
      const second = all[1];
      for (let w = 0; w < words.length; w++) {
        const m = first[w] & second[w];
        words[w] = m;
        size += popcount(m);
      }
    } else {
      for (let w = 0; w < words.length; w++) {
        let m = first[w];
        for (let k = 1; k < all.length; k++) {
          m &= all[k][w];
        }
        words[w] = m;
        size += popcount(m);
      }
    }
    return size === 0 ? undefined : { kind: 'bits', words, size };
  }
  // The shortest list drives; each of its offsets is tested in the others: a bit of each bitset
  // (one load), a binary search of each other list. Plain loops: this runs per epoch per request.
  const bitsets: Uint32Array[] = [];
  const lists: Uint16Array[] = [];
  for (const s of present) {
    if (s.kind === 'bits') {
      bitsets.push(s.words);
    } else if (s !== driver) {
      lists.push(s.offsets);
    }
  }
  const a = driver.offsets;
  const out = new Uint16Array(a.length);
  let n = 0;
  candidates: for (let i = 0; i < a.length; i++) {
    const o = a[i];
    const w = o >>> 5;
    const bit = 1 << (o & 31);
    for (let k = 0; k < bitsets.length; k++) {
      if ((bitsets[k][w] & bit) === 0) {
        continue candidates;
      }
    }
    for (let k = 0; k < lists.length; k++) {
      if (!sortedHas(lists[k], o)) {
        continue candidates;
      }
    }
    out[n++] = o;
  }
  return n === 0 ? undefined : { kind: 'list', offsets: out.slice(0, n) };
}

/** Binary search of sorted offsets. */
function sortedHas(a: Uint16Array, offset: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] === offset) {
      return true;
    }
    if (a[mid] < offset) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return false;
}

/** Calls `visit` with each offset of the set, ascending, until it returns false. */
export function forEachOffset(set: EpochSet, visit: (offset: number) => boolean | void): void {
  if (set.kind === 'list') {
    for (const o of set.offsets) {
      if (visit(o) === false) {
        return;
      }
    }
    return;
  }
  forEachBit(set.words, visit);
}

function forEachBit(words: Uint32Array, visit: (offset: number) => boolean | void): void {
  for (let w = 0; w < words.length; w++) {
    let m = words[w];
    while (m !== 0) {
      const low = m & -m;
      if (visit(w * 32 + (31 - Math.clz32(low))) === false) {
        return;
      }
      m ^= low;
    }
  }
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The keys matching several sets of keys, each cut in epochs (`sets[k][epoch]`), less the `dead`
 * ones: their number, a test, and the first ones in key order.
 */
export class SeqIntersection {
  /** The number of matches (the dead left out). */
  readonly total: number;
  private readonly epochs: (EpochSet | undefined)[];

  constructor(
    sets: readonly (readonly (EpochSet | undefined)[])[],
    epochCount: number,
    private readonly bits: number,
    private readonly dead: ReadonlySet<number>,
  ) {
    this.epochs = [];
    let total = 0;
    for (let e = 0; e < epochCount; e++) {
      const both = intersectEpoch(sets.map((key) => key[e]));
      this.epochs.push(both);
      total += both ? epochSetSize(both) : 0;
    }
    for (const seq of dead) {
      if (this.inSets(seq)) {
        total--;
      }
    }
    this.total = total;
  }

  /** Whether `seq` matches every set and is not dead. */
  has(seq: number): boolean {
    return !this.dead.has(seq) && this.inSets(seq);
  }

  /** The first `n` matches in key order (all when fewer). */
  first(n: number): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.epochs.length && out.length < n; e++) {
      const set = this.epochs[e];
      if (!set) {
        continue;
      }
      const base = e * 2 ** this.bits;
      forEachOffset(set, (o) => {
        const seq = base + o;
        if (!this.dead.has(seq)) {
          out.push(seq);
        }
        return out.length < n;
      });
    }
    return out;
  }

  private inSets(seq: number): boolean {
    const set = this.epochs[Math.floor(seq / 2 ** this.bits)];
    return set !== undefined && epochSetHas(set, seq % 2 ** this.bits);
  }
}
