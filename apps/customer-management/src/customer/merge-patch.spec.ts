import { applyMergePatch, changedAttributes } from './merge-patch';

describe(applyMergePatch.name, () => {
  // RFC 7386 appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    const before = JSON.stringify(target);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect(JSON.stringify(target)).toBe(before);
  });
});

describe(changedAttributes.name, () => {
  it('names the first-level attributes whose value differs, ignoring member order', () => {
    expect(
      changedAttributes(
        { a: 1, b: { x: 1, y: 2 }, c: [1] },
        { a: 1, b: { y: 2, x: 1 }, c: [1, 2], d: 0 },
      ),
    ).toEqual(['c', 'd']);
    expect(changedAttributes({ a: 1 }, {})).toEqual(['a']);
    expect(changedAttributes({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
