import { mediaTypeOf } from '@app/tmf-common/core';

import { applyJsonPatch } from './json-patch';
import { isJsonObject, JsonValue } from './json-value';
import { PatchLimits, resolveLimits } from './limits';
import { applyMergePatch } from './merge-patch';
import { PatchErrorCode, PatchException } from './patch-errors';
import { applyJsonPatchQuery } from './query/json-patch-query';

/** JSON Merge Patch, RFC 7396. */
export const MERGE_PATCH_MEDIA_TYPE = 'application/merge-patch+json';
/** Plain JSON: treated as a merge patch (TMF629 v4 CTK sends PATCH with this type). */
export const JSON_MEDIA_TYPE = 'application/json';
/** JSON Patch, RFC 6902. */
export const JSON_PATCH_MEDIA_TYPE = 'application/json-patch+json';
/** TMF630 JSON Patch Query (IANA-registered). */
export const JSON_PATCH_QUERY_MEDIA_TYPE = 'application/json-patch-query+json';

/** Every media type `applyPatch` accepts, for a 415 answer or an `Accept-Patch` header. */
export const PATCH_MEDIA_TYPES = [
  MERGE_PATCH_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  JSON_PATCH_MEDIA_TYPE,
  JSON_PATCH_QUERY_MEDIA_TYPE,
] as const;

/** One of `PATCH_MEDIA_TYPES`. */
export type PatchMediaType = (typeof PATCH_MEDIA_TYPES)[number];

/** The three patch formats behind the media types. */
export type PatchFormat = 'merge-patch' | 'json-patch' | 'json-patch-query';

/**
 * The patch format for a `Content-Type` value (parameters such as `charset` and letter case are
 * ignored).
 *
 * @throws PatchException `PATCH_UNSUPPORTED_MEDIA_TYPE` (kind UnsupportedMediaType, 415) listing
 *   the accepted types, with an `Accept-Patch` header (RFC 5789 §3.1)
 */
export function patchFormatOf(contentType: string | undefined): PatchFormat {
  const format = FORMATS.get(mediaTypeOf(contentType) ?? '');
  if (format === undefined) {
    throw new PatchException(
      PatchErrorCode.UnsupportedMediaType,
      `Unsupported PATCH media type ${JSON.stringify(contentType ?? '')}; accepted: ${PATCH_MEDIA_TYPES.join(', ')}`,
      undefined,
      { 'accept-patch': PATCH_MEDIA_TYPES.join(', ') },
    );
  }
  return format;
}

const FORMATS: ReadonlyMap<string, PatchFormat> = new Map<PatchMediaType, PatchFormat>([
  [MERGE_PATCH_MEDIA_TYPE, 'merge-patch'],
  [JSON_MEDIA_TYPE, 'merge-patch'],
  [JSON_PATCH_MEDIA_TYPE, 'json-patch'],
  [JSON_PATCH_QUERY_MEDIA_TYPE, 'json-patch-query'],
]);

/**
 * The one entry point for PATCH: applies `body` to `document` according to `contentType`, and
 * returns the new document. `document` is never modified, and nothing is applied when any
 * operation fails.
 *
 * - `application/merge-patch+json`, `application/json`: RFC 7396; the body must be a JSON object.
 * - `application/json-patch+json`: RFC 6902; the body must be a JSON array.
 * - `application/json-patch-query+json`: TMF630 JSON Patch Query; the body must be a JSON array.
 *
 * @param limits optional bounds (operations per patch, path length, depth)
 * @throws PatchException (see `PatchErrorCode` for codes and kinds)
 */
export function applyPatch(
  document: JsonValue,
  body: unknown,
  contentType: string | undefined,
  limits?: Partial<PatchLimits>,
): JsonValue {
  const bounds = resolveLimits(limits);
  switch (patchFormatOf(contentType)) {
    case 'merge-patch':
      if (!isJsonObject(body)) {
        throw new PatchException(
          PatchErrorCode.Malformed,
          'A merge patch body must be a JSON object',
        );
      }
      return applyMergePatch(document, body, bounds.maxDepth);
    case 'json-patch':
      return applyJsonPatch(document, body, bounds);
    case 'json-patch-query':
      return applyJsonPatchQuery(document, body, bounds);
  }
}
