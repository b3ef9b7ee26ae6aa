import { isJsonObject, JsonValue, jsonEqual } from '@app/json-patch/json-value';
import { child, Location } from '@app/json-patch/pointer';

import {
  FilterExpression,
  LegacyCondition,
  Operand,
  PathStep,
  QueryPath,
  RelativeStep,
} from './ast';

/** A node selected in the document: where it is and its value. */
export interface SelectedNode {
  location: Location;
  value: JsonValue;
}

/**
 * The steps of a parsed path for this document. Part 5 paths become steps here because the array
 * to filter depends on the document (see `legacySteps`).
 */
export function stepsFor(document: JsonValue, path: QueryPath): PathStep[] {
  return path.syntax === 'legacy'
    ? legacySteps(document, path.segments, path.conditions)
    : path.steps;
}

/** True when a step can select several nodes or none (a filter or a wildcard). */
export function isSelective(steps: readonly PathStep[]): boolean {
  return steps.some((step) => step.kind === 'filter' || step.kind === 'wildcard');
}

/** Every existing node that the steps select, in document order. */
export function selectNodes(document: JsonValue, steps: readonly PathStep[]): SelectedNode[] {
  let nodes: SelectedNode[] = [{ location: [], value: document }];
  for (const step of steps) {
    nodes = nodes.flatMap((node) => applyStep(node, step));
  }
  return nodes;
}

function applyStep(node: SelectedNode, step: PathStep): SelectedNode[] {
  const { location, value } = node;
  const at = (key: string | number, next: JsonValue): SelectedNode => ({
    location: [...location, key],
    value: next,
  });
  switch (step.kind) {
    case 'token': {
      const found = child(value, step.token);
      if (!found.found) {
        return [];
      }
      return [at(Array.isArray(value) ? Number(step.token) : step.token, found.value)];
    }
    case 'member':
      if (Array.isArray(value) && step.spread) {
        return value.flatMap((element, i) => applyStep(at(i, element), { ...step, spread: false }));
      }
      return isMember(value, step.name) ? [at(step.name, value[step.name])] : [];
    case 'index':
      return Array.isArray(value) && step.index < value.length
        ? [at(step.index, value[step.index])]
        : [];
    case 'wildcard':
      if (Array.isArray(value)) {
        return value.map((element, i) => at(i, element));
      }
      return isJsonObject(value) ? Object.keys(value).map((key) => at(key, value[key])) : [];
    case 'filter':
      if (Array.isArray(value)) {
        return value.flatMap((element, i) =>
          matches(step.expression, element) ? [at(i, element)] : [],
        );
      }
      // A filter on a single object (engagedParty, validFor) or scalar tests the node itself.
      return matches(step.expression, value) ? [node] : [];
  }
}

function isMember(value: JsonValue, name: string): value is Record<string, JsonValue> {
  return isJsonObject(value) && child(value, name).found;
}

/** Evaluates a filter expression with `current` as `@`. */
export function matches(expression: FilterExpression, current: JsonValue): boolean {
  switch (expression.kind) {
    case 'or':
      return matches(expression.left, current) || matches(expression.right, current);
    case 'and':
      return matches(expression.left, current) && matches(expression.right, current);
    case 'not':
      return !matches(expression.operand, current);
    case 'exists':
      return resolveRelative(current, expression.steps) !== undefined;
    case 'compare':
      return compare(
        expression.operator,
        operandValue(expression.left, current),
        operandValue(expression.right, current),
      );
    case 'legacyEquals':
      return reachable(current, expression.path).some((value) =>
        legacyEquals(value, expression.value),
      );
  }
}

function operandValue(operand: Operand, current: JsonValue): JsonValue | undefined {
  return operand.kind === 'literal' ? operand.value : resolveRelative(current, operand.steps);
}

function resolveRelative(
  current: JsonValue,
  steps: readonly RelativeStep[],
): JsonValue | undefined {
  let value: JsonValue = current;
  for (const step of steps) {
    const token = step.kind === 'member' ? step.name : step.index;
    // A member step never reads an array by index text: @.0 is not @[0].
    if (step.kind === 'member' && Array.isArray(value)) {
      return undefined;
    }
    const found = child(value, token);
    if (!found.found) {
      return undefined;
    }
    value = found.value;
  }
  return value;
}

// Missing values (undefined) equal only each other; ordering needs two numbers or two strings.
function compare(
  operator: '==' | '!=' | '<' | '<=' | '>' | '>=',
  left: JsonValue | undefined,
  right: JsonValue | undefined,
): boolean {
  switch (operator) {
    case '==':
      return left === undefined || right === undefined ? left === right : jsonEqual(left, right);
    case '!=':
      return !compare('==', left, right);
    case '<':
      return ordered(left, right) && (left as number | string) < (right as number | string);
    case '<=':
      return ordered(left, right) && (left as number | string) <= (right as number | string);
    case '>':
      return ordered(left, right) && (left as number | string) > (right as number | string);
    case '>=':
      return ordered(left, right) && (left as number | string) >= (right as number | string);
  }
}

function ordered(left: JsonValue | undefined, right: JsonValue | undefined): boolean {
  return (
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string')
  );
}

/** Every value at `path` below `value`, searching arrays on the way element by element. */
function reachable(value: JsonValue, path: readonly string[]): JsonValue[] {
  if (Array.isArray(value)) {
    return value.flatMap((element) => reachable(element, path));
  }
  if (path.length === 0) {
    return [value];
  }
  const [head, ...rest] = path;
  return isMember(value, head) ? reachable(value[head], rest) : [];
}

// Part 5 values are text: strings compare as they are, other scalars by their JSON text.
function legacyEquals(value: JsonValue, text: string): boolean {
  if (typeof value === 'string') {
    return value === text;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return JSON.stringify(value) === text;
  }
  return false;
}

/**
 * Builds the steps of a Part 5 path for this document. Keys that start with the path's first
 * segment are absolute (`contactMedium.mediumType`); the others are relative to the filtered
 * element (`mediumType`). The filtered node is the deepest array along the path within the prefix
 * that every absolute key shares with the path (or, with only relative keys, the deepest array on
 * the path). With no array there, the filter tests the node at the end of the shared prefix (or
 * the target's parent). Arrays above the filtered one are searched element by element.
 */
function legacySteps(
  document: JsonValue,
  segments: readonly string[],
  conditions: readonly LegacyCondition[],
): PathStep[] {
  const absolute = conditions.filter((condition) => condition.key[0] === segments[0]);
  const shared = absolute.length
    ? Math.min(...absolute.map((condition) => commonPrefix(segments, condition.key)))
    : segments.length;
  const arrays = arrayDepths(document, segments, shared);
  const fallback = absolute.length ? shared : Math.max(segments.length - 1, 0);
  const filterAt = arrays.length ? Math.max(...arrays) : fallback;
  const expression = conditions
    .map((condition): FilterExpression => ({
      kind: 'legacyEquals',
      path: condition.key[0] === segments[0] ? condition.key.slice(filterAt) : condition.key,
      value: condition.value,
    }))
    .reduce((left, right) => ({ kind: 'and', left, right }));
  const steps: PathStep[] = segments.map((name) => ({ kind: 'member', name, spread: true }));
  steps.splice(filterAt, 0, { kind: 'filter', expression });
  return steps;
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) {
    i += 1;
  }
  return i;
}

/** Depths d (1..limit) at which the node at `segments[0..d)` is an array somewhere. */
function arrayDepths(document: JsonValue, segments: readonly string[], limit: number): number[] {
  const depths: number[] = [];
  let nodes: JsonValue[] = [document];
  for (let depth = 1; depth <= limit && nodes.length > 0; depth += 1) {
    const name = segments[depth - 1];
    nodes = nodes
      .flatMap((node) => (Array.isArray(node) ? node : [node]))
      .flatMap((node) => (isMember(node, name) ? [node[name]] : []));
    if (nodes.some((node) => Array.isArray(node))) {
      depths.push(depth);
    }
  }
  return depths;
}
