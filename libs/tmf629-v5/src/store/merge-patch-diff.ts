import { cloneJson, hasOwn, jsonEqual } from '@app/json-patch';
import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

/**
 * The JSON Merge Patch (RFC 7396) that turns `from` into `to`, or `undefined` when they are equal.
 * Objects differ member by member (a removed member is `null`); anything else is replaced whole.
 * `to` must hold no `null` (a merge patch cannot write one); customers never do.
 */
export function mergePatchDiff(from: JsonValue, to: JsonValue): JsonValue | undefined {
  if (jsonEqual(from, to)) {
    return undefined;
  }
  if (!isJsonObject(from) || !isJsonObject(to)) {
    return cloneJson(to);
  }
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (!hasOwn(to, key)) {
      patch[key] = null;
    }
  }
  for (const key of Object.keys(to)) {
    if (!hasOwn(from, key)) {
      patch[key] = cloneJson(to[key]);
      continue;
    }
    const nested = mergePatchDiff(from[key], to[key]);
    if (nested !== undefined) {
      patch[key] = nested;
    }
  }
  return patch;
}

/**
 * Applies a merge patch made by {@link mergePatchDiff} (RFC 7396). Unlike the request-facing
 * `applyMergePatch` it sets no depth limit: the patches come from stored documents already checked.
 */
export function applyMergeDiff(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) {
    return cloneJson(patch);
  }
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergeDiff(hasOwn(result, key) ? result[key] : null, value);
    }
  }
  return result;
}
