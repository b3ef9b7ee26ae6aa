import { isJsonObject } from '@app/tmf-common/core';
import { AttributePath } from '@app/tmf-query/schema';
import { storedValues, StoredValue } from '@app/tmf-query/values';

/**
 * Collects the comparable values at `attribute` inside `container`, starting at segment `from`.
 * Segments flagged as arrays must hold arrays (each element is walked); other segments must hold
 * objects. Anything else (a missing key, a wrong JSON type) contributes nothing.
 */
export function valuesAt(container: unknown, attribute: AttributePath, from = 0): StoredValue[] {
  const out: StoredValue[] = [];
  collect(container, attribute, from, out);
  return out;
}

function collect(
  container: unknown,
  attribute: AttributePath,
  index: number,
  out: StoredValue[],
): void {
  if (!isJsonObject(container)) {
    return;
  }
  const child = container[attribute.segments[index]];
  if (child === undefined) {
    return;
  }
  const last = index === attribute.segments.length - 1;
  if (attribute.arrays[index]) {
    if (!Array.isArray(child)) {
      return;
    }
    for (const element of child as unknown[]) {
      valuesOfElement(element, attribute, index, out, last);
    }
    return;
  }
  valuesOfElement(child, attribute, index, out, last);
}

function valuesOfElement(
  element: unknown,
  attribute: AttributePath,
  index: number,
  out: StoredValue[],
  last: boolean,
): void {
  if (last) {
    out.push(...storedValues(attribute.type, element));
  } else {
    collect(element, attribute, index + 1, out);
  }
}

/**
 * The elements of the first array on `attribute`'s path (its `arrayKey`), or an empty list. With
 * {@link elementValues} this lets the same-element rule test several conditions on one element.
 */
export function arrayElements(document: unknown, attribute: AttributePath): unknown[] {
  const index = attribute.arrays.indexOf(true);
  let container: unknown = document;
  for (let i = 0; i < index; i++) {
    if (!isJsonObject(container)) {
      return [];
    }
    container = container[attribute.segments[i]];
  }
  if (!isJsonObject(container)) {
    return [];
  }
  const array = container[attribute.segments[index]];
  return Array.isArray(array) ? array : [];
}

/** The values of `attribute` inside one element of its first array. */
export function elementValues(element: unknown, attribute: AttributePath): StoredValue[] {
  const index = attribute.arrays.indexOf(true);
  if (index === attribute.segments.length - 1) {
    return storedValues(attribute.type, element);
  }
  return valuesAt(element, attribute, index + 1);
}
