import { hasOwn, jsonEqual } from '@app/json-patch';
import { isJsonObject, JsonValue } from '@app/tmf-common/core';

// An equal `id` says "the same element" much louder than any other shared attribute.
const ID_WEIGHT = 100;

function similarity(a: JsonValue, b: JsonValue): number {
  if (!isJsonObject(a) || !isJsonObject(b)) {
    return 0;
  }
  let score = 0;
  for (const key of Object.keys(a)) {
    if (hasOwn(b, key) && jsonEqual(a[key], b[key])) {
      score += key === 'id' ? ID_WEIGHT : 1;
    }
  }
  return score;
}

/**
 * Which element of `before` each element of `after` continues (its index, or -1 for a new one),
 * for carrying what one version cannot see across a write made through the other. An element equal
 * to one before is that one (the one at its own index if equal, else the first unused equal one, so
 * reordering and removal are followed). The others
 * pair greedily, in order, with the unused element sharing most attributes (an equal `id` first);
 * an element sharing none is new.
 */
export function matchElements(before: readonly JsonValue[], after: readonly JsonValue[]): number[] {
  const used = new Array<boolean>(before.length).fill(false);
  // Unmoved and equal first, so an element edited into a copy of another does not take its place.
  const match = after.map((element, j) => {
    if (j < before.length && jsonEqual(before[j], element)) {
      used[j] = true;
      return j;
    }
    return -1;
  });
  for (let j = 0; j < after.length; j++) {
    if (match[j] < 0) {
      const i = before.findIndex((candidate, k) => !used[k] && jsonEqual(candidate, after[j]));
      if (i >= 0) {
        used[i] = true;
        match[j] = i;
      }
    }
  }
  for (let j = 0; j < after.length; j++) {
    if (match[j] >= 0) {
      continue;
    }
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < before.length; i++) {
      const score = used[i] ? 0 : similarity(before[i], after[j]);
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best >= 0) {
      used[best] = true;
      match[j] = best;
    }
  }
  return match;
}
