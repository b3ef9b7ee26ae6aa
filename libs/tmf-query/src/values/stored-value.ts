import { ValueType } from '@app/tmf-query/schema';

import { parseInstant } from './instant';

/**
 * A stored leaf value reduced to what queries compare: `s` string, `n` number, `b` boolean (0/1),
 * `d` date-time (epoch ms). The same reduction feeds the index rows and the in-memory evaluator.
 */
export type StoredValue =
  | { readonly kind: 's'; readonly text: string }
  | { readonly kind: 'n' | 'b' | 'd'; readonly num: number };

/**
 * Reduces a JSON value found at a leaf path of the given type to comparable values. A value of the
 * wrong JSON type (or an unparseable date-time) yields nothing: it can never match a condition. An
 * `any` leaf yields its string, number or boolean, or each such element when it is an array.
 */
export function storedValues(type: ValueType, value: unknown): StoredValue[] {
  if (type === 'any') {
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    const out: StoredValue[] = [];
    for (const item of items) {
      const reduced = reduceAny(item);
      if (reduced) {
        out.push(reduced);
      }
    }
    return out;
  }
  const reduced = reduceTyped(type, value);
  return reduced ? [reduced] : [];
}

function reduceAny(value: unknown): StoredValue | undefined {
  if (typeof value === 'string') {
    return { kind: 's', text: value };
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return { kind: 'n', num: value };
  }
  if (typeof value === 'boolean') {
    return { kind: 'b', num: value ? 1 : 0 };
  }
  return undefined;
}

function reduceTyped(type: Exclude<ValueType, 'any'>, value: unknown): StoredValue | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { kind: 's', text: value } : undefined;
    case 'integer':
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { kind: 'n', num: value }
        : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? { kind: 'b', num: value ? 1 : 0 } : undefined;
    case 'date-time': {
      const instant = typeof value === 'string' ? parseInstant(value) : undefined;
      return instant === undefined ? undefined : { kind: 'd', num: instant };
    }
  }
}
