import { ErrorKind } from '@app/tmf-common/core';

import { applyPatch, PATCH_MEDIA_TYPES, patchFormatOf } from './apply-patch';
import { JsonObject } from './json-value';
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

describe(applyPatch.name, () => {
  const customer: JsonObject = {
    id: '1',
    name: 'Moon',
    contactMedium: [
      { mediumType: 'email', characteristic: { emailAddress: 'a@example.com' } },
      { mediumType: 'phone', characteristic: { phoneNumber: '1' } },
    ],
  };

  it('exports the accepted media types', () => {
    expect(PATCH_MEDIA_TYPES).toEqual([
      'application/merge-patch+json',
      'application/json',
      'application/json-patch+json',
      'application/json-patch-query+json',
    ]);
  });

  it.each([
    ['application/merge-patch+json', 'merge-patch'],
    ['application/json', 'merge-patch'],
    ['Application/JSON; charset=utf-8', 'merge-patch'],
    ['application/json-patch+json', 'json-patch'],
    ['application/json-patch-query+json;charset=UTF-8', 'json-patch-query'],
  ])('maps %s to %s', (contentType, format) => {
    expect(patchFormatOf(contentType)).toBe(format);
  });

  it.each([undefined, '', 'text/plain', 'application/json-patch+query', 'application/xml'])(
    'rejects the media type %p with 415 listing the accepted types',
    (contentType) => {
      const error = patchError(() => applyPatch(customer, {}, contentType));
      expect(error.code).toBe(PatchErrorCode.UnsupportedMediaType);
      expect(error.kind).toBe(ErrorKind.UnsupportedMediaType);
      for (const type of PATCH_MEDIA_TYPES) {
        expect(error.message).toContain(type);
      }
      expect(error.headers['accept-patch']).toBe(PATCH_MEDIA_TYPES.join(', '));
    },
  );

  it('applies a merge patch for application/json and merge-patch+json', () => {
    for (const type of ['application/json', 'application/merge-patch+json']) {
      expect(applyPatch(customer, { name: 'Sun' }, type)).toEqual({ ...customer, name: 'Sun' });
    }
  });

  it.each([[[{ name: 'x' }]], ['name'], [null], [3]])(
    'rejects a merge patch body that is not an object: %j',
    (body) => {
      const error = patchError(() => applyPatch(customer, body, 'application/merge-patch+json'));
      expect(error.code).toBe(PatchErrorCode.Malformed);
      expect(error.kind).toBe(ErrorKind.BadRequest);
    },
  );

  it('applies an RFC 6902 patch', () => {
    expect(
      applyPatch(
        customer,
        [{ op: 'replace', path: '/contactMedium/1/characteristic/phoneNumber', value: '2' }],
        'application/json-patch+json',
      ),
    ).toEqual({
      id: '1',
      name: 'Moon',
      contactMedium: [
        { mediumType: 'email', characteristic: { emailAddress: 'a@example.com' } },
        { mediumType: 'phone', characteristic: { phoneNumber: '2' } },
      ],
    });
  });

  it('does not accept filters under application/json-patch+json', () => {
    const error = patchError(() =>
      applyPatch(
        customer,
        [
          {
            op: 'replace',
            path: "$.contactMedium[?(@.mediumType=='phone')].preferred",
            value: true,
          },
        ],
        'application/json-patch+json',
      ),
    );
    expect(error.code).toBe(PatchErrorCode.Malformed);
  });

  it('applies a JSON Patch Query', () => {
    const result = applyPatch(
      customer,
      [
        {
          op: 'replace',
          path: "$.contactMedium[?(@.mediumType=='phone')].characteristic.phoneNumber",
          value: '2',
        },
      ],
      'application/json-patch-query+json',
    ) as { contactMedium: JsonObject[] };
    expect(result.contactMedium[1].characteristic).toEqual({ phoneNumber: '2' });
  });

  it.each([{ op: 'add' }, 'x', null])(
    'rejects a JSON Patch body that is not an array: %j',
    (body) => {
      for (const type of ['application/json-patch+json', 'application/json-patch-query+json']) {
        const error = patchError(() => applyPatch(customer, body, type));
        expect(error.code).toBe(PatchErrorCode.Malformed);
        expect(error.kind).toBe(ErrorKind.BadRequest);
      }
    },
  );

  it('passes the limits on', () => {
    const body = [
      { op: 'test', path: '/id', value: '1' },
      { op: 'test', path: '/id', value: '1' },
    ];
    expect(
      patchError(() =>
        applyPatch(customer, body, 'application/json-patch+json', { maxOperations: 1 }),
      ).code,
    ).toBe(PatchErrorCode.LimitExceeded);
  });
});
