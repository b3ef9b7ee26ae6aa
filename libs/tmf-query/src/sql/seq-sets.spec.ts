import {
  epochSet,
  epochSetBytes,
  epochSetHas,
  epochSetSize,
  epochSetWith,
  intersectEpoch,
  SeqIntersection,
} from './seq-sets';

const BITS = 14;
const EPOCH = 2 ** BITS;

/** Offsets of an epoch from a predicate, ascending. */
const offsets = (keep: (o: number) => boolean) => [...Array(EPOCH).keys()].filter(keep);

describe('epoch sets', () => {
  it('holds few offsets as a sorted list, many as a bitset, repeats once', () => {
    const sparse = epochSet([900, 3, 3, 16383, 40], BITS);
    expect(sparse.kind).toBe('list');
    expect(epochSetSize(sparse)).toBe(4);
    expect(epochSetBytes(sparse)).toBe(8);
    expect([3, 40, 900, 16383].every((o) => epochSetHas(sparse, o))).toBe(true);
    expect(epochSetHas(sparse, 4)).toBe(false);
    const dense = epochSet(
      offsets((o) => o % 7 === 0),
      BITS,
    );
    expect(dense.kind).toBe('bits');
    expect(epochSetBytes(dense)).toBe(EPOCH / 8);
    expect(epochSetSize(dense)).toBe(Math.ceil(EPOCH / 7));
  });

  it('intersects lists, bitsets and both to the offsets they share', () => {
    const cases: [(o: number) => boolean, (o: number) => boolean][] = [
      [(o) => o % 3 === 0, (o) => o % 5 === 0],
      [(o) => o % 3 === 0, (o) => o % 1000 === 0],
      [(o) => o % 997 === 0, (o) => o % 1000 === 0],
    ];
    for (const [p, q] of cases) {
      const both = intersectEpoch([epochSet(offsets(p), BITS), epochSet(offsets(q), BITS)]);
      const want = offsets((o) => p(o) && q(o));
      expect(both ? epochSetSize(both) : 0).toBe(want.length);
      expect(want.every((o) => both !== undefined && epochSetHas(both, o))).toBe(true);
    }
    expect(intersectEpoch([epochSet([1], BITS), undefined])).toBeUndefined();
  });

  it('intersects three sets, and one set alone, to the offsets they hold', () => {
    const cases: ((o: number) => boolean)[][] = [
      [(o) => o % 2 === 0, (o) => o % 3 === 0, (o) => o % 5 === 0],
      [(o) => o % 2 === 0, (o) => o % 3 === 0, (o) => o % 700 === 0],
      [(o) => o % 601 === 0],
      [(o) => o % 3 === 0],
    ];
    for (const predicates of cases) {
      const got = intersectEpoch(predicates.map((p) => epochSet(offsets(p), BITS)));
      const want = offsets((o) => predicates.every((p) => p(o)));
      expect(got ? epochSetSize(got) : 0).toBe(want.length);
      expect(want.every((o) => got !== undefined && epochSetHas(got, o))).toBe(true);
    }
  });

  it('builds the same list from few offsets in any order, repeats once', () => {
    const some = [16383, 5, 77, 5, 0, 4096, 77, 9000];
    const list = epochSet(some, BITS);
    expect(list.kind).toBe('list');
    expect(list.kind === 'list' && [...list.offsets]).toEqual([0, 5, 77, 4096, 9000, 16383]);
  });

  it('counts, tests and lists the matches over epochs, the dead left out', () => {
    const a = [
      epochSet(
        offsets((o) => o % 2 === 0),
        BITS,
      ),
      undefined,
      epochSet([5, 9], BITS),
    ];
    const b = [
      epochSet(
        offsets((o) => o % 3 === 0),
        BITS,
      ),
      epochSet([1], BITS),
      epochSet([9], BITS),
    ];
    const dead = new Set([6, 2 * EPOCH + 9, 7]);
    const m = new SeqIntersection([a, b], 3, BITS, dead);
    // Multiples of 6 in epoch 0 (less 6 itself), none in epoch 1, 9 in epoch 2 (dead).
    expect(m.total).toBe(Math.ceil(EPOCH / 6) - 1);
    expect(m.first(3)).toEqual([0, 12, 18]);
    expect(m.has(12)).toBe(true);
    expect(m.has(6)).toBe(false);
    expect(m.has(2 * EPOCH + 9)).toBe(false);
    expect(m.first(100000)).toHaveLength(m.total);
  });
});

describe('epoch sets changed by writes', () => {
  it('takes offsets in and out of lists and bitsets, a grown list becoming a bitset', () => {
    const held = new Set<number>();
    let set = epochSetWith(undefined, 5, false, BITS);
    expect(set).toBeUndefined();
    const random = (() => {
      let s = 3;
      return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    })();
    for (let i = 0; i < 6000; i++) {
      const offset = Math.floor(random() * 4000);
      const present = random() < 0.7;
      set = epochSetWith(set, offset, present, BITS);
      if (present) {
        held.add(offset);
      } else {
        held.delete(offset);
      }
      if (i % 500 === 0 || i === 5999) {
        expect(set ? epochSetSize(set) : 0).toBe(held.size);
        expect(offsets((o) => (set ? epochSetHas(set, o) : false))).toEqual(
          [...held].sort((a, b) => a - b),
        );
      }
    }
    expect(set?.kind).toBe('bits');
    for (const offset of held) {
      set = epochSetWith(set, offset, false, BITS);
    }
    expect(set).toBeUndefined();
  });
});
