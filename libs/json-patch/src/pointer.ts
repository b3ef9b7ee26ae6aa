import { hasOwn, isJsonObject, JsonValue } from './json-value';

/**
 * Member names a patch may never address: writing them can reach an object's prototype
 * (prototype pollution). Rejected in every path spelling and every merge-patch key.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** A concrete location: object member names and array indexes from the root down. */
export type Location = readonly (string | number)[];

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** True when `token` is an RFC 6901 array index: digits, no sign, no leading zero. */
export function isArrayIndexToken(token: string): boolean {
  return ARRAY_INDEX.test(token);
}

/**
 * Splits an RFC 6901 JSON Pointer into unescaped reference tokens, or returns a reason why it is
 * not a pointer (missing leading `/`, a `~` not followed by `0` or `1`).
 */
export function parsePointer(pointer: string): { tokens: string[] } | { error: string } {
  if (pointer === '') {
    return { tokens: [] };
  }
  if (!pointer.startsWith('/')) {
    return { error: 'a JSON Pointer must be empty or start with "/"' };
  }
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    if (/~(?![01])/.test(raw)) {
      return { error: `"~" must be followed by "0" or "1" (in "${raw}")` };
    }
    // ~1 first, then ~0, so that "~01" becomes "~1" and not "/" (RFC 6901 §4).
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return { tokens };
}

/** Serialises a location as an RFC 6901 JSON Pointer. */
export function formatPointer(location: Location): string {
  return location
    .map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('');
}

/** The first forbidden member name in a location, if any. */
export function forbiddenKeyIn(location: Location): string | undefined {
  return location.find(
    (token): token is string => typeof token === 'string' && FORBIDDEN_KEYS.has(token),
  );
}

/** Result of looking a location up: the value if present. */
export type Lookup = { found: true; value: JsonValue } | { found: false };

/**
 * Reads the value at a location with exact RFC 6901 rules: object members must be own members
 * (inherited `toString` is not there), array tokens must be in-range indexes (`-` never exists).
 */
export function lookup(document: JsonValue, location: Location): Lookup {
  let current: JsonValue = document;
  for (const token of location) {
    const next = child(current, token);
    if (!next.found) {
      return next;
    }
    current = next.value;
  }
  return { found: true, value: current };
}

/** One step of `lookup`. */
export function child(node: JsonValue, token: string | number): Lookup {
  if (Array.isArray(node)) {
    const index = arrayIndex(token);
    return index !== undefined && index < node.length
      ? { found: true, value: node[index] }
      : { found: false };
  }
  if (isJsonObject(node)) {
    const key = String(token);
    return hasOwn(node, key) ? { found: true, value: node[key] } : { found: false };
  }
  return { found: false };
}

/** A token as an array index, or `undefined` when it is not one. */
export function arrayIndex(token: string | number): number | undefined {
  if (typeof token === 'number') {
    return Number.isSafeInteger(token) && token >= 0 ? token : undefined;
  }
  return isArrayIndexToken(token) ? Number(token) : undefined;
}

/** True when `prefix` is a proper prefix of `location` (a location inside `prefix`). */
export function isProperPrefix(prefix: Location, location: Location): boolean {
  return (
    prefix.length < location.length &&
    prefix.every((token, i) => String(token) === String(location[i]))
  );
}
