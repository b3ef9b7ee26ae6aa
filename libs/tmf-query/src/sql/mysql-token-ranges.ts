import { SqlStatement } from './index-entries';
import { EPOCH_BITS } from './mysql-token-entries';
import { epochSet, EpochSet } from './seq-sets';
import { MysqlTokenMapping } from './storage';

/**
 * One epoch of one ordered token (a number or date-time path) held in memory (ADR 0008, "Ordered
 * tokens' keys"): its rows' `v` sorted ascending, exact as two 32-bit halves (`v` is a BIGINT
 * UNSIGNED, beyond a double's 53 bits), and each row's seq offset in the epoch; read with the
 * epoch's change counter in one statement. A range of `v` is then two binary searches.
 */
export interface OrderedSlot {
  readonly version: number;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly offsets: Uint16Array;
}

/** A bound of `v` as its two halves. */
export interface KeyHalves {
  readonly hi: number;
  readonly lo: number;
}

const TWO_32 = 2n ** 32n;

/** `v` (decimal text of a BIGINT UNSIGNED) as its two halves. */
export function keyHalves(v: string): KeyHalves {
  const b = BigInt(v);
  return { hi: Number(b / TWO_32), lo: Number(b % TWO_32) };
}

/** Bytes an ordered slot holds (its arrays and the slot). */
export function orderedSlotBytes(slot: OrderedSlot): number {
  return slot.hi.byteLength + slot.lo.byteLength + slot.offsets.byteLength + 64;
}

/** The first row whose key is at least `key` (`after`: greater than it). */
function bound(slot: OrderedSlot, key: KeyHalves, after: boolean): number {
  let a = 0;
  let b = slot.hi.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    const h = slot.hi[mid];
    const below =
      h < key.hi || (h === key.hi && (after ? slot.lo[mid] <= key.lo : slot.lo[mid] < key.lo));
    if (below) {
      a = mid + 1;
    } else {
      b = mid;
    }
  }
  return a;
}

/** The epoch's customers with a row of `v` in `[from, to]` (undefined: none). */
export function orderedRange(
  slot: OrderedSlot,
  from: KeyHalves,
  to: KeyHalves,
): EpochSet | undefined {
  const a = bound(slot, from, false);
  const b = bound(slot, to, true);
  return a < b ? epochSet(slot.offsets.subarray(a, b), EPOCH_BITS) : undefined;
}

/** One statement: the epoch's counter (first row, `h` NULL when it has none) and its rows of `token`. */
export function orderedSlotStatement(
  mapping: MysqlTokenMapping & { epochTable: string },
  token: number,
  epoch: number,
): SqlStatement {
  return {
    sql:
      `SELECT 0 AS k, SUM(n) AS h, NULL AS l, NULL AS s FROM ${mapping.epochTable} WHERE epoch = ? ` +
      `UNION ALL SELECT 1, v >> 32, v & 4294967295, seq FROM ${mapping.table} WHERE epoch = ? AND token = ?`,
    params: [epoch, epoch, token],
  };
}

/**
 * The slot of {@link orderedSlotStatement}'s rows, sorted by `v` (the primary key's order, which
 * the scan returns; sorted here when it did not).
 */
export function orderedSlotOf(
  rows: readonly {
    k: number | string;
    h: number | string | null;
    l: number | string | null;
    s: number | string | null;
  }[],
): OrderedSlot {
  const size = 2 ** EPOCH_BITS;
  let version = 0;
  const keys: { hi: number; lo: number; o: number }[] = [];
  let sorted = true;
  for (const row of rows) {
    if (Number(row.k) === 0) {
      version = Number(row.h ?? 0);
      continue;
    }
    const key = { hi: Number(row.h), lo: Number(row.l), o: Number(row.s) % size };
    const last = keys[keys.length - 1];
    if (last && (last.hi > key.hi || (last.hi === key.hi && last.lo > key.lo))) {
      sorted = false;
    }
    keys.push(key);
  }
  if (!sorted) {
    keys.sort((x, y) => x.hi - y.hi || x.lo - y.lo);
  }
  const slot = {
    version,
    hi: new Uint32Array(keys.length),
    lo: new Uint32Array(keys.length),
    offsets: new Uint16Array(keys.length),
  };
  keys.forEach((key, i) => {
    slot.hi[i] = key.hi;
    slot.lo[i] = key.lo;
    slot.offsets[i] = key.o;
  });
  return slot;
}
