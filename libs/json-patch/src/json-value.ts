import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

// The JSON types and `isJsonObject` are tmf-common's; re-exported as part of this library's API.
export { isJsonObject };
export type { JsonObject, JsonValue };

/** Own-property lookup that never reaches `Object.prototype` (`toString`, `constructor`, ...). */
export function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** Deep copy of a JSON value; objects are rebuilt key by key so no prototype is ever shared. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return copy(value) as T;
}

function copy(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    return value.map(copy);
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      // defineProperty: a `__proto__` own key stays data and never becomes the prototype.
      Object.defineProperty(out, key, {
        value: copy(value[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * Structural equality of JSON values (RFC 6902 §4.6): numbers by value, strings by code units,
 * arrays element by element in order, objects by their member sets regardless of order.
 */
export function jsonEqual(left: unknown, right: unknown): boolean {
  const a = asJson(left);
  const b = asJson(right);
  if (a === b) {
    return true;
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) {
      return false;
    }
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

/**
 * A value as `JSON.stringify` would see it: objects with `toJSON` (a `Date` in a typed DTO) become
 * what `toJSON` returns, so two different dates never compare equal as empty objects.
 */
export function asJson(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'toJSON' in value) {
    const { toJSON } = value;
    if (typeof toJSON === 'function') {
      return (value as { toJSON: () => unknown }).toJSON();
    }
  }
  return value;
}

/** Why a value is not acceptable JSON for a patch, or `undefined` when it is. */
export function jsonValueProblem(value: unknown, maxDepth: number): string | undefined {
  return problemAt(value, maxDepth, 0);
}

function problemAt(value: unknown, maxDepth: number, depth: number): string | undefined {
  if (depth > maxDepth) {
    return `nesting deeper than ${maxDepth} levels`;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : 'a non-finite number';
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = problemAt(item, maxDepth, depth + 1);
      if (problem) {
        return problem;
      }
    }
    return undefined;
  }
  if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') {
        return 'a "__proto__" member';
      }
      const problem = problemAt(value[key], maxDepth, depth + 1);
      if (problem) {
        return problem;
      }
    }
    return undefined;
  }
  return `a ${typeof value} (not JSON)`;
}
