import fc from 'fast-check';

import { jsonEqual } from '@app/json-patch';

import { anyValue } from '@app/tmf629-v5/testing/arbitraries';

import { matchElements } from './element-matching';
import { applyMergeDiff, mergePatchDiff } from './merge-patch-diff';

describe(mergePatchDiff.name, () => {
  it('applied to `from`, gives `to` (any JSON without null)', () => {
    fc.assert(
      fc.property(anyValue, anyValue, (from, to) => {
        const patch = mergePatchDiff(from, to);
        expect(jsonEqual(patch === undefined ? from : applyMergeDiff(from, patch), to)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is minimal: members only for what differs, null for what goes', () => {
    expect(mergePatchDiff({ a: 1, b: { c: 2, d: 3 }, e: 4 }, { a: 1, b: { c: 2 }, f: 5 })).toEqual({
      b: { d: null },
      e: null,
      f: 5,
    });
    expect(mergePatchDiff({ a: [1] }, { a: [1] })).toBeUndefined();
  });
});

describe(matchElements.name, () => {
  const a = { id: 'a', x: 1 };
  const b = { id: 'b', x: 2 };
  const c = { id: 'c', x: 3 };

  it('follows equal elements through removal and reordering', () => {
    expect(matchElements([a, b, c], [c, a])).toEqual([2, 0]);
  });

  it('pairs a changed element with the one sharing most (an equal id above all)', () => {
    expect(matchElements([a, b], [b, { id: 'a', x: 9 }])).toEqual([1, 0]);
    expect(matchElements([a, b], [{ id: 'z', x: 2 }])).toEqual([1]);
  });

  it('keeps an unmoved element in place when another is edited into a copy of it', () => {
    expect(matchElements([a, b], [{ ...b, x: 1 }, b])).toEqual([0, 1]);
    expect(matchElements([a, b], [b, b])).toEqual([-1, 1]);
  });

  it('treats an element sharing nothing as new', () => {
    expect(matchElements([a], [{ y: 1 }])).toEqual([-1]);
  });
});
