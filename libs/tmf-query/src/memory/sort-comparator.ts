import { isJsonObject } from '@app/tmf-common/core';
import { SortKey } from '@app/tmf-query/parser';
import { compareCodePoints, compareNumbers, StoredValue } from '@app/tmf-query/values';

import { valuesAt } from './document-walker';

/**
 * Builds a comparator that orders documents like the SQL `ORDER BY`: each key ascending or
 * descending, missing values last in both directions, strings by code point, numbers and instants
 * numerically, `false` before `true`; then `id` as the final tie-breaker, in the last key's
 * direction (ascending when there is no key).
 */
export function createSortComparator(sort: readonly SortKey[]): (a: unknown, b: unknown) => number {
  return (a, b) => {
    for (const key of sort) {
      const left = valuesAt(a, key.attribute)[0];
      const right = valuesAt(b, key.attribute)[0];
      if (left === undefined || right === undefined) {
        if (left !== right) {
          return left === undefined ? 1 : -1;
        }
        continue;
      }
      const order = compareStored(left, right);
      if (order !== 0) {
        return key.descending ? -order : order;
      }
    }
    const idOrder = compareIds(a, b);
    return sort.at(-1)?.descending ? -idOrder : idOrder;
  };
}

function compareStored(left: StoredValue, right: StoredValue): number {
  if (left.kind === 's' && right.kind === 's') {
    return compareCodePoints(left.text, right.text);
  }
  if (left.kind !== 's' && right.kind !== 's') {
    return compareNumbers(left.num, right.num);
  }
  return 0;
}

function compareIds(a: unknown, b: unknown): number {
  const left = isJsonObject(a) && typeof a.id === 'string' ? a.id : undefined;
  const right = isJsonObject(b) && typeof b.id === 'string' ? b.id : undefined;
  if (left === undefined || right === undefined) {
    return left === right ? 0 : left === undefined ? 1 : -1;
  }
  return compareCodePoints(left, right);
}
