import { cloneJson, hasOwn, jsonEqual } from '@app/json-patch';
import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

import { put } from '@app/tmf629-v5/mapping/put';
import { ELEMENT_ARRAYS } from '@app/tmf629-v5/mapping/v5-types';

import { matchElements } from './element-matching';

/**
 * One value of the stored document after a v5 write: `previous` as stored, `seen` and `wanted` the
 * v4 forms of the v5 view before and after the write. Untouched → `previous` exactly (so a v4
 * spelling such as `mediumType: "mobile"` stays); objects merge member by member, keeping what v5
 * never saw (v4-only details); anything else is the new value.
 */
function merge(previous: JsonValue, seen: JsonValue, wanted: JsonValue): JsonValue {
  if (jsonEqual(seen, wanted)) {
    return cloneJson(previous);
  }
  if (isJsonObject(previous) && isJsonObject(seen) && isJsonObject(wanted)) {
    return mergeObject(previous, seen, wanted, () => undefined);
  }
  return cloneJson(wanted);
}

type ArrayMerge = (key: string) => JsonValue[] | undefined;

function mergeObject(
  previous: JsonObject,
  seen: JsonObject,
  wanted: JsonObject,
  arrays: ArrayMerge,
): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(previous)) {
    const wasSeen = hasOwn(seen, key);
    const isWanted = hasOwn(wanted, key);
    if (wasSeen && isWanted) {
      put(out, key, arrays(key) ?? merge(previous[key], seen[key], wanted[key]));
    } else if (!wasSeen) {
      // Hidden from v5: a v4-only detail, kept (unless the v5 write now sets that v4 member).
      put(out, key, cloneJson(isWanted ? wanted[key] : previous[key]));
    }
    // Seen and no longer wanted: removed through v5.
  }
  for (const key of Object.keys(wanted)) {
    if (hasOwn(previous, key)) {
      continue;
    }
    // A member the mapping adds by default (an empty `characteristic` of a contact medium) is not
    // written into a document that never had it, unless the write changed it.
    if (hasOwn(seen, key) && jsonEqual(seen[key], wanted[key])) {
      continue;
    }
    put(out, key, cloneJson(wanted[key]));
  }
  return out;
}

/** The four forms of one customer a v5 write involves. */
export interface V5Write {
  /** The stored v4 document before the write. */
  previous: JsonObject;
  /** The v5 customer before the write (what the client saw and patched) and after it. */
  viewBefore: JsonObject;
  viewAfter: JsonObject;
  /** `customerToV4` of the two views. */
  seen: JsonObject;
  wanted: JsonObject;
}

/**
 * The stored v4 document after a v5 write: the new v4 form, with every v4-only detail of the
 * previous document carried over. Array elements follow their identity across the write (matched on
 * the v5 views, where ids live), so reordering or removing one element keeps the others' details.
 */
export function mergeV5Write(write: V5Write): JsonObject {
  const { previous, seen, wanted, viewBefore, viewAfter } = write;
  const arrays: ArrayMerge = (key) => {
    const [p, s, w, vb, va] = [previous, seen, wanted, viewBefore, viewAfter].map((d) => d[key]);
    if (
      !(ELEMENT_ARRAYS as readonly string[]).includes(key) ||
      !Array.isArray(p) ||
      !Array.isArray(s) ||
      !Array.isArray(w) ||
      !Array.isArray(vb) ||
      !Array.isArray(va) ||
      p.length !== s.length ||
      s.length !== vb.length ||
      w.length !== va.length
    ) {
      return undefined;
    }
    const match = matchElements(vb, va);
    return w.map((element, j) => {
      const i = match[j];
      return i >= 0 ? merge(p[i], s[i], element) : cloneJson(element);
    });
  };
  return jsonEqual(seen, wanted)
    ? cloneJson(previous)
    : mergeObject(previous, seen, wanted, arrays);
}
