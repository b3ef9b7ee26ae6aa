import { hasOwn, jsonEqual } from '@app/json-patch';
import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

import { customerToV5 } from '@app/tmf629-v5/mapping/customer.mapping';
import { put } from '@app/tmf629-v5/mapping/put';
import { ELEMENT_ARRAYS, ElementArray } from '@app/tmf629-v5/mapping/v5-types';

import { matchElements } from './element-matching';
import { applyMergeDiff, mergePatchDiff } from './merge-patch-diff';

/**
 * The side bag: what a v5 customer holds that its v4 document cannot express, as merge patches
 * (RFC 7396) over the v5 view of the document ({@link customerToV5}). `root` patches the customer
 * (its element arrays excepted); `elements` patches each element of those arrays, aligned by index
 * with the stored document (`null`: nothing to add). Empty parts are left out.
 */
export interface V5Extension {
  root?: JsonObject;
  elements?: Partial<Record<ElementArray, (JsonObject | null)[]>>;
}

function objectArray(value: JsonValue | undefined): JsonObject[] | undefined {
  return Array.isArray(value) && value.every(isJsonObject) ? value : undefined;
}

/**
 * The side bag that turns the v5 view of `document` into `customer` (a v5 customer without `id`
 * and `href`, holding no `null`); `undefined` when the view already is `customer`.
 */
export function extensionOf(document: JsonObject, customer: JsonObject): V5Extension | undefined {
  const view = customerToV5(document);
  const viewRoot: JsonObject = { ...view };
  const customerRoot: JsonObject = { ...customer };
  const elements: Partial<Record<ElementArray, (JsonObject | null)[]>> = {};
  for (const array of ELEMENT_ARRAYS) {
    const seen = objectArray(view[array]);
    const wanted = objectArray(customer[array]);
    // Arrays of objects pair element by element; anything else is patched whole at the root.
    if (!seen || !wanted || seen.length !== wanted.length) {
      continue;
    }
    delete viewRoot[array];
    delete customerRoot[array];
    const patches = wanted.map((element, i) => {
      const patch = mergePatchDiff(seen[i], element);
      return isJsonObject(patch) ? patch : null;
    });
    if (patches.some((p) => p !== null)) {
      elements[array] = patches;
    }
  }
  const root = mergePatchDiff(viewRoot, customerRoot);
  const extension: V5Extension = {};
  if (isJsonObject(root)) {
    extension.root = root;
  }
  if (Object.keys(elements).length > 0) {
    extension.elements = elements;
  }
  return extension.root || extension.elements ? extension : undefined;
}

/** The v5 view with the side bag applied: the customer as v5 clients wrote it. */
export function withExtension(view: JsonObject, extension: V5Extension | undefined): JsonObject {
  if (!extension) {
    return view;
  }
  const out = extension.root ? (applyMergeDiff(view, extension.root) as JsonObject) : { ...view };
  for (const [array, patches] of Object.entries(extension.elements ?? {})) {
    const elements = out[array];
    if (Array.isArray(elements) && patches) {
      put(
        out,
        array,
        elements.map((element, i) => {
          const patch = patches[i];
          return patch ? applyMergeDiff(element, patch) : element;
        }),
      );
    }
  }
  return out;
}

/**
 * What is left of an override once the attribute under it changed through v4: a member whose view
 * value (`seen` before, `now` after the write) changed is v4's again; the others stay.
 */
function stillValid(patch: JsonObject, seen: JsonValue, now: JsonValue): JsonObject | undefined {
  const out: JsonObject = {};
  for (const key of Object.keys(patch)) {
    const before = isJsonObject(seen) && hasOwn(seen, key) ? seen[key] : undefined;
    const after = isJsonObject(now) && hasOwn(now, key) ? now[key] : undefined;
    const value = patch[key];
    if (isJsonObject(value) && isJsonObject(before) && isJsonObject(after)) {
      const nested = stillValid(value, before, after);
      if (nested) {
        put(out, key, nested);
      }
    } else if (jsonEqual(before, after)) {
      put(out, key, value);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The side bag after a v4 write turned `before` into `after`: each element's patch follows its
 * element (matched by {@link matchElements}) and keeps every member whose underlying view value the
 * write did not change. So an `id` or `description` survives any v4 write, and a `FloatCharacteristic`
 * type survives until v4 gives that characteristic a string value.
 */
export function reanchorExtension(
  extension: V5Extension | undefined,
  before: JsonObject,
  after: JsonObject,
): V5Extension | undefined {
  if (!extension) {
    return undefined;
  }
  const seen = customerToV5(before);
  const now = customerToV5(after);
  const out: V5Extension = {};
  const root = extension.root && stillValid(extension.root, seen, now);
  if (root) {
    out.root = root;
  }
  for (const array of ELEMENT_ARRAYS) {
    const patches = extension.elements?.[array];
    const from = before[array];
    const to = after[array];
    const seenArray = seen[array];
    const nowArray = now[array];
    if (
      !patches ||
      !Array.isArray(from) ||
      !Array.isArray(to) ||
      !Array.isArray(seenArray) ||
      !Array.isArray(nowArray)
    ) {
      continue;
    }
    const moved = matchElements(from, to).map((i, j) => {
      const patch = i >= 0 ? patches[i] : null;
      return (patch && stillValid(patch, seenArray[i], nowArray[j])) ?? null;
    });
    if (moved.some((p) => p !== null)) {
      out.elements = { ...out.elements, [array]: moved };
    }
  }
  return out.root || out.elements ? out : undefined;
}
