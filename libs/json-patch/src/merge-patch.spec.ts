import { ErrorKind } from '@app/tmf-common/core';

import { JsonValue } from './json-value';
import { applyMergePatch } from './merge-patch';
import { PatchErrorCode, PatchException } from './patch-errors';

describe(applyMergePatch.name, () => {
  // RFC 7396 Appendix A, reproduced from the RFC text (same cases as RFC 7386).
  it.each<[JsonValue, JsonValue, JsonValue]>([
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
  ])('RFC 7396 A: %j merged with %j gives %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('applies the RFC 7396 section 3 example', () => {
    const target = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };
    expect(applyMergePatch(target, patch)).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it('never modifies its arguments and shares no nodes with them', () => {
    const target = { a: { b: [1] }, c: 1 };
    const patch = { a: { d: { e: [2] } }, c: null };
    const result = applyMergePatch(target, patch) as {
      a: { b: number[]; d: { e: number[] } };
    };
    expect(target).toEqual({ a: { b: [1] }, c: 1 });
    expect(patch).toEqual({ a: { d: { e: [2] } }, c: null });
    result.a.b.push(9);
    result.a.d.e.push(9);
    expect(target.a.b).toEqual([1]);
    expect(patch.a.d.e).toEqual([2]);
  });

  it('merges a Customer update (name, nested validFor, removal)', () => {
    const customer = {
      id: '1',
      name: 'Moon Football Club',
      status: 'Approved',
      statusReason: 'ok',
      validFor: { startDateTime: '2024-01-01T00:00:00Z' },
    };
    expect(
      applyMergePatch(customer, {
        name: 'Sun Football Club',
        statusReason: null,
        validFor: { endDateTime: '2025-01-01T00:00:00Z' },
      }),
    ).toEqual({
      id: '1',
      name: 'Sun Football Club',
      status: 'Approved',
      validFor: { startDateTime: '2024-01-01T00:00:00Z', endDateTime: '2025-01-01T00:00:00Z' },
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each([
      '{"__proto__": {"polluted": 1}}',
      '{"a": {"__proto__": {"polluted": 1}}}',
      '{"constructor": {"prototype": {"polluted": 1}}}',
      '{"a": {"prototype": 1}}',
    ])('rejects %s', (json) => {
      const patch = JSON.parse(json) as JsonValue;
      let caught: unknown;
      try {
        applyMergePatch({ a: {} }, patch);
      } catch (error: unknown) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PatchException);
      expect((caught as PatchException).code).toBe(PatchErrorCode.ForbiddenPath);
      expect((caught as PatchException).kind).toBe(ErrorKind.BadRequest);
    });
  });

  it('rejects nesting deeper than the limit', () => {
    expect(() => applyMergePatch({}, { a: { b: { c: 1 } } }, 2)).toThrow(
      expect.objectContaining({ code: PatchErrorCode.LimitExceeded }),
    );
  });
});
