import { asJson, isJsonObject, jsonEqual } from './json-value';

/**
 * First-level attribute names whose values differ between two versions of a resource (deep JSON
 * equality; an attribute present on one side only counts as changed), sorted. An empty list means
 * the update changed nothing. Non-object arguments count as `{}`. Accepts any JSON-shaped
 * value (typed DTOs included); only reads it.
 */
export function changedAttributes(before: unknown, after: unknown): string[] {
  const left = objectOrEmpty(before);
  const right = objectOrEmpty(after);
  return unionKeys(left, right)
    .filter((key) => !jsonEqual(left[key], right[key]))
    .sort();
}

/**
 * Dotted paths of the leaves that changed, sorted: `name`, `contactMedium[0].characteristic.city`.
 * Objects are compared member by member and arrays of equal length element by element; an array
 * whose length changed, or a value whose type changed, is reported as a whole.
 */
export function changedPaths(before: unknown, after: unknown): string[] {
  const paths: string[] = [];
  collect(objectOrEmpty(before), objectOrEmpty(after), '', paths);
  return paths.sort();
}

function collect(before: unknown, after: unknown, prefix: string, paths: string[]): void {
  before = asJson(before);
  after = asJson(after);
  if (isJsonObject(before) && isJsonObject(after)) {
    for (const key of unionKeys(before, after)) {
      collect(before[key], after[key], prefix ? `${prefix}.${key}` : key, paths);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, i) => collect(item, after[i], `${prefix}[${i}]`, paths));
    return;
  }
  if (!jsonEqual(before, after)) {
    paths.push(prefix);
  }
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  const json = asJson(value);
  return isJsonObject(json) ? json : {};
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}
