import {
  cloneJson,
  hasOwn,
  isJsonObject,
  JsonObject,
  JsonValue,
  jsonValueProblem,
} from './json-value';
import { DEFAULT_PATCH_LIMITS } from './limits';
import { PatchErrorCode, PatchException } from './patch-errors';
import { FORBIDDEN_KEYS } from './pointer';

/**
 * Applies a JSON Merge Patch (RFC 7396, which obsoletes RFC 7386 with the same algorithm).
 * A patch that is not an object replaces the whole target; inside objects, `null` removes a member
 * and objects merge recursively; arrays are replaced whole. Neither argument is modified.
 *
 * @param maxDepth deepest nesting accepted in the patch (default 64)
 * @throws PatchException `PATCH_FORBIDDEN_PATH` for a `__proto__`, `constructor` or `prototype`
 *   member, `PATCH_LIMIT_EXCEEDED` for nesting deeper than `maxDepth`, `PATCH_MALFORMED` for a value
 *   that is not JSON (all 400)
 */
export function applyMergePatch(
  target: JsonValue,
  patch: JsonValue,
  maxDepth: number = DEFAULT_PATCH_LIMITS.maxDepth,
): JsonValue {
  checkMergePatch(patch, maxDepth);
  return merge(target, patch);
}

function merge(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) {
    return cloneJson(patch);
  }
  // One deep copy up front, then merge in place: the result never shares nodes with the input.
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  mergeInto(result, patch);
  return result;
}

function mergeInto(result: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else if (isJsonObject(value)) {
      const existing = hasOwn(result, key) ? result[key] : null;
      const nested: JsonObject = isJsonObject(existing) ? existing : {};
      mergeInto(nested, value);
      result[key] = nested;
    } else {
      result[key] = cloneJson(value);
    }
  }
}

function checkMergePatch(patch: JsonValue, maxDepth: number): void {
  const problem = jsonValueProblem(patch, maxDepth);
  if (problem) {
    const code = problem.startsWith('nesting')
      ? PatchErrorCode.LimitExceeded
      : problem.includes('__proto__')
        ? PatchErrorCode.ForbiddenPath
        : PatchErrorCode.Malformed;
    throw new PatchException(code, `The merge patch contains ${problem}`);
  }
  const forbidden = findForbiddenKey(patch);
  if (forbidden !== undefined) {
    throw new PatchException(
      PatchErrorCode.ForbiddenPath,
      `The merge patch member "${forbidden}" is not allowed`,
    );
  }
}

// Only object members are merged key by key, so only they can reach a prototype.
function findForbiddenKey(patch: JsonValue): string | undefined {
  if (!isJsonObject(patch)) {
    return undefined;
  }
  for (const key of Object.keys(patch)) {
    if (FORBIDDEN_KEYS.has(key)) {
      return key;
    }
    const nested = findForbiddenKey(patch[key]);
    if (nested !== undefined) {
      return `${key}.${nested}`;
    }
  }
  return undefined;
}
