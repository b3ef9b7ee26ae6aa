import { EPOCH_BITS } from './mysql-token-entries';
import { keyHalves, orderedRange, orderedSlotOf } from './mysql-token-ranges';
import { epochSetSize, forEachOffset } from './seq-sets';

/** Rows as `orderedSlotStatement` returns them: the counter first, then `(v >> 32, v & mask, seq)`. */
function rowsOf(version: number, entries: readonly [bigint, number][]) {
  return [
    { k: 0, h: version, l: null, s: null },
    ...entries.map(([v, seq]) => ({
      k: 1,
      h: Number(v >> 32n),
      l: Number(v & 0xffffffffn),
      s: seq,
    })),
  ];
}

function offsets(set: ReturnType<typeof orderedRange>): number[] {
  const out: number[] = [];
  if (set) {
    forEachOffset(set, (o) => {
      out.push(o);
    });
  }
  return out;
}

describe('ordered tokens held in memory (mysql-token-ranges)', () => {
  const epoch = 3;
  const base = epoch * 2 ** EPOCH_BITS;
  // Keys beyond 2^53 that differ in their last bits only: a double would merge them.
  const big = 2n ** 63n + 2n ** 40n;
  const entries: [bigint, number][] = [
    [5n, base + 9],
    [big, base + 1],
    [big + 1n, base + 2],
    [big + 1n, base + 7],
    [2n ** 32n, base + 4],
    [2n ** 32n - 1n, base + 5],
    [big + 3n, base + 1],
  ];

  it('keeps 64-bit keys exact as two halves', () => {
    expect(keyHalves((big + 1n).toString())).toEqual({ hi: 2 ** 31 + 2 ** 8, lo: 1 });
    expect(keyHalves('4294967296')).toEqual({ hi: 1, lo: 0 });
    expect(keyHalves('18446744073709551615')).toEqual({ hi: 2 ** 32 - 1, lo: 2 ** 32 - 1 });
  });

  it('sorts unsorted rows and reads its counter', () => {
    const slot = orderedSlotOf(rowsOf(42, entries));
    expect(slot.version).toBe(42);
    const keys = [...slot.hi].map((h, i) => (BigInt(h) << 32n) + BigInt(slot.lo[i]));
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(orderedSlotOf([{ k: 0, h: null, l: null, s: null }]).version).toBe(0);
  });

  it('answers inclusive ranges exactly, each customer once', () => {
    const slot = orderedSlotOf(rowsOf(1, entries));
    const range = (from: bigint, to: bigint) =>
      offsets(orderedRange(slot, keyHalves(from.toString()), keyHalves(to.toString())));
    expect(range(big + 1n, big + 1n)).toEqual([2, 7]);
    expect(range(big, big + 3n)).toEqual([1, 2, 7]);
    expect(range(big + 2n, big + 2n)).toEqual([]);
    expect(range(0n, 2n ** 32n - 1n)).toEqual([5, 9]);
    expect(range(2n ** 32n - 1n, 2n ** 32n)).toEqual([4, 5]);
    expect(range(0n, 2n ** 64n - 1n)).toEqual([1, 2, 4, 5, 7, 9]);
    const all = orderedRange(slot, keyHalves('0'), keyHalves((2n ** 64n - 1n).toString()));
    expect(all && epochSetSize(all)).toBe(6);
  });

  it('matches a brute force over random keys', () => {
    let s = 11;
    const random = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    const keyOf = () =>
      BigInt(Math.floor(random() * 50)) * 2n ** 31n + BigInt(Math.floor(random() * 3));
    const rows: [bigint, number][] = Array.from({ length: 400 }, () => [
      keyOf(),
      base + Math.floor(random() * 2 ** EPOCH_BITS),
    ]);
    const slot = orderedSlotOf(rowsOf(1, rows));
    for (let i = 0; i < 200; i++) {
      const a = keyOf();
      const b = keyOf();
      const [from, to] = a <= b ? [a, b] : [b, a];
      const want = [
        ...new Set(rows.filter(([v]) => v >= from && v <= to).map(([, seq]) => seq - base)),
      ].sort((x, y) => x - y);
      expect(
        offsets(orderedRange(slot, keyHalves(from.toString()), keyHalves(to.toString()))),
      ).toEqual(want);
    }
  });
});
