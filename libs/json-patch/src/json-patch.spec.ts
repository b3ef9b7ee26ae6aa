import { ErrorKind } from '@app/tmf-common/core';

import { applyJsonPatch } from './json-patch';
import { JsonValue } from './json-value';
import { PatchErrorCode, PatchException } from './patch-errors';

function patchError(run: () => unknown): PatchException {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof PatchException) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a PatchException');
}

function expectFailure(
  document: JsonValue,
  operations: unknown,
  code: PatchErrorCode,
  kind: ErrorKind,
): PatchException {
  const snapshot = JSON.stringify(document);
  const error = patchError(() => applyJsonPatch(document, operations));
  expect(error.code).toBe(code);
  expect(error.kind).toBe(kind);
  expect(JSON.stringify(document)).toBe(snapshot);
  return error;
}

describe(applyJsonPatch.name, () => {
  // RFC 6902 Appendix A, reproduced from the RFC text.
  describe('RFC 6902 Appendix A', () => {
    it('A.1 adds an object member', () => {
      expect(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({
        baz: 'qux',
        foo: 'bar',
      });
    });

    it('A.2 adds an array element', () => {
      expect(
        applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]),
      ).toEqual({ foo: ['bar', 'qux', 'baz'] });
    });

    it('A.3 removes an object member', () => {
      expect(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({
        foo: 'bar',
      });
    });

    it('A.4 removes an array element', () => {
      expect(
        applyJsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]),
      ).toEqual({ foo: ['bar', 'baz'] });
    });

    it('A.5 replaces a value', () => {
      expect(
        applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]),
      ).toEqual({ baz: 'boo', foo: 'bar' });
    });

    it('A.6 moves a value', () => {
      const document = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
      expect(
        applyJsonPatch(document, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
      ).toEqual({ foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
    });

    it('A.7 moves an array element', () => {
      expect(
        applyJsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [
          { op: 'move', from: '/foo/1', path: '/foo/3' },
        ]),
      ).toEqual({ foo: ['all', 'cows', 'eat', 'grass'] });
    });

    it('A.8 tests a value (success)', () => {
      const document = { baz: 'qux', foo: ['a', 2, 'c'] };
      expect(
        applyJsonPatch(document, [
          { op: 'test', path: '/baz', value: 'qux' },
          { op: 'test', path: '/foo/1', value: 2 },
        ]),
      ).toEqual(document);
    });

    it('A.9 tests a value (error)', () => {
      expectFailure(
        { baz: 'qux' },
        [{ op: 'test', path: '/baz', value: 'bar' }],
        PatchErrorCode.TestFailed,
        ErrorKind.Conflict,
      );
    });

    it('A.10 adds a nested member object', () => {
      expect(
        applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }]),
      ).toEqual({ foo: 'bar', child: { grandchild: {} } });
    });

    it('A.11 ignores unrecognized members of an operation', () => {
      expect(
        applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }]),
      ).toEqual({ foo: 'bar', baz: 'qux' });
    });

    it('A.12 fails to add to a nonexistent target', () => {
      const error = expectFailure(
        { foo: 'bar' },
        [{ op: 'add', path: '/baz/bat', value: 'qux' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
      expect(error.message).toContain('Operation 0 (add "/baz/bat")');
    });

    it('A.13 rejects an operation that is not an object with one valid op', () => {
      // Duplicate "op" members cannot survive JSON.parse, so the nearest invalid forms are tested.
      expectFailure(
        { foo: 'bar' },
        [{ op: ['add', 'remove'], path: '/baz', value: 'qux' }],
        PatchErrorCode.Malformed,
        ErrorKind.BadRequest,
      );
    });

    it('A.14 unescapes ~01 to ~1, not to /', () => {
      const document = { '/': 9, '~1': 10 };
      expect(applyJsonPatch(document, [{ op: 'test', path: '/~01', value: 10 }])).toEqual(document);
    });

    it('A.15 compares strings and numbers strictly', () => {
      expectFailure(
        { '/': 9, '~1': 10 },
        [{ op: 'test', path: '/~01', value: '10' }],
        PatchErrorCode.TestFailed,
        ErrorKind.Conflict,
      );
    });

    it('A.16 appends an array value with -', () => {
      expect(
        applyJsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }]),
      ).toEqual({ foo: ['bar', ['abc', 'def']] });
    });
  });

  describe('pointer and index rules', () => {
    it.each([
      ['a leading zero', '/foo/01'],
      ['a negative index', '/foo/-1'],
      ['an empty token', '/foo/'],
      ['a name', '/foo/bar'],
      ['an index past the end', '/foo/3'],
    ])('rejects add at %s', (_label, path) => {
      expectFailure(
        { foo: [1, 2] },
        [{ op: 'add', path, value: 9 }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });

    it('accepts add at index == length', () => {
      expect(applyJsonPatch({ foo: [1, 2] }, [{ op: 'add', path: '/foo/2', value: 9 }])).toEqual({
        foo: [1, 2, 9],
      });
    });

    it.each(['/foo/2', '/foo/-', '/foo/01'])('rejects remove and replace at %s', (path) => {
      expectFailure(
        { foo: [1, 2] },
        [{ op: 'remove', path }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
      expectFailure(
        { foo: [1, 2] },
        [{ op: 'replace', path, value: 0 }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });

    it('decodes ~0 and ~1 in member names', () => {
      expect(applyJsonPatch({}, [{ op: 'add', path: '/a~1b~0c', value: 1 }])).toEqual({
        'a/b~c': 1,
      });
    });

    it('addresses the empty member name with "/"', () => {
      expect(applyJsonPatch({ '': 1 }, [{ op: 'replace', path: '/', value: 2 }])).toEqual({
        '': 2,
      });
    });

    it.each(['a', '/a~2', '/~'])('rejects the malformed pointer %p', (path) => {
      expectFailure(
        { a: 1 },
        [{ op: 'replace', path, value: 2 }],
        PatchErrorCode.Malformed,
        ErrorKind.BadRequest,
      );
    });

    it('does not see inherited members such as toString', () => {
      expectFailure(
        { foo: 1 },
        [{ op: 'remove', path: '/toString' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
      expectFailure(
        { foo: 1 },
        [{ op: 'replace', path: '/valueOf', value: 1 }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });

    it('fails remove and replace of a missing member', () => {
      expectFailure(
        { foo: 1 },
        [{ op: 'remove', path: '/bar' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
      expectFailure(
        { foo: 1 },
        [{ op: 'replace', path: '/bar', value: 1 }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });

    it('fails add below a scalar', () => {
      expectFailure(
        { a: 1 },
        [{ op: 'add', path: '/a/b', value: 1 }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });
  });

  describe('root operations', () => {
    it('replaces and adds the whole document', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({
        b: 2,
      });
      expect(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }])).toEqual([1]);
    });

    it('tests the whole document', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }])).toEqual({
        a: 1,
      });
    });

    it('refuses to remove the whole document', () => {
      expectFailure(
        { a: 1 },
        [{ op: 'remove', path: '' }],
        PatchErrorCode.Malformed,
        ErrorKind.BadRequest,
      );
    });

    it('moves a member to the root', () => {
      expect(applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '' }])).toEqual({
        b: 1,
      });
    });
  });

  describe('test', () => {
    it('compares numbers by value and objects regardless of member order', () => {
      const document = { a: 1, o: { x: 1, y: [1, { z: null }] } };
      expect(
        applyJsonPatch(document, [
          { op: 'test', path: '/a', value: 1.0 },
          { op: 'test', path: '/o', value: { y: [1, { z: null }], x: 1 } },
        ]),
      ).toEqual(document);
    });

    it('compares arrays in order', () => {
      expectFailure(
        { a: [1, 2] },
        [{ op: 'test', path: '/a', value: [2, 1] }],
        PatchErrorCode.TestFailed,
        ErrorKind.Conflict,
      );
    });

    it('fails on a missing location, even for null', () => {
      expectFailure(
        { a: 1 },
        [{ op: 'test', path: '/b', value: null }],
        PatchErrorCode.TestFailed,
        ErrorKind.Conflict,
      );
      expect(applyJsonPatch({ a: null }, [{ op: 'test', path: '/a', value: null }])).toEqual({
        a: null,
      });
    });

    it('tells an object with an extra member apart', () => {
      expectFailure(
        { a: { x: 1, y: 2 } },
        [{ op: 'test', path: '/a', value: { x: 1 } }],
        PatchErrorCode.TestFailed,
        ErrorKind.Conflict,
      );
    });
  });

  describe('move and copy', () => {
    it('rejects moving a location into its own child', () => {
      const error = expectFailure(
        { a: { b: 1 } },
        [{ op: 'move', from: '/a', path: '/a/c' }],
        PatchErrorCode.Malformed,
        ErrorKind.BadRequest,
      );
      expect(error.message).toContain('own children');
    });

    it('treats a move onto itself as a no-op', () => {
      expect(applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a' }])).toEqual({
        a: { b: 1 },
      });
    });

    it('allows moving to a sibling whose name starts the same way', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'move', from: '/a', path: '/ab' }])).toEqual({
        ab: 1,
      });
    });

    it('fails when from does not exist', () => {
      expectFailure(
        { a: 1 },
        [{ op: 'move', from: '/x', path: '/y' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
      expectFailure(
        { a: 1 },
        [{ op: 'copy', from: '/x', path: '/y' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });

    it('checks the move target after the removal', () => {
      expectFailure(
        { foo: [1, 2, 3] },
        [{ op: 'move', from: '/foo/0', path: '/foo/3' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });

    it('copies by value', () => {
      expect(
        applyJsonPatch({ a: { b: [1] } }, [
          { op: 'copy', from: '/a', path: '/c' },
          { op: 'add', path: '/c/b/-', value: 2 },
        ]),
      ).toEqual({ a: { b: [1] }, c: { b: [1, 2] } });
    });

    it('rejects a copy target past the end of an array', () => {
      expectFailure(
        { a: 1, list: [] },
        [{ op: 'copy', from: '/a', path: '/list/5' }],
        PatchErrorCode.PathNotFound,
        ErrorKind.Conflict,
      );
    });
  });

  describe('atomicity', () => {
    it('leaves the input untouched when the 3rd of 4 operations fails', () => {
      const document = { a: 1, b: [1, 2], c: { d: 'x' } };
      const snapshot = JSON.stringify(document);
      const error = patchError(() =>
        applyJsonPatch(document, [
          { op: 'add', path: '/b/-', value: 3 },
          { op: 'remove', path: '/a' },
          { op: 'replace', path: '/zz', value: 1 },
          { op: 'add', path: '/e', value: 1 },
        ]),
      );
      expect(error.code).toBe(PatchErrorCode.PathNotFound);
      expect(error.operationIndex).toBe(2);
      expect(error.message).toMatch(/^Operation 2 \(replace "\/zz"\)/);
      expect(JSON.stringify(document)).toBe(snapshot);
    });

    it('never mutates the input on success, nor shares nodes with it', () => {
      const document = { a: { b: [1] } };
      const result = applyJsonPatch(document, [{ op: 'add', path: '/a/b/-', value: 2 }]);
      expect(document).toEqual({ a: { b: [1] } });
      (result as { a: { b: number[] } }).a.b.push(9);
      expect(document.a.b).toEqual([1]);
    });

    it('does not alias patch values into the result', () => {
      const value = { x: [1] };
      const result = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]) as {
        v: { x: number[] };
      };
      result.v.x.push(2);
      expect(value.x).toEqual([1]);
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each([
      [{ op: 'add', path: '/__proto__/polluted', value: 1 }],
      [{ op: 'add', path: '/constructor/prototype/polluted', value: 1 }],
      [{ op: 'replace', path: '/__proto__', value: { polluted: 1 } }],
      [{ op: 'add', path: '/a/__proto__', value: { polluted: 1 } }],
      [{ op: 'copy', from: '/x', path: '/__proto__' }],
      [{ op: 'move', from: '/__proto__', path: '/x' }],
    ])('rejects %j', (operation) => {
      expectFailure(
        { a: {}, x: { polluted: 1 } },
        [operation],
        PatchErrorCode.ForbiddenPath,
        ErrorKind.BadRequest,
      );
    });

    it('rejects a value carrying a __proto__ member', () => {
      const value = JSON.parse('{"__proto__": {"polluted": 1}}') as JsonValue;
      expectFailure(
        {},
        [{ op: 'add', path: '/a', value }],
        PatchErrorCode.ForbiddenPath,
        ErrorKind.BadRequest,
      );
    });
  });

  describe('shape validation', () => {
    it.each([
      ['a non-array body', { op: 'add' }, 'must be a JSON array'],
      ['a non-object operation', [1], 'Operation 0: must be a JSON object'],
      ['an unknown op', [{ op: 'frob', path: '/a' }], '"op" must be one of'],
      ['a missing path', [{ op: 'remove' }], 'needs a string "path"'],
      ['a non-string path', [{ op: 'remove', path: 5 }], 'needs a string "path"'],
      ['a missing value', [{ op: 'add', path: '/b' }], 'needs a "value"'],
      ['a missing from', [{ op: 'copy', path: '/b' }], 'needs a string "from"'],
      [
        'a bad second operation',
        [
          { op: 'test', path: '/a', value: 1 },
          { op: 'move', path: '/b', from: 1 },
        ],
        'Operation 1:',
      ],
    ])('rejects %s with 400', (_label, body, message) => {
      const error = expectFailure({ a: 1 }, body, PatchErrorCode.Malformed, ErrorKind.BadRequest);
      expect(error.message).toContain(message);
    });

    it('accepts a null value', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/b', value: null }])).toEqual({
        a: 1,
        b: null,
      });
    });

    it('accepts an empty patch', () => {
      expect(applyJsonPatch({ a: 1 }, [])).toEqual({ a: 1 });
    });
  });

  describe('limits', () => {
    it('rejects more operations than allowed', () => {
      const operations = Array.from({ length: 3 }, () => ({ op: 'test', path: '', value: {} }));
      const error = patchError(() => applyJsonPatch({}, operations, { maxOperations: 2 }));
      expect(error.code).toBe(PatchErrorCode.LimitExceeded);
      expect(error.kind).toBe(ErrorKind.BadRequest);
      expect(applyJsonPatch({}, operations, { maxOperations: 3 })).toEqual({});
    });

    it('rejects more than 1,000 operations by default', () => {
      const operations = Array.from({ length: 1001 }, () => ({ op: 'test', path: '', value: {} }));
      expect(patchError(() => applyJsonPatch({}, operations)).code).toBe(
        PatchErrorCode.LimitExceeded,
      );
    });

    it('rejects a path that is too long or too deep', () => {
      expect(
        patchError(() =>
          applyJsonPatch({}, [{ op: 'add', path: '/' + 'a'.repeat(50), value: 1 }], {
            maxPathLength: 20,
          }),
        ).code,
      ).toBe(PatchErrorCode.LimitExceeded);
      expect(
        patchError(() =>
          applyJsonPatch({}, [{ op: 'add', path: '/a/b/c/d', value: 1 }], { maxDepth: 3 }),
        ).code,
      ).toBe(PatchErrorCode.LimitExceeded);
    });

    it('rejects a value nested too deeply', () => {
      let value: JsonValue = 1;
      for (let i = 0; i < 10; i += 1) {
        value = [value];
      }
      expect(
        patchError(() => applyJsonPatch({}, [{ op: 'add', path: '/a', value }], { maxDepth: 5 }))
          .code,
      ).toBe(PatchErrorCode.LimitExceeded);
    });
  });
});
